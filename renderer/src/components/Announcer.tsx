/**
 * One polite live region for short confirmations ("Copied 10.147.17.5"): screen readers hear them, and
 * everyone sees them for a few seconds at the bottom of the window.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

const SHOWN_FOR_MS = 4000;
const AnnounceContext = createContext<(text: string) => void>(() => {});

export function useAnnounce(): (text: string) => void {
  return useContext(AnnounceContext);
}

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [text, setText] = useState('');
  const timer = useRef<number | undefined>(undefined);
  const announce = useCallback((next: string) => {
    setText(next);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setText(''), SHOWN_FOR_MS);
  }, []);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div className={text ? 'toast toast-visible' : 'toast'} role="status" aria-live="polite">
        {text}
      </div>
    </AnnounceContext.Provider>
  );
}
