/** QEMU's own error texts, mapped onto the failures people can act on. */
import type { G8bootError } from '../../../common/errors.ts';
import { accelerationUnavailable, hypervisorFailed, imageLocked, outOfDisk } from '../errors.ts';
import type { VmRecord } from '../types.ts';

const ACCEL_FAILURE = /Could not access KVM kernel module|failed to initialize kvm|KVM_CREATE_VM|HV_UNSUPPORTED|HV_ERROR|hvf.*not supported|WHPX: No accelerator found|failed to initialize whpx/i;
const LOCKED = /Failed to get "(?:write|read|consistent read)" lock|Is another process using the image/i;
const NO_SPACE = /No space left on device/i;
/**
 * The accelerator initialised but cannot run the guest: nested KVM that rejects an MSR of `-cpu host` at vCPU
 * set-up, or an emulation failure once the guest runs. TCG runs such a guest.
 */
const GUEST_CANNOT_RUN = /KVM internal error|emulation failure|failed to set MSR/i;

/** The line saying why the accelerator cannot run the guest, or null when `stderr` is about something else. */
export function acceleratorCannotRun(stderr: string): string | null {
  return stderr.split('\n').find((line) => GUEST_CANNOT_RUN.test(line))?.replace(/^qemu-system-\w+: (?:error: )?/, '').trim() ?? null;
}

export function qemuStartFailure(stderr: string, record: VmRecord): G8bootError {
  const accel = record.qemu?.accel ?? 'tcg';
  if (ACCEL_FAILURE.test(stderr)) {
    const line = stderr.split('\n').find((l) => ACCEL_FAILURE.test(l))?.trim() ?? stderr.trim();
    return accelerationUnavailable('qemu', `${accel}: ${line}`, 'Check that virtualization is on in the firmware settings and usable by you, or use --accel tcg.');
  }
  if (LOCKED.test(stderr)) {
    const path = /\[(.+?)\]/.exec(stderr)?.[1] ?? record.image ?? record.dir;
    return imageLocked(path, 'QEMU could not lock it');
  }
  if (NO_SPACE.test(stderr)) return outOfDisk(record.dir);
  return hypervisorFailed('qemu', `start ${record.name}`, stderr);
}
