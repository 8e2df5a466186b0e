/**
 * xhyve (Intel Macs): boots the G8OS kernel by kexec (or the image through bhyve's UEFI firmware), vmnet
 * networking through an explicit sudo step, a UUID per VM, stop with SIGTERM then SIGKILL after 5 s, stale pid
 * files recovered (xhyve refuses to start over one). Builds differ (FIELD-NOTES §6): Homebrew's v0.2.0 has no
 * -F (pid file) and no -l bootrom (UEFI), master builds have both; g8boot asks the installed xhyve which it
 * takes and writes the pid file itself where xhyve cannot.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { G8bootError, InvalidInputError, MissingDependencyError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';
import { accelerationUnavailable, binaryMissing, hypervisorFailed } from '../errors.ts';
import { createSparseDisk } from '../data-disk.ts';
import { findBinary } from '../find-binary.ts';
import type { Host } from '../host.ts';
import { alreadyRunning, probeVmProcess, recordedVms, stopVmProcess, vmProcessState } from '../pid-file-vm.ts';
import { DetachedExit, spawnDetached } from '../spawn-detached.ts';
import type { Detection, DriverFactory, NetworkMode, StartOptions, StartResult, VmRecord } from '../types.ts';
import { commaSeparatedPaths, xhyveArgs } from './args.ts';
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

/** What the installed xhyve accepts. */
export interface XhyveFeatures {
  /** `-F <pidfile>` (master builds from 2015-12 on; not Homebrew's v0.2.0). */
  pidFile: boolean;
  /** `-l bootrom,<firmware>`, the UEFI boot (master builds from 2018-04 on). */
  bootrom: boolean;
}

/**
 * xhyve parses the options before `-h`, which prints its usage and exits 0: an option it lacks makes
 * getopt (or the LPC parser) refuse instead. Neither probe touches the pid file, the firmware or vmnet.
 */
export async function probeXhyveFeatures(host: Host, binary: string): Promise<XhyveFeatures> {
  const accepts = async (args: string[]) => (await host.run(binary, [...args, '-h'], { timeoutMs: 10_000 }).catch(() => null))?.code === 0;
  const [pidFile, bootrom] = await Promise.all([accepts(['-F', '/nonexistent/g8boot-probe.pid']), accepts(['-l', 'bootrom,/dev/null'])]);
  return { pidFile, bootrom };
}

export const XHYVE_EARLY_CONSOLE_NOTE =
  'xhyve starts the G8OS kernel directly (kexec): there is no firmware or iPXE to show, and this log starts with the kernel.';

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
  let probed: Promise<XhyveFeatures> | undefined;
  const features = () => (probed ??= probeXhyveFeatures(host, binary()));

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
        warnings: [
          ...(elevation.needed ? ['xhyve needs root for vmnet: g8boot will run it through sudo.'] : []),
          ...(support.available && !(await features()).bootrom ? ['This xhyve has no UEFI boot (-l bootrom, in master builds): it boots the G8OS kernel directly (--firmware bios).'] : []),
        ],
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
      if (record.firmware === 'uefi' && !(await features()).bootrom) {
        throw new MissingDependencyError('E_VM_NO_UEFI', `This xhyve (${binary()}) cannot boot UEFI: it has no -l bootrom (Homebrew's v0.2.0 lacks it).`, {
          hint: 'Use --firmware bios (xhyve boots the G8OS kernel directly), build xhyve from github.com/machyve/xhyve (master has -l bootrom), or use --hypervisor qemu.',
        });
      }
      const kernel = record.firmware === 'bios' ? await resolveKernel(host, options.kernel) : null;
      const uefiFirmware = record.firmware === 'uefi' ? findXhyveUefi(host) : null;
      const dataDisk = record.dataDiskGiB === null ? null : join(record.dir, 'data.img');
      const withComma = commaSeparatedPaths({ ...record, dataDisk }, { kernel, uefiFirmware }).find((p) => p.includes(','));
      if (withComma !== undefined) {
        throw new InvalidInputError('E_VM_PATH_COMMA', `xhyve cannot use ${quote(withComma, 200)}: its options are separated by commas, so a path must not contain one.`, {
          hint: withComma === kernel || withComma === uefiFirmware
            ? 'Move or link the file to a path without commas and give that path.'
            : "Set G8BOOT_HOME to a directory whose path has no comma (g8boot keeps the VM's files there).",
        });
      }
      if (dataDisk !== null) await createSparseDisk(dataDisk, record.dataDiskGiB!);
      return { ...record, dataDisk, xhyve: { uuid: randomUUID(), kernel, elevated: elevation.needed } };
    },

    async start(record: VmRecord, startOptions: StartOptions = {}): Promise<StartResult> {
      if (!record.xhyve) throw new Error(`VM ${record.name} has no xhyve settings`);
      // xhyve creates its pid file with O_EXCL: alreadyRunning() removes a stale one, which would stop it from starting.
      if (await alreadyRunning(record, host)) return { record, warnings: [] };
      const { pidFile: writesPidFile } = await features();
      const args = xhyveArgs(record, {
        uuid: record.xhyve.uuid,
        kernel: record.xhyve.kernel,
        uefiFirmware: record.firmware === 'uefi' ? findXhyveUefi(host) : null,
        pidFile: writesPidFile ? record.pidFile : null,
      });
      await elevation.prepare(startOptions.notify ?? (() => undefined));
      const command = elevation.wrap(binary(), args);
      try {
        await spawnDetached({
          file: command.file,
          args: command.args,
          env: host.env,
          stdoutPath: record.serialLog,
          consoleOnStdin: true,
          // Without -F, the pid g8boot tracks is the child it started (sudo relays signals to xhyve).
          pidFile: writesPidFile ? undefined : record.pidFile,
          settleMs: writesPidFile ? 0 : 1_500,
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
    consoleNote: (record) => (record.firmware === 'bios' ? XHYVE_EARLY_CONSOLE_NOTE : null),
  };
};
