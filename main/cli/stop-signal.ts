/**
 * Long-running commands (`serve`, `watch`, `demo`) stop on the first SIGINT (Ctrl-C) or SIGTERM, finish what
 * they are doing, and exit 0. Both listeners are removed once one fires, so a second signal is not swallowed.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export function untilStopSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    const stop = (signal: StopSignal) => {
      resolve(signal);
      // Removed once this signal's other listeners have run, not during them: signal-exit (under log-update) re-raises
      // a signal when it finds no listener but its own, so removing ours mid-emit would kill the process whenever
      // ours was registered first.
      setImmediate(() => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      });
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
