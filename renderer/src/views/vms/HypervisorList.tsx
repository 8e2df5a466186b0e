import type { HypervisorView } from '../../../../main/common/ipc.ts';

/** What can run test VMs on this computer, and for the rest, why not and what to do. */
export function HypervisorList({ hypervisors }: { hypervisors: HypervisorView[] }) {
  return (
    <ul className="hypervisors plain-list">
      {hypervisors.map((h) => (
        <li key={h.hypervisor} className={h.available ? 'hypervisor' : 'hypervisor hypervisor-missing'}>
          <strong>{h.hypervisor}</strong>{' '}
          {h.available ? (
            <span className="status status-ok">
              <span className="status-icon" aria-hidden="true">
                ●
              </span>
              available{h.version && ` · ${h.version}`} · {h.acceleration}
            </span>
          ) : (
            <span className="status status-off">
              <span className="status-icon" aria-hidden="true">
                ○
              </span>
              not available
            </span>
          )}
          {h.problem && <p className="field-help">{h.problem}</p>}
        </li>
      ))}
    </ul>
  );
}
