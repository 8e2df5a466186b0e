/**
 * QEMU: the image as a CD (or as a disk, the USB stick case), user-mode networking by default and a bridge or
 * tap on request, serial console to a log file, `-daemonize` with a pid file, a QMP socket for the guest's run
 * state, the best accelerator available, and TCG when that accelerator cannot run the guest (accel-trial.ts).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binaryMissing, accelerationUnavailable, hypervisorFailed, rethrowIfNoSpace } from '../errors.ts';
import { createSparseDisk } from '../data-disk.ts';
import { findBinary } from '../find-binary.ts';
import type { Host } from '../host.ts';
import { lanAddress } from '../lan-address.ts';
import { alreadyRunning, probeVmProcess, recordedVms, stopVmProcess, vmProcessState } from '../pid-file-vm.ts';
import { readLogLines } from '../serial-log.ts';
import { DetachedExit, spawnDetached } from '../spawn-detached.ts';
import type { Detection, DriverFactory, NetworkMode, QemuAccel, StartResult, VmRecord } from '../types.ts';
import { bestAccel } from './accel.ts';
import { startAccelerated, WATCH_MS, WATCHED_ACCELS, watchOverQmp } from './accel-trial.ts';
import { readAccelVerdict, writeAccelVerdict } from './accel-verdict.ts';
import { qemuArgs, SERCON_PORT_COM1 } from './args.ts';
import { qemuStartFailure } from './failures.ts';
import { findOvmf, ovmfMissing } from './firmware.ts';
import { guestState } from './guest-state.ts';
import { qmpSocketPath } from './qmp.ts';

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
    // Only an automatic choice heeds what this boot showed: an explicit --accel kvm tries (and judges) again.
    const verdict = requested === 'auto' && WATCHED_ACCELS[best.accel] ? await readAccelVerdict(host, binary(), best.accel) : null;
    if (verdict?.works === false) {
      const reason = `${WATCHED_ACCELS[best.accel]} is present but could not run a guest earlier on this boot of the machine (${verdict.detail})`;
      return { accel: 'tcg', acceleration: { available: false, kind: best.accel, reason }, problem: null, warnings: [`${reason}: QEMU will emulate the CPU (TCG), which is slower.`] };
    }
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

    async start(record: VmRecord, startOptions = {}): Promise<StartResult> {
      if (await alreadyRunning(record, host)) return { record, warnings: [] };
      const qemu = record.qemu ?? { accel: 'tcg' as const, firmwareCode: null, varsFile: null };
      const qmpSocket = qmpSocketPath(record, host.platform);
      const daemonize = host.platform !== 'win32';
      let serconPortFile: string | null = null;
      if (record.firmware === 'bios') {
        serconPortFile = join(record.runDir, 'sercon-port');
        await mkdir(record.runDir, { recursive: true });
        await writeFile(serconPortFile, SERCON_PORT_COM1).catch((error: unknown) => rethrowIfNoSpace(error, serconPortFile!));
      }
      const launch = async (accel: QemuAccel): Promise<void> => {
        const args = qemuArgs(record, { ...qemu, accel, qmpSocket, daemonize, serconPortFile });
        if (daemonize) {
          // With -daemonize QEMU returns once the VM is set up, and reports set-up errors on stderr.
          const result = await host.run(binary(), args, { timeoutMs: 60_000 });
          if (result.code !== 0) throw new DetachedExit(result.code, result.stderr);
        } else {
          await spawnDetached({
            file: binary(),
            args,
            env: host.env,
            stdoutPath: join(record.runDir, 'qemu.out'),
            stderrPath: join(record.runDir, 'qemu.err'),
            ready: () => running(record),
            timeoutMs: 30_000,
          });
        }
        if (!(await running(record))) {
          throw hypervisorFailed('qemu', `keep ${record.name} running`, (await readLogLines(record.serialLog, 6)).join('\n'));
        }
      };
      try {
        const watched = WATCHED_ACCELS[qemu.accel];
        const outcome = await startAccelerated(
          {
            accel: qemu.accel,
            automatic: (options.accel ?? 'auto') === 'auto',
            verdict: watched ? await readAccelVerdict(host, binary(), qemu.accel) : null,
            watchable: qmpSocket !== null,
          },
          {
            launch,
            watch: () => {
              startOptions.notify?.(`Checking that ${watched} can run the guest (up to ${WATCH_MS / 1000} s, once per boot of this machine)...`);
              return watchOverQmp(qmpSocket!, () => running(record));
            },
            stop: () => stopVmProcess(record, host),
            remember: (verdict) => writeAccelVerdict(host, binary(), qemu.accel, verdict),
          },
        );
        return { record: outcome.accel === qemu.accel ? record : { ...record, qemu: { ...qemu, accel: outcome.accel } }, warnings: outcome.warnings };
      } catch (error) {
        if (error instanceof DetachedExit) throw qemuStartFailure(error.stderr, record);
        throw error;
      }
    },

    stop: (record) => stopVmProcess(record, host),
    destroy: (record) => stopVmProcess(record, host),
    state: async (record) => guestState(record, await vmProcessState(record, host), host.platform),
    list: () => recordedVms(host, 'qemu'),
  };
};
