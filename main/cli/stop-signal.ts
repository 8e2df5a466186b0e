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
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
