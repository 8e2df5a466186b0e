/** Cancellable waiting, shared by the rate limiter, retries and polling. */
import { G8bootError } from '../../common/errors.ts';

/** The error every cancelled ZeroTier call rejects with. */
export function abortError(): G8bootError {
  return new G8bootError('E_ABORTED', 'The ZeroTier request was cancelled.');
}

/** Wait `ms`; rejects with abortError() as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
