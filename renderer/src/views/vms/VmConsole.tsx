/**
 * A VM's serial console, live: the end of the log first, then `vm-console` events while it is open. Kept to the
 * last ~256 KiB so a chatty guest cannot grow the page without bound.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { g8boot } from '../../data/bridge.ts';
import { errorText, type ErrorText } from '../../data/error-text.ts';

const KEEP_CHARS = 256 * 1024;

export function VmConsole({ name, note = null, onClose }: { name: string; note?: string | null; onClose: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<ErrorText | null>(null);
  const log = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    const bridge = g8boot();
    let closed = false;
    // Events that arrive before the first read answers are kept and appended after it.
    let pending = '';
    let loaded = false;
    const off = bridge.on('vm-console', (chunk) => {
      if (chunk.name !== name) return;
      if (!loaded) pending += chunk.text;
      else setText((current) => (current + chunk.text).slice(-KEEP_CHARS));
    });
    void (async () => {
      try {
        await bridge.watchVmConsole(name, true);
        const head = await bridge.readVmConsole(name);
        if (closed) return;
        loaded = true;
        setText((head + pending).slice(-KEEP_CHARS));
      } catch (caught) {
        if (!closed) setError(errorText(caught));
      }
    })();
    return () => {
      closed = true;
      off();
      // The VM may be gone already; there is nothing left to stop watching then.
      void bridge.watchVmConsole(name, false).catch(() => {});
    };
  }, [name]);

  // Follow new output unless the person scrolled up to read.
  useLayoutEffect(() => {
    const el = log.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <section className="vm-console" aria-labelledby="console-title">
      <div className="details-head">
        <h2 id="console-title">Serial console of {name}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close the console">
          <Icon name="close" />
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
      {note && <p className="muted small-text">{note}</p>}
      <pre
        ref={log}
        className="console-log"
        tabIndex={0}
        role="log"
        aria-label={`Serial console output of ${name}`}
        onScroll={(event) => {
          const el = event.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {text || (error ? '' : 'Waiting for output…')}
      </pre>
    </section>
  );
}
