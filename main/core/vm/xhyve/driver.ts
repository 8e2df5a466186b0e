/**
 * xhyve (Intel Macs): boots the G8OS kernel by kexec (or the image through bhyve's UEFI firmware), vmnet
 * networking through an explicit sudo step, a UUID per VM, a pid file written by xhyve itself, stop with
 * SIGTERM then SIGKILL after 5 s, stale pid files recovered (xhyve refuses to start over one).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { G8bootError, InvalidInputError } from '../../../common/errors.ts';
import { accelerationUnavailable, binaryMissing, hypervisorFailed } from '../errors.ts';
import { createSparseDisk } from '../data-disk.ts';
import { findBinary } from '../find-binary.ts';
import type { Host } from '../host.ts';
import { alreadyRunning, probeVmProcess, recordedVms, stopVmProcess, vmProcessState } from '../pid-file-vm.ts';
import { DetachedExit, spawnDetached } from '../spawn-detached.ts';
import type { Detection, DriverFactory, NetworkMode, StartOptions, StartResult, VmRecord } from '../types.ts';
import { xhyveArgs } from './args.ts';
import { findXhyveUefi, resolveKernel } from './boot-files.ts';
import { sudoElevation } from './elevation.ts';

export const XHYVE_BINARY = 'xhyve';
/** vmnet's default shared-mode gateway (Shared_Net_Address in com.apple.vmnet.plist). */
export const VMNET_DEFAULT_GATEWAY = '192.168.64.1';
const VMNET_PLIST = '/Library/Preferences/SystemConfiguration/com.apple.vmnet';

/** "xhyve: v0.2.0" (xhyve -v, on stderr) → "0.2.0". */
export function parseXhyveVersion(output: string): string | null {
  return /xhyve:\s*v?(\d[\w.+-]*)/.exec(output)?.[1] ?? null;
}

function startFailure(stderr: string, record: VmRecord): G8bootError {
  if (/vmnet/i.test(stderr)) {
    return new G8bootError('E_VM_VMNET', `xhyve could not create its vmnet network interface: ${stderr.trim().split(/\r?\n/).join(' ')}`, {
      hint: 'vmnet needs root: let g8boot run xhyve through sudo (it asks), or run g8boot with sudo.',
    });
  }
  if (/Unable to create VM|hv_vm_create|HV_(?:ERROR|UNSUPPORTED|NO_DEVICE)/i.test(stderr)) {
    return accelerationUnavailable('xhyve', stderr.trim().split('\n')[0] ?? 'Hypervisor.framework refused', 'xhyve needs an Intel Mac with Hypervisor.framework; use QEMU otherwise.');
  }
  return hypervisorFailed('xhyve', `start ${record.name}`, stderr);
}

export const createXhyveDriver: DriverFactory = (host: Host, options = {}) => {
  const elevation = sudoElevation(host);
  const binary = (): string => {
    const found = findBinary(host, XHYVE_BINARY, ['/usr/local/bin/xhyve', '/opt/homebrew/bin/xhyve']);
    if (!found) throw binaryMissing('xhyve', XHYVE_BINARY, host.platform);
    return found;
  };

  async function hypervisorSupport(): Promise<{ available: boolean; reason?: string }> {
    if (host.platform !== 'darwin') return { available: false, reason: 'xhyve runs only on macOS' };
    if (host.arch !== 'x64') return { available: false, reason: 'xhyve does not run on Apple silicon' };
    const result = await host.run('sysctl', ['-n', 'kern.hv_support'], { timeoutMs: 10_000 }).catch(() => null);
    return result?.stdout.trim() === '1' ? { available: true } : { available: false, reason: "this Mac's CPU does not support Hypervisor.framework (kern.hv_support is not 1)" };
  }

  const stop = (record: VmRecord) => stopVmProcess(record, host, elevation.signal);

  return {
    hypervisor: 'xhyve',

    async detect(): Promise<Detection> {
      const path = binary();
      const result = await host.run(path, ['-v'], { timeoutMs: 10_000 });
      const support = await hypervisorSupport();
      return {
        hypervisor: 'xhyve',
        binary: path,
        version: parseXhyveVersion(`${result.stdout}\n${result.stderr}`),
        acceleration: { available: support.available, kind: 'Hypervisor.framework', reason: support.reason },
        problem: support.available ? null : accelerationUnavailable('xhyve', support.reason ?? 'no Hypervisor.framework', 'Use QEMU instead: `g8boot vm up --hypervisor qemu ...`.'),
        warnings: elevation.needed ? ['xhyve needs root for vmnet: g8boot will run it through sudo.'] : [],
      };
    },

    async hostAddressForGuest(network: NetworkMode): Promise<string> {
      if (network.kind !== 'nat') {
        throw new InvalidInputError('E_VM_NETWORK_UNSUPPORTED', 'xhyve networks through vmnet (shared mode) only.', { hint: 'Leave out --network, or use QEMU for bridged networking.' });
      }
      const result = await host.run('defaults', ['read', VMNET_PLIST, 'Shared_Net_Address'], { timeoutMs: 10_000 }).catch(() => null);
      const address = result?.code === 0 ? result.stdout.trim() : '';
      return /^\d+\.\d+\.\d+\.\d+$/.test(address) ? address : VMNET_DEFAULT_GATEWAY;
    },

    async create(record: VmRecord): Promise<VmRecord> {
      if (record.network.kind !== 'nat') throw new InvalidInputError('E_VM_NETWORK_UNSUPPORTED', 'xhyve networks through vmnet (shared mode) only.');
      const support = await hypervisorSupport();
      if (!support.available) throw accelerationUnavailable('xhyve', support.reason ?? 'no Hypervisor.framework', 'Use QEMU instead.');
      const kernel = record.firmware === 'bios' ? await resolveKernel(host, options.kernel) : null;
      if (record.firmware === 'uefi') findXhyveUefi(host);
      let dataDisk: string | null = null;
      if (record.dataDiskGiB !== null) {
        dataDisk = join(record.dir, 'data.img');
        await createSparseDisk(dataDisk, record.dataDiskGiB);
      }
      return { ...record, dataDisk, xhyve: { uuid: randomUUID(), kernel, elevated: elevation.needed } };
    },

    async start(record: VmRecord, startOptions: StartOptions = {}): Promise<StartResult> {
      if (!record.xhyve) throw new Error(`VM ${record.name} has no xhyve settings`);
      // xhyve creates its pid file with O_EXCL: alreadyRunning() removes a stale one, which would stop it from starting.
      if (await alreadyRunning(record, host)) return { record, warnings: [] };
      const args = xhyveArgs(record, {
        uuid: record.xhyve.uuid,
        kernel: record.xhyve.kernel,
        uefiFirmware: record.firmware === 'uefi' ? findXhyveUefi(host) : null,
      });
      await elevation.prepare(startOptions.notify ?? (() => undefined));
      const command = elevation.wrap(binary(), args);
      try {
        await spawnDetached({
          file: command.file,
          args: command.args,
          env: host.env,
          stdoutPath: record.serialLog,
          stderrPath: join(record.runDir, 'xhyve.log'),
          ready: async () => (await probeVmProcess(record, host)).kind === 'running',
          timeoutMs: 15_000,
        });
      } catch (error) {
        if (error instanceof DetachedExit) throw startFailure(error.stderr, record);
        throw error;
      }
      return { record, warnings: [] };
    },

    stop,
    destroy: stop,
    state: (record) => vmProcessState(record, host),
    list: () => recordedVms(host, 'xhyve'),
  };
};
