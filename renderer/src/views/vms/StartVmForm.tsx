/** Boot a test node: a VM on one of the hypervisors found, booting this app's boot service for a network. */
import { useState } from 'react';
import type { HypervisorView, StartVmRequest, VmView } from '../../../../main/common/ipc.ts';
import { parseBootNetworkId } from '../../../../main/common/validate.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { errorText, type ErrorText } from '../../data/error-text.ts';

interface StartVmFormProps {
  hypervisors: HypervisorView[];
  defaultNetid: string;
  onStarted: (vm: VmView) => void;
}

export function StartVmForm({ hypervisors, defaultNetid, onStarted }: StartVmFormProps) {
  const usable = hypervisors.filter((h) => h.available);
  const [hypervisor, setHypervisor] = useState(usable[0]?.hypervisor);
  const [netid, setNetid] = useState(defaultNetid);
  const [firmware, setFirmware] = useState<'bios' | 'uefi'>('bios');
  const [memoryMiB, setMemoryMiB] = useState(2048);
  const [cpus, setCpus] = useState(2);
  const [name, setName] = useState('');
  const [invalid, setInvalid] = useState<ErrorText | null>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const start = useCall((request: StartVmRequest) => g8boot().startVm(request));

  const submit = async () => {
    if (!hypervisor) return;
    let id: string;
    try {
      id = parseBootNetworkId(netid) ?? '0';
    } catch (error) {
      setInvalid(errorText(error));
      return;
    }
    setInvalid(null);
    setWarnings([]);
    const vm = await start.run({ hypervisor, netid: id, firmware, memoryMiB, cpus, name: name.trim() || undefined });
    if (vm) {
      // e.g. KVM could not run the guest and QEMU fell back to TCG: the VM runs, but the person should know.
      setWarnings(vm.warnings);
      onStarted(vm);
    }
  };

  return (
    <form
      aria-labelledby="start-vm-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="start-vm-title">Boot a test node</h2>
      <div className="form-grid">
        <label className="field">
          <span>Hypervisor</span>
          <select value={hypervisor ?? ''} onChange={(event) => setHypervisor(event.target.value as StartVmRequest['hypervisor'])} disabled={usable.length === 0}>
            {usable.map((h) => (
              <option key={h.hypervisor} value={h.hypervisor}>
                {h.hypervisor}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Network id</span>
          <input value={netid} onChange={(event) => setNetid(event.target.value)} className="mono" maxLength={16} spellCheck={false} />
        </label>
        <label className="field">
          <span>Firmware</span>
          <select value={firmware} onChange={(event) => setFirmware(event.target.value as 'bios' | 'uefi')}>
            <option value="bios">BIOS</option>
            <option value="uefi">UEFI</option>
          </select>
        </label>
        <label className="field">
          <span>Memory (MiB)</span>
          <input type="number" min={512} max={65536} step={256} value={memoryMiB} onChange={(event) => setMemoryMiB(Number(event.target.value))} />
        </label>
        <label className="field">
          <span>CPUs</span>
          <input type="number" min={1} max={64} value={cpus} onChange={(event) => setCpus(Number(event.target.value))} />
        </label>
        <label className="field">
          <span>Name (optional)</span>
          <input value={name} onChange={(event) => setName(event.target.value)} placeholder="chosen for you" spellCheck={false} />
        </label>
      </div>
      {invalid && <ErrorNotice error={invalid} />}
      {start.error && <ErrorNotice error={start.error} />}
      {warnings.length > 0 && (
        <div className="notice notice-warn" role="status">
          {warnings.map((warning) => (
            <p key={warning}>{warning}</p>
          ))}
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="primary" disabled={!hypervisor || start.busy}>
          {start.busy ? 'Starting…' : 'Start the VM'}
        </button>
      </div>
    </form>
  );
}
