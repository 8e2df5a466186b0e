/**
 * Counts the probe's open sockets, from creation to their 'close' event, so the bound on concurrency can be
 * checked rather than assumed (tests and the benchmark read `peak`).
 */
export interface SocketGauge {
  readonly open: number;
  readonly peak: number;
  opened(): void;
  closed(): void;
}

export function createSocketGauge(): SocketGauge {
  let open = 0;
  let peak = 0;
  return {
    get open() {
      return open;
    },
    get peak() {
      return peak;
    },
    opened() {
      open++;
      if (open > peak) peak = open;
    },
    closed() {
      open--;
    },
  };
}
