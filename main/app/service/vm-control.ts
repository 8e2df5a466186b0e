/**
 * Test VMs for the app: the core's VM workflow (the same one `g8boot vm` uses) in the IPC contract's views, and
 * the serial console streamed to the renderer while it watches.
 */
import { stat } from 'node:fs/promises';
import type { HypervisorView, StartVmRequest, VmView } from '../../common/ipc.ts';
import { detectHypervisors, followLog, HYPERVISORS, readLogTail, vmConsoleNote, vmDown, vmList, vmRecord, vmRemove, vmUp, type Host, type VmRecord, type VmSummary } from '../../core/vm/index.ts';

export interface VmControl {
  hypervisors(): Promise<HypervisorView[]>;
  list(): Promise<VmView[]>;
  start(request: StartVmRequest, bootUrl: string | undefined): Promise<VmView>;
  stop(name: string): Promise<VmView>;
  remove(name: string): Promise<void>;
  readConsole(name: string): Promise<string>;
  watchConsole(name: string, watch: boolean): Promise<void>;
  close(): void;
}

export function createVmControl(options: { host: Host; toolchainDir: string | undefined; onConsole: (name: string, text: string) => void }): VmControl {
  const { host } = options;
  const watches = new Map<string, AbortController>();

  const stopWatching = (name: string) => {
    watches.get(name)?.abort();
    watches.delete(name);
  };

  return {
    async hypervisors() {
      const reports = await detectHypervisors(host, HYPERVISORS);
      return reports.map(({ hypervisor, detection, error }) => ({
        hypervisor,
        available: detection !== null && detection.problem === null,
        version: detection?.version ?? null,
        acceleration: detection ? (detection.acceleration.available ? detection.acceleration.kind : `${detection.acceleration.kind} (slow: ${detection.acceleration.reason ?? 'no acceleration'})`) : 'none',
        problem: error ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : (detection?.problem?.message ?? null),
      }));
    },
    async list() {
      return (await vmList(host)).map((vm) => ({ ...summaryView(vm), consoleNote: vm.hypervisor && vm.firmware ? vmConsoleNote({ hypervisor: vm.hypervisor, firmware: vm.firmware }, host) : null }));
    },
    async start(request, bootUrl) {
      const result = await vmUp(
        {
          hypervisor: request.hypervisor,
          netid: request.netid,
          image: request.image,
          media: request.media,
          bootUrl: request.bootUrl ?? bootUrl,
          firmware: request.firmware,
          memory: request.memoryMiB,
          cpus: request.cpus,
          name: request.name,
          toolchainDir: options.toolchainDir,
        },
        { host },
      );
      return { ...recordView(result.record, result.status.state, result.status.detail ?? null), warnings: result.warnings, consoleNote: vmConsoleNote(result.record, host) };
    },
    async stop(name) {
      const status = await vmDown(name, host);
      return recordView(await vmRecord(name, host), status.state, status.detail ?? null);
    },
    async remove(name) {
      stopWatching(name);
      await vmRemove(name, host);
    },
    async readConsole(name) {
      return readLogTail((await vmRecord(name, host)).serialLog);
    },
    async watchConsole(name, watch) {
      if (!watch) return stopWatching(name);
      if (watches.has(name)) return;
      const { serialLog } = await vmRecord(name, host);
      // readConsole already gave what is there: send only what is written from now on.
      let skip = (await stat(serialLog).catch(() => null))?.size ?? 0;
      const controller = new AbortController();
      watches.set(name, controller);
      void followLog(serialLog, {
        signal: controller.signal,
        intervalMs: 500,
        onData: (chunk) => {
          const fresh = chunk.subarray(Math.min(skip, chunk.length));
          skip = Math.max(0, skip - chunk.length);
          if (fresh.length > 0) options.onConsole(name, fresh.toString('latin1'));
        },
      }).catch(() => stopWatching(name));
    },
    close() {
      for (const name of [...watches.keys()]) stopWatching(name);
    },
  };
}

function summaryView(vm: VmSummary): VmView {
  return {
    name: vm.name,
    hypervisor: vm.hypervisor ?? 'qemu',
    state: vm.state,
    netid: vm.netid,
    firmware: vm.firmware ?? 'bios',
    memoryMiB: vm.memoryMiB ?? 0,
    cpus: vm.cpus ?? 0,
    createdAt: vm.createdAt ?? '',
    detail: vm.detail ?? null,
    warnings: [],
  };
}

function recordView(record: VmRecord, state: string, detail: string | null): VmView {
  return {
    name: record.name,
    hypervisor: record.hypervisor,
    state,
    netid: record.netid,
    firmware: record.firmware,
    memoryMiB: record.memoryMiB,
    cpus: record.cpus,
    createdAt: record.createdAt,
    detail,
    warnings: [],
  };
}
