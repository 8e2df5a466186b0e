/**
 * What QEMU and xhyve VMs share: the hypervisor process is the VM, found through its pid file. Something unique
 * to the VM on the process's command line is the marker that a reused pid is not ours: the pid file path
 * (QEMU's -pidfile), or for xhyve the VM's UUID (-U), since xhyve builds without -F (Homebrew's v0.2.0) leave
 * the pid file to g8boot.
 */
import { HYPERVISOR_NAMES } from './errors.ts';
import type { Host } from './host.ts';
import { probePidFile, removePidFile, terminate, type PidFileProbe, type Signaller } from './processes.ts';
import { listVmRecords } from './records.ts';
import { readLogLines } from './serial-log.ts';
import type { HypervisorVm, VmRecord, VmStatus } from './types.ts';

/** minikube's hyperkit driver waits 5 s after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 5_000;

export function probeVmProcess(record: VmRecord, host: Host): Promise<PidFileProbe> {
  return probePidFile(record.pidFile, record.xhyve?.uuid ?? record.pidFile, host);
}

/** True when the VM already runs; removes a stale pid file so the hypervisor can start over it. */
export async function alreadyRunning(record: VmRecord, host: Host): Promise<boolean> {
  const found = await probeVmProcess(record, host);
  if (found.kind === 'stale') await removePidFile(record.pidFile);
  return found.kind === 'running';
}

export async function stopVmProcess(record: VmRecord, host: Host, signal?: Signaller): Promise<void> {
  const found = await probeVmProcess(record, host);
  if (found.kind === 'running') await terminate(found.pid, { graceMs: STOP_GRACE_MS, ...(signal ? { signal } : {}) });
  await removePidFile(record.pidFile);
}

/** Running, stopped (no pid file: stopped by us or shut down cleanly) or crashed (a stale pid file), with the console's last lines. */
export async function vmProcessState(record: VmRecord, host: Host): Promise<VmStatus> {
  const found = await probeVmProcess(record, host);
  if (found.kind === 'running') return { state: 'running', pid: found.pid };
  if (found.kind === 'none') return { state: 'stopped' };
  const tail = await readLogLines(record.serialLog, 5);
  const name = HYPERVISOR_NAMES[record.hypervisor];
  return { state: 'crashed', detail: `${name} exited without being stopped${tail.length ? `; last console lines:\n${tail.join('\n')}` : ''}` };
}

/** QEMU and xhyve keep no registry of their own: g8boot's records are the list. */
export async function recordedVms(host: Host, hypervisor: VmRecord['hypervisor']): Promise<HypervisorVm[]> {
  const { records } = await listVmRecords(host.dirs);
  return records.filter((r) => r.hypervisor === hypervisor).map((r) => ({ name: r.name }));
}
