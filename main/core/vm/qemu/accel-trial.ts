/**
 * Starting QEMU on a hardware accelerator that may not run the guest. /dev/kvm can exist and open fine while KVM
 * cannot run g8boot's guest (nested virtualization): QEMU then aborts while setting up the vCPU ("failed to set
 * MSR"), or, about 3 s in while iPXE runs, stops the guest with "KVM internal error" after -daemonize has
 * detached, so nobody sees it. A start on KVM or Hypervisor.framework is therefore watched over QMP for a few
 * seconds, once per boot of the machine (accel-verdict.ts). When the guest cannot run, an accelerator g8boot
 * chose falls back to TCG with a warning; one the person asked for fails in words.
 */
import { accelerationUnavailable } from '../errors.ts';
import { DetachedExit } from '../spawn-detached.ts';
import type { QemuAccel } from '../types.ts';
import type { AccelVerdict } from './accel-verdict.ts';
import { acceleratorCannotRun } from './failures.ts';
import { connectQmp, runStatus, type QemuRunStatus, type QmpClient } from './qmp.ts';

/** The failure shows about 3 s after start on our build machines; the watch lasts a few seconds longer. */
export const WATCH_MS = 8_000;
const WATCH_INTERVAL_MS = 250;
const QMP_TIMEOUT_MS = 2_000;

/** The accelerators QEMU cannot fall back from by itself (`-accel whpx -accel tcg` does on Windows), by name. */
export const WATCHED_ACCELS: Partial<Record<QemuAccel, string>> = { kvm: 'KVM', hvf: 'Hypervisor.framework' };

export type GuestHealth =
  | { kind: 'healthy' }
  | { kind: 'failed'; status: 'internal-error' | 'exited' }
  /** The watch itself failed (QMP did not answer): nothing is concluded. */
  | { kind: 'unknown'; reason: string };

export interface WatchOptions {
  durationMs: number;
  intervalMs: number;
}

/** Ask `status` until `durationMs` has passed; a guest stopped by an internal error, or QEMU gone, failed. */
export async function watchGuest(status: () => Promise<QemuRunStatus | 'exited'>, options: WatchOptions): Promise<GuestHealth> {
  const deadline = Date.now() + options.durationMs;
  for (;;) {
    let now: QemuRunStatus | 'exited';
    try {
      now = await status();
    } catch (error) {
      return { kind: 'unknown', reason: (error as Error).message };
    }
    if (now === 'internal-error' || now === 'exited') return { kind: 'failed', status: now };
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'healthy' };
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs, left)));
  }
}

/** Watch a started VM through its QMP socket; `alive` tells a closed connection from a QEMU that exited. */
export async function watchOverQmp(socket: string, alive: () => Promise<boolean>, durationMs = WATCH_MS): Promise<GuestHealth> {
  // An object, not a variable: the connection is made inside the callback, and read again in `finally`.
  const connection: { qmp?: QmpClient } = {};
  const status = async (): Promise<QemuRunStatus | 'exited'> => {
    try {
      connection.qmp ??= await connectQmp(socket, QMP_TIMEOUT_MS);
      return runStatus(await connection.qmp.execute('query-status'));
    } catch (error) {
      if (!(await alive())) return 'exited';
      throw error;
    }
  };
  try {
    return await watchGuest(status, { durationMs, intervalMs: WATCH_INTERVAL_MS });
  } finally {
    connection.qmp?.close();
  }
}

export interface AcceleratedStart {
  accel: QemuAccel;
  /** g8boot picked the accelerator (--accel auto): only then may it fall back to TCG. */
  automatic: boolean;
  /** What this boot of the machine already showed about the accelerator; a working one is not watched again. */
  verdict: AccelVerdict | null;
  /** False where QEMU has no QMP socket (Windows, a too long path): the guest cannot be watched. */
  watchable: boolean;
}

/** The driver's side of a start, injectable so the decision is testable without a (broken or working) KVM. */
export interface StartSteps {
  /** Start QEMU on `accel`; throws DetachedExit with QEMU's stderr when QEMU does not come up. */
  launch(accel: QemuAccel): Promise<void>;
  watch(): Promise<GuestHealth>;
  stop(): Promise<void>;
  remember(verdict: AccelVerdict): Promise<void>;
}

export interface StartOutcome {
  /** The accelerator the VM runs on. */
  accel: QemuAccel;
  warnings: string[];
}

export async function startAccelerated(start: AcceleratedStart, steps: StartSteps): Promise<StartOutcome> {
  const name = WATCHED_ACCELS[start.accel];
  if (!name) {
    await steps.launch(start.accel);
    return { accel: start.accel, warnings: [] };
  }
  let cause: string | null = null;
  try {
    await steps.launch(start.accel);
  } catch (error) {
    cause = error instanceof DetachedExit ? acceleratorCannotRun(error.stderr) : null;
    if (!cause) throw error;
  }
  const checkedAt = () => new Date().toISOString();
  if (cause === null && start.watchable && start.verdict?.works !== true) {
    const health = await steps.watch();
    if (health.kind === 'healthy') await steps.remember({ works: true, detail: null, checkedAt: checkedAt() });
    if (health.kind === 'failed') cause = health.status === 'internal-error' ? `${name} internal error` : 'QEMU exited right after starting';
  }
  if (cause === null) return { accel: start.accel, warnings: [] };

  // A guest stopped by an internal error leaves QEMU running; one that aborted may leave its pid file.
  await steps.stop();
  await steps.remember({ works: false, detail: cause, checkedAt: checkedAt() });
  const why = `${name} is present but could not run this guest (${cause}, common under nested virtualization)`;
  if (!start.automatic) throw accelerationUnavailable('qemu', why, 'Leave out --accel to let g8boot fall back to TCG by itself, or use --accel tcg.');
  await steps.launch('tcg');
  return { accel: 'tcg', warnings: [`${why}; restarted with TCG, which is slower.`] };
}
