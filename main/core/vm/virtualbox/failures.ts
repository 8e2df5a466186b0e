/** VirtualBox's own error texts (VBoxManage, C locale), mapped onto the failures people can act on. */
import { G8bootError, MissingDependencyError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';
import { accelerationUnavailable, hypervisorFailed, imageLocked, nameTaken, outOfDisk } from '../errors.ts';
import type { VmRecord } from '../types.ts';
import type { VBoxManageFailure } from './vboxmanage.ts';

export const NOT_FOUND = /VBOX_E_OBJECT_NOT_FOUND|Could not find a registered machine/;
export const NOT_RUNNING = /is not currently running|machine is not running/i;
const SETTINGS_EXIST = /Machine settings file .* already exists/;
const MEDIUM_LOCKED = /is locked for (?:reading|writing) by another task|VBOX_E_OBJECT_IN_USE/;
const SESSION_LOCKED = /already locked (?:for|by) a session|being locked or unlocked/;
const DISK_FULL = /VERR_DISK_FULL|No space left on device/;
const NO_VTX = /VERR_VMX_NO_VMX|VERR_SVM_NO_SVM|VERR_VMX_MSR_\w*DISABLED\w*|VERR_SVM_DISABLED|VERR_NEM_NOT_AVAILABLE|VERR_VMX_IN_VMX_ROOT_MODE|VERR_SVM_IN_USE|VT-x is not available|AMD-V is not available/;
const NO_DRIVER = /VERR_VM_DRIVER_NOT_INSTALLED|VERR_VM_DRIVER_NOT_ACCESSIBLE|Kernel driver not installed|vboxdrv kernel module is not loaded/;

const DRIVER_HINTS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'Run `sudo /sbin/vboxconfig` (it builds and loads the module; it needs your kernel\'s headers) or `sudo modprobe vboxdrv`. With Secure Boot on, the module must be signed.',
  darwin: "Allow Oracle's system extension in System Settings > Privacy & Security, then restart the Mac.",
  win32: 'Reinstall VirtualBox (its driver is installed by the installer) and restart Windows.',
};

export function vboxDriverNotLoaded(platform: NodeJS.Platform, reason = 'the vboxdrv kernel module is not loaded'): MissingDependencyError {
  return new MissingDependencyError('E_VM_VBOX_DRIVER', `VirtualBox cannot start VMs: ${reason}.`, {
    hint: DRIVER_HINTS[platform] ?? 'Reinstall VirtualBox.',
  });
}

/** The first "VBoxManage: error:" line, without the prefix: VirtualBox's own summary. */
function firstError(stderr: string): string {
  const line = stderr.split(/\r?\n/).find((l) => /error:/.test(l)) ?? stderr.trim().split(/\r?\n/)[0] ?? '';
  return line.replace(/^VBoxManage(?:\.exe)?: error:\s*/, '').trim();
}

export function vboxFailure(failure: VBoxManageFailure, record: VmRecord, what: string, platform: NodeJS.Platform): G8bootError {
  const text = `${failure.stderr}\n${failure.stdout}`;
  if (NO_DRIVER.test(text)) return vboxDriverNotLoaded(platform);
  if (NO_VTX.test(text)) {
    return accelerationUnavailable(
      'virtualbox',
      firstError(failure.stderr) || 'VT-x/AMD-V is not available',
      'Turn on VT-x/AMD-V in the BIOS/UEFI setup. If another hypervisor holds it (KVM on Linux, Hyper-V on Windows), stop it or use QEMU instead.',
    );
  }
  if (SETTINGS_EXIST.test(text)) return nameTaken(record.name, 'VirtualBox already has a machine settings file for it');
  if (MEDIUM_LOCKED.test(text)) {
    const medium = /(?:Medium|medium) '(.+?)'/.exec(text)?.[1] ?? record.image ?? record.dir;
    return imageLocked(medium, firstError(failure.stderr));
  }
  if (SESSION_LOCKED.test(text)) {
    return new G8bootError('E_VM_BUSY', `VirtualBox reports ${quote(record.name)} in use by another session: ${firstError(failure.stderr)}`, {
      hint: 'Close the VirtualBox window showing this VM (or wait for it to finish powering off) and try again.',
    });
  }
  if (DISK_FULL.test(text)) return outOfDisk(record.dir);
  return hypervisorFailed('virtualbox', what, failure.stderr || failure.stdout);
}
