/** The URLs the boot service serves for a network id, each with a copy button. */
import { useEffect, useState } from 'react';
import type { BootLinks } from '../../../../main/common/ipc.ts';
import { CopyButton } from '../../components/CopyButton.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';

/** `bootServiceRunning` is a dependency so the links are fetched again when the service comes up. */
export function BootLinksPanel({ netid, bootServiceRunning }: { netid: string; bootServiceRunning: boolean }) {
  const [links, setLinks] = useState<BootLinks | null>(null);
  const fetchLinks = useCall((id: string) => g8boot().bootLinks(id));
  const startService = useCall(() => g8boot().setBootService(true));
  const fetchRun = fetchLinks.run;

  useEffect(() => {
    setLinks(null);
    void fetchRun(netid).then((result) => result && setLinks(result));
  }, [netid, bootServiceRunning, fetchRun]);

  if (fetchLinks.error) {
    return (
      <>
        <ErrorNotice error={fetchLinks.error} />
        {!bootServiceRunning && (
          <div className="button-row">
            <button type="button" className="primary" disabled={startService.busy} onClick={() => void startService.run()}>
              Start the boot service
            </button>
          </div>
        )}
        {startService.error && <ErrorNotice error={startService.error} />}
      </>
    );
  }
  if (!links) return <p className="muted">Asking the boot service…</p>;
  return (
    <>
      <dl className="links">
        {links.links.map((link) => (
          <div key={link.key} className="link-row">
            <dt>
              {link.label} <span className="link-where">— works on: {link.where}</span>
            </dt>
            <dd>
              <code className="link-value">{link.value}</code>
              <CopyButton text={link.value} label={link.label} />
              <p className="field-help">{link.help}</p>
            </dd>
          </div>
        ))}
      </dl>
      {links.notes.map((note) => (
        <p key={note} className="field-help">
          {note}
        </p>
      ))}
    </>
  );
}
