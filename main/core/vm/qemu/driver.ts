/**
 * QEMU: the image as a CD (or as a disk, the USB stick case), user-mode networking by default and a bridge or
 * tap on request, serial console to a log file, `-daemonize` with a pid file, the best accelerator available.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binaryMissing, accelerationUnavailable, hypervisorFailed, rethrowIfNoSpace } from '../errors.ts';
import { createSparseDisk } from '../data-disk.ts';
import { findBinary } from '../find-binary.ts';
import type { Host } from '../host.ts';
import { lanAddress } from '../lan-address.ts';
import { alreadyRunning, probeVmProcess, recordedVms, stopVmProcess, vmProcessState } from '../pid-file-vm.ts';
import { readLogLines } from '../serial-log.ts';
import { DetachedExit, spawnDetached } from '../spawn-detached.ts';
import type { Detection, DriverFactory, NetworkMode, QemuAccel, VmRecord } from '../types.ts';
import { bestAccel } from './accel.ts';
import { qemuArgs } from './args.ts';
import { qemuStartFailure } from './failures.ts';
import { findOvmf, ovmfMissing } from './firmware.ts';

export const QEMU_BINARY = 'qemu-system-x86_64';

/** Where QEMU's installers put it when it is not on PATH (GUI apps on macOS and Windows do not see the shell's PATH). */
export function qemuCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'win32') return [`${env.ProgramFiles ?? 'C:\\Program Files'}\\qemu\\${QEMU_BINARY}.exe`];
  if (platform === 'darwin') return [`/opt/homebrew/bin/${QEMU_BINARY}`, `/usr/local/bin/${QEMU_BINARY}`];
  return [`/usr/bin/${QEMU_BINARY}`, `/usr/local/bin/${QEMU_BINARY}`, '/usr/libexec/qemu-kvm'];
}

/** "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)" → "7.2.22". */
export function parseQemuVersion(output: string): string | null {
  return /version (\d+\.\d+(?:\.\d+)?)/.exec(output)?.[1] ?? null;
}

export const createQemuDriver: DriverFactory = (host: Host, options = {}) => {
  const binary = (): string => {
    const found = findBinary(host, QEMU_BINARY, qemuCandidates(host.platform, host.env));
    if (!found) throw binaryMissing('qemu', QEMU_BINARY, host.platform);
    return found;
  };

  async function chooseAccel(): Promise<Pick<Detection, 'acceleration' | 'problem' | 'warnings'> & { accel: QemuAccel }> {
    const best = await bestAccel(host);
    const requested = options.accel ?? 'auto';
    const hardware = best.accel !== 'tcg';
    if (requested === 'auto' || requested === best.accel || requested === 'tcg') {
      const accel = requested === 'auto' ? best.accel : requested;
      const warnings =
        requested === 'auto' && !hardware
          ? [`No hardware acceleration (${best.reason ?? 'none found'}): QEMU will emulate the CPU (TCG), several times slower.${best.hint ? ` ${best.hint}` : ''}`]
          : [];
      return { accel, acceleration: { available: hardware, kind: best.accel, reason: best.reason }, problem: null, warnings };
    }
    const reason = best.reason ?? `${requested} is not available on this system (the best here is ${best.accel})`;
    return {
      accel: requested,
      acceleration: { available: false, kind: requested, reason },
      problem: accelerationUnavailable('qemu', reason, best.hint ?? 'Leave out --accel to use the best accelerator available.'),
      warnings: [],
    };
  }

  const running = async (record: VmRecord) => (await probeVmProcess(record, host)).kind === 'running';

  return {
    hypervisor: 'qemu',

    async detect(): Promise<Detection> {
      const path = binary();
      const result = await host.run(path, ['--version'], { timeoutMs: 30_000 });
      if (result.code !== 0) throw hypervisorFailed('qemu', 'report its version', result.stderr || result.stdout);
      const accel = await chooseAccel();
      return { hypervisor: 'qemu', binary: path, version: parseQemuVersion(result.stdout), ...accel };
    },

    async hostAddressForGuest(network: NetworkMode): Promise<string> {
      // User-mode networking (slirp) shows the host as 10.0.2.2, its loopback included.
      return network.kind === 'nat' ? '10.0.2.2' : lanAddress(host, network.device);
    },

    async create(record: VmRecord): Promise<VmRecord> {
      const { accel, problem } = await chooseAccel();
      if (problem) throw problem;
      let firmwareCode: string | null = null;
      let varsFile: string | null = null;
      if (record.firmware === 'uefi') {
        const ovmf = findOvmf(host);
        if (!ovmf) throw ovmfMissing(host);
        firmwareCode = ovmf.code;
        varsFile = join(record.dir, 'OVMF_VARS.fd');
        await copyFile(ovmf.vars, varsFile).catch((error: unknown) => rethrowIfNoSpace(error, varsFile!));
      }
      let dataDisk: string | null = null;
      if (record.dataDiskGiB !== null) {
        dataDisk = join(record.dir, 'data.img');
        await createSparseDisk(dataDisk, record.dataDiskGiB);
      }
      return { ...record, dataDisk, qemu: { accel, firmwareCode, varsFile } };
    },

    async start(record: VmRecord): Promise<void> {
      if (await alreadyRunning(record, host)) return;
      const qemu = record.qemu ?? { accel: 'tcg' as const, firmwareCode: null, varsFile: null };
      const daemonize = host.platform !== 'win32';
      const args = qemuArgs(record, { ...qemu, daemonize });
      if (daemonize) {
        // With -daemonize QEMU returns once the VM is set up, and reports set-up errors on stderr.
        const result = await host.run(binary(), args, { timeoutMs: 60_000 });
        if (result.code !== 0) throw qemuStartFailure(result.stderr, record);
      } else {
        try {
          await spawnDetached({
            file: binary(),
            args,
            env: host.env,
            stdoutPath: join(record.runDir, 'qemu.out'),
            stderrPath: join(record.runDir, 'qemu.err'),
            ready: () => running(record),
            timeoutMs: 30_000,
          });
        } catch (error) {
          if (error instanceof DetachedExit) throw qemuStartFailure(error.stderr, record);
          throw error;
        }
      }
      if (!(await running(record))) {
        throw hypervisorFailed('qemu', `keep ${record.name} running`, (await readLogLines(record.serialLog, 6)).join('\n'));
      }
    },

    stop: (record) => stopVmProcess(record, host),
    destroy: (record) => stopVmProcess(record, host),
    state: (record) => vmProcessState(record, host),
    list: () => recordedVms(host, 'qemu'),
  };
};
