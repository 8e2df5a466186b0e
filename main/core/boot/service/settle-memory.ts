/**
 * Give memory back after a load ends. V8 collects garbage only when JavaScript allocates, so a service that falls
 * quiet after thousands of connections keeps every closed socket's wrappers, parsers and buffers (and the native
 * memory they hold) until the next load: measured, RSS stayed at its peak (100 → 330 MiB) for as long as it
 * stayed idle. One full collection once the connections have fallen to a tenth of their peak frees them.
 *
 * `gc` is not exposed by default; V8's flag can be set at run time and the function taken from a fresh context
 * (without the flag on the command line, so every launcher of the service gets it).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A load smaller than this leaves too little behind to be worth a full collection. */
export const SETTLE_AFTER_CONNECTIONS = 256;
/** Seconds the connections must stay low before collecting (a load that pauses briefly is not settled). */
const QUIET_TICKS = 3;

let collector: (() => void) | null | undefined;

function fullCollection(): (() => void) | null {
  if (collector !== undefined) return collector;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return (collector = exposed);
  try {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  } catch {
    collector = null;
  }
  return collector;
}

export interface MemorySettler {
  /** Called about once a second with the connections open now. Returns whether it collected. */
  observe(open: number): boolean;
}

export function memorySettler(options: { threshold?: number; collect?: () => void } = {}): MemorySettler {
  const threshold = options.threshold ?? SETTLE_AFTER_CONNECTIONS;
  let peak = 0;
  let quiet = 0;
  return {
    observe(open) {
      peak = Math.max(peak, open);
      if (peak < threshold || open > peak / 10) {
        quiet = 0;
        return false;
      }
      if (++quiet < QUIET_TICKS) return false;
      peak = open;
      quiet = 0;
      const collect = options.collect ?? fullCollection();
      if (!collect) return false;
      collect();
      return true;
    },
  };
}
