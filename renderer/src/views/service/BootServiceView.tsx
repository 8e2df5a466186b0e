/** The boot service (the original design's web service, on this computer): on/off, where it listens, who booted. */
import type { AppState } from '../../../../main/common/ipc.ts';
import { CopyButton } from '../../components/CopyButton.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { serializedErrorText } from '../../data/error-text.ts';
import { clockTime } from '../../data/format.ts';

const ROUTE_WORDS = { script: 'iPXE script', iso: 'ISO image', usb: 'USB image', efi: 'UEFI iPXE', kernel: 'kernel' } as const;

export function BootServiceView({ state }: { state: AppState }) {
  const service = state.bootService;
  const toggle = useCall((on: boolean) => g8boot().setBootService(on));
  return (
    <div className="service-view">
      <section aria-labelledby="service-title">
        <h2 id="service-title">Status</h2>
        <div className="service-switch">
          <button
            type="button"
            role="switch"
            aria-checked={service.running}
            className={service.running ? 'switch switch-on' : 'switch'}
            disabled={toggle.busy}
            onClick={() => void toggle.run(!service.running)}
          >
            <span className="switch-track" aria-hidden="true">
              <span className="switch-thumb" />
            </span>
            <span>{service.running ? 'On: serving boot scripts and images' : 'Off'}</span>
          </button>
        </div>
        {toggle.error && <ErrorNotice error={toggle.error} />}
        {service.problem && <ErrorNotice error={serializedErrorText(service.problem)} />}
        <dl className="facts">
          <dt>Listens on</dt>
          <dd className="mono">{service.listen}</dd>
          {service.url && (
            <>
              <dt>On this computer</dt>
              <dd>
                <span className="mono">{service.url}</span> <CopyButton text={service.url} label="boot service address" compact />
              </dd>
            </>
          )}
          {service.guestUrl && (
            <>
              <dt>From a test VM</dt>
              <dd>
                <span className="mono">{service.guestUrl}</span> <CopyButton text={service.guestUrl} label="address for VMs" compact />
              </dd>
            </>
          )}
          {service.running && (
            <>
              <dt>From LAN machines</dt>
              <dd>
                {service.openToLan ? (
                  service.defaultBootUrls
                    .filter((t) => t.reach === 'lan')
                    .map((t) => (
                      <span key={t.url} className="mono">
                        {t.url}{' '}
                      </span>
                    ))
                ) : (
                  <span className="muted">not reachable: it listens on this computer only (Boot media can open it to the LAN)</span>
                )}
              </dd>
            </>
          )}
          <dt>Kernel</dt>
          <dd>{service.kernel ?? <span className="muted">none yet: nodes chain to the kernel URL in their script</span>}</dd>
        </dl>
      </section>
      <section aria-labelledby="requests-title">
        <h2 id="requests-title">Recent boot requests</h2>
        {service.recent.length === 0 ? (
          <EmptyState title="No machine has asked for a boot script yet">
            <p>
              {service.running
                ? 'Boot a machine or a test VM with an image from Boot media: each request it makes shows here.'
                : 'Turn the service on, then boot a machine or a test VM.'}
            </p>
          </EmptyState>
        ) : (
          <table className="data-table">
            <caption className="visually-hidden">Recent boot requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">From</th>
                <th scope="col">Asked for</th>
                <th scope="col">Network</th>
                <th scope="col">Answer</th>
                <th scope="col">Client</th>
              </tr>
            </thead>
            <tbody>
              {service.recent.map((event, i) => (
                <tr key={`${event.time}-${i}`}>
                  <td>{clockTime(event.time)}</td>
                  <td className="mono">{event.remote}</td>
                  <td>
                    {ROUTE_WORDS[event.route]} <span className="muted mono small-text">{event.path}</span>
                  </td>
                  <td className="mono">{event.networkId ?? 'none'}</td>
                  <td>{event.status < 400 ? `${event.status} OK` : `${event.status} failed`}</td>
                  <td className="truncate small-text" title={event.userAgent}>
                    {event.userAgent || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
