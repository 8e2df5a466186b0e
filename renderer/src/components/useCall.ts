/**
 * One button's call to main: whether it is running, and its error in words. Keeps views free of the same
 * try/catch/setBusy dance; a call that finishes after unmount is ignored.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { errorText, type ErrorText } from '../data/error-text.ts';

export interface Call<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  error: ErrorText | null;
  clearError: () => void;
}

export function useCall<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Call<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorText | null>(null);
  const mounted = useRef(true);
  const latest = useRef(fn);
  useLayoutEffect(() => {
    latest.current = fn;
  });
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await latest.current(...args);
    } catch (caught) {
      if (mounted.current) setError(errorText(caught));
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { run, busy, error, clearError };
}
