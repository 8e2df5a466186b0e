/**
 * Test VMs: hypervisors found, booting a test node, the VMs with their states (polled while this view is
 * open: VMs change state without telling), their serial consoles, stop and remove.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AppState, HypervisorView, VmView } from '../../../../main/common/ipc.ts';
import { useAnnounce } from '../../components/Announcer.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { g8boot } from '../../data/bridge.ts';
import { errorText, type ErrorText } from '../../data/error-text.ts';
import { HypervisorList } from './HypervisorList.tsx';
import { StartVmForm } from './StartVmForm.tsx';
import { VmConsole } from './VmConsole.tsx';
import { VmList } from './VmList.tsx';

const POLL_MS = 3000;

export function VmsView({ state }: { state: AppState }) {
  const [hypervisors, setHypervisors] = useState<HypervisorView[] | null>(null);
  const [vms, setVms] = useState<VmView[]>([]);
  const [error, setError] = useState<ErrorText | null>(null);
  const [consoleOf, setConsoleOf] = useState<string | null>(null);
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const announce = useAnnounce();

  const loadVms = useCallback(async () => {
    try {
      setVms(await g8boot().listVms());
    } catch (caught) {
      setError(errorText(caught));
    }
  }, []);

  useEffect(() => {
    void g8boot()
      .listHypervisors()
      .then(setHypervisors, (caught: unknown) => setError(errorText(caught)));
    void loadVms();
    const timer = window.setInterval(() => void loadVms(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [loadVms]);

  const act = async (name: string, what: string, action: () => Promise<unknown>) => {
    setBusy((names) => new Set(names).add(name));
    setError(null);
    try {
      await action();
      announce(`${what} ${name}`);
      await loadVms();
    } catch (caught) {
      const text = errorText(caught);
      setError({ ...text, message: `${name}: ${text.message}` });
    } finally {
      setBusy((names) => {
        const next = new Set(names);
        next.delete(name);
        return next;
      });
    }
  };

  const usable = hypervisors?.some((h) => h.available) ?? false;

  return (
    <div className="vms-view">
      <div className="two-columns">
        <section aria-labelledby="hypervisors-title">
          <h2 id="hypervisors-title">Hypervisors</h2>
          {hypervisors === null ? <p className="muted">Looking for hypervisors…</p> : <HypervisorList hypervisors={hypervisors} />}
        </section>
        <section>
          {hypervisors !== null &&
            (usable ? (
              <StartVmForm
                hypervisors={hypervisors}
                defaultNetid={state.networkId ?? ''}
                onStarted={(vm) => {
                  announce(`Started ${vm.name}; it shows up in the node list once it joins`);
                  setConsoleOf(vm.name);
                  void loadVms();
                }}
              />
            ) : (
              <EmptyState title="No hypervisor to run a test node">
                <p>Install QEMU (or VirtualBox), then open this view again. Each hypervisor above says what is missing.</p>
              </EmptyState>
            ))}
        </section>
      </div>
      {error && <ErrorNotice error={error} onRetry={() => setError(null)} retryLabel="Dismiss" />}
      <section aria-labelledby="vm-list-title">
        <h2 id="vm-list-title">Test VMs</h2>
        {vms.length === 0 ? (
          <EmptyState title="No test VM yet">
            <p>Start one above: it boots G8OS through the boot service and joins the network.</p>
          </EmptyState>
        ) : (
          <VmList
            vms={vms}
            busy={busy}
            onConsole={setConsoleOf}
            onStop={(name) => void act(name, 'Stopped', () => g8boot().stopVm(name))}
            onRemove={(name) => {
              if (consoleOf === name) setConsoleOf(null);
              void act(name, 'Removed', () => g8boot().removeVm(name));
            }}
          />
        )}
      </section>
      {consoleOf && <VmConsole key={consoleOf} name={consoleOf} note={vms.find((vm) => vm.name === consoleOf)?.consoleNote ?? null} onClose={() => setConsoleOf(null)} />}
    </div>
  );
}
