/** The URLs the boot service serves for a network id, each with a copy button. */
import { useEffect, useState } from 'react';
import type { BootLinks } from '../../../../main/common/ipc.ts';
import { CopyButton } from '../../components/CopyButton.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';

const LINKS: { key: keyof BootLinks; label: string; help: string }[] = [
  { key: 'ipxeUrl', label: 'iPXE script URL', help: "Paste into a bare-metal provider's custom iPXE URL field (Equinix Metal / packet.net, …)." },
  { key: 'isoUrl', label: 'ISO image URL', help: 'A hybrid ISO for virtual CD drives and IPMI virtual media.' },
  { key: 'usbUrl', label: 'USB image URL', help: 'Write it to a USB stick.' },
  { key: 'efiUrl', label: 'UEFI iPXE URL', help: 'ipxe.efi carrying the script, for UEFI HTTP boot.' },
  { key: 'qemuCommand', label: 'QEMU command', help: 'Boots the image in QEMU on this computer.' },
];

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
    <dl className="links">
      {LINKS.map((link) => (
        <div key={link.key} className="link-row">
          <dt>{link.label}</dt>
          <dd>
            <code className="link-value">{links[link.key]}</code>
            <CopyButton text={links[link.key]} label={link.label} />
            <p className="field-help">{link.help}</p>
          </dd>
        </div>
      ))}
    </dl>
  );
}
