import { useState } from 'react';
import type { VmView } from '../../../../main/common/ipc.ts';
import { dateTime } from '../../data/format.ts';
import { ICONS } from '../nodes/node-status.ts';
import { isStopped, vmStateWords } from './vm-state.ts';

interface VmListProps {
  vms: VmView[];
  busy: ReadonlySet<string>;
  onConsole: (name: string) => void;
  onStop: (name: string) => void;
  onRemove: (name: string) => void;
}

/** The test VMs g8boot started, with their state in words and what can be done with each. */
export function VmList({ vms, busy, onConsole, onStop, onRemove }: VmListProps) {
  // Removing deletes the VM's disk and log: it takes a second click.
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <table className="data-table">
      <caption className="visually-hidden">Test VMs</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">State</th>
          <th scope="col">Hypervisor</th>
          <th scope="col">Network</th>
          <th scope="col">Machine</th>
          <th scope="col">Started</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {vms.map((vm) => {
          const state = vmStateWords(vm.state);
          const stopped = isStopped(vm.state);
          return (
            <tr key={vm.name}>
              <th scope="row">{vm.name}</th>
              <td>
                <span className={`status status-${state.tone}`} title={vm.detail ?? undefined}>
                  <span className="status-icon" aria-hidden="true">
                    {ICONS[state.tone]}
                  </span>
                  {state.label}
                </span>
                {vm.detail && <div className="muted small-text">{vm.detail}</div>}
              </td>
              <td>{vm.hypervisor}</td>
              <td className="mono">{vm.netid ?? '—'}</td>
              <td>
                {vm.firmware.toUpperCase()}, {vm.memoryMiB} MiB, {vm.cpus} CPU
              </td>
              <td>{dateTime(vm.createdAt)}</td>
              <td className="cell-actions">
                <button type="button" className="small" onClick={() => onConsole(vm.name)}>
                  Console<span className="visually-hidden"> of {vm.name}</span>
                </button>
                {stopped && confirming === vm.name ? (
                  <>
                    <button type="button" className="small danger" disabled={busy.has(vm.name)} onClick={() => onRemove(vm.name)}>
                      Remove for good<span className="visually-hidden"> {vm.name}</span>
                    </button>
                    <button type="button" className="small" onClick={() => setConfirming(null)}>
                      Keep<span className="visually-hidden"> {vm.name}</span>
                    </button>
                  </>
                ) : stopped ? (
                  <button type="button" className="small" onClick={() => setConfirming(vm.name)}>
                    Remove<span className="visually-hidden"> {vm.name}</span>
                  </button>
                ) : (
                  <button type="button" className="small" disabled={busy.has(vm.name)} onClick={() => onStop(vm.name)}>
                    Stop<span className="visually-hidden"> {vm.name}</span>
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
