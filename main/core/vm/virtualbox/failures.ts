/**
 * VirtualBox's failures mapped onto the ones people can act on. Decisions rest on what VirtualBox does not
 * translate (VirtualBox 7 translates messages by its own language setting, whatever the locale): the result
 * code of its "Details: code VBOX_E_… (0x…)" line, the interface named there, and VERR_* status codes. The
 * message itself is only shown.
 */
import { G8bootError, MissingDependencyError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';
import { accelerationUnavailable, hypervisorFailed, imageLocked, nameTaken, outOfDisk } from '../errors.ts';
import type { VmRecord } from '../types.ts';
import { machineLocked, vboxResultCode, type VBoxManageFailure } from './vboxmanage.ts';

export const NOT_FOUND = /\bVBOX_E_OBJECT_NOT_FOUND\b/;
/** createvm refusing a settings file that exists (the only VBOX_E_FILE_ERROR createvm gives without a VERR_ code). */
const SETTINGS_EXIST = (text: string, code: string | null) => code === 'VBOX_E_FILE_ERROR' && /\bIMachine\b/.test(text) && !/VERR_/.test(text);
const MEDIUM_LOCKED = (text: string, code: string | null) => code === 'VBOX_E_OBJECT_IN_USE' || (code === 'VBOX_E_INVALID_OBJECT_STATE' && /\bIMedium\b/.test(text));
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
  if (/VERR_INTNET_FLT_IF_NOT_FOUND/.test(text)) {
    const adapter = record.network.kind === 'bridged' ? record.network.device : '(none)';
    return new G8bootError('E_VM_NETWORK_UNSUPPORTED', `VirtualBox has no host interface ${quote(adapter)} to bridge to.`, {
      hint: 'Use one of the names `VBoxManage list bridgedifs` prints, exactly (e.g. --network "bridged:en0: Wi-Fi (AirPort)").',
    });
  }
  if (NO_VTX.test(text)) {
    return accelerationUnavailable(
      'virtualbox',
      firstError(failure.stderr) || 'VT-x/AMD-V is not available',
      'Turn on VT-x/AMD-V in the BIOS/UEFI setup. If another hypervisor holds it (KVM on Linux, Hyper-V on Windows), stop it or use QEMU instead.',
    );
  }
  const code = vboxResultCode(failure.stderr);
  if (SETTINGS_EXIST(text, code)) return nameTaken(record.name, 'VirtualBox already has a machine settings file for it');
  if (MEDIUM_LOCKED(text, code)) {
    const medium = /(?:Medium|medium) '(.+?)'/.exec(text)?.[1] ?? record.image ?? record.dir;
    return imageLocked(medium, firstError(failure.stderr));
  }
  if (machineLocked(failure.stderr)) {
    return new G8bootError('E_VM_BUSY', `VirtualBox reports ${quote(record.name)} in use by another session: ${firstError(failure.stderr)}`, {
      hint: 'Close the VirtualBox window showing this VM (or wait for it to finish powering off) and try again.',
    });
  }
  if (DISK_FULL.test(text)) return outOfDisk(record.dir);
  return hypervisorFailed('virtualbox', what, failure.stderr || failure.stdout);
}
