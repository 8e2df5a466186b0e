/**
 * The failures a person can meet when booting a test VM, each in words with what to do about it. Drivers
 * map their hypervisor's own error texts onto these.
 */
import { G8bootError, InvalidInputError, MissingDependencyError } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';
import type { Hypervisor } from './types.ts';

export const HYPERVISOR_NAMES: Record<Hypervisor, string> = { qemu: 'QEMU', virtualbox: 'VirtualBox', xhyve: 'xhyve' };

const INSTALL_HINTS: Record<Hypervisor, Partial<Record<NodeJS.Platform, string>> & { other: string }> = {
  qemu: {
    linux: 'Install QEMU: `sudo apt install qemu-system-x86` (Debian/Ubuntu), `sudo dnf install qemu-system-x86` (Fedora) or `sudo pacman -S qemu-full` (Arch).',
    darwin: 'Install QEMU with Homebrew: `brew install qemu`.',
    win32: 'Install QEMU: `winget install SoftwareFreedomConservancy.QEMU`, or the installer from qemu.org (it goes to C:\\Program Files\\qemu).',
    other: 'Install QEMU (qemu-system-x86_64) from your system\'s packages and make sure it is on PATH.',
  },
  virtualbox: {
    linux: 'Install VirtualBox from virtualbox.org or your distribution (`sudo apt install virtualbox`), then make sure VBoxManage is on PATH.',
    darwin: 'Install VirtualBox: `brew install --cask virtualbox` (Intel Macs), or the package from virtualbox.org.',
    win32: 'Install VirtualBox: `winget install Oracle.VirtualBox`, or the installer from virtualbox.org. g8boot also looks in VBOX_MSI_INSTALL_PATH and C:\\Program Files\\Oracle\\VirtualBox.',
    other: 'Install VirtualBox from virtualbox.org and make sure VBoxManage is on PATH.',
  },
  xhyve: {
    darwin:
      'Build xhyve from github.com/machyve/xhyve (`git clone https://github.com/machyve/xhyve && cd xhyve && make`, then put build/xhyve on PATH): ' +
      "master has UEFI (-l bootrom) and -F. Homebrew's formula (`brew install xhyve`, v0.2.0, disabled since 2023) boots only by kexec. Intel Macs only.",
    other: 'xhyve runs only on Intel Macs. Use QEMU instead: `g8boot vm up --hypervisor qemu ...`.',
  },
};

export function installHint(hypervisor: Hypervisor, platform: NodeJS.Platform): string {
  const hints = INSTALL_HINTS[hypervisor];
  return hints[platform] ?? hints.other;
}

export function binaryMissing(hypervisor: Hypervisor, binary: string, platform: NodeJS.Platform): MissingDependencyError {
  return new MissingDependencyError('E_VM_HYPERVISOR_MISSING', `${HYPERVISOR_NAMES[hypervisor]} is not installed: ${binary} was not found.`, {
    hint: installHint(hypervisor, platform),
  });
}

export function accelerationUnavailable(hypervisor: Hypervisor, reason: string, hint: string): MissingDependencyError {
  return new MissingDependencyError('E_VM_NO_ACCELERATION', `${HYPERVISOR_NAMES[hypervisor]} cannot use hardware virtualization: ${reason}.`, { hint });
}

export function nameTaken(name: string, where: string): InvalidInputError {
  return new InvalidInputError('E_VM_NAME_TAKEN', `A VM named ${quote(name)} already exists (${where}).`, {
    hint: 'Choose another name with --name, or remove the old VM with `g8boot vm rm <name>`.',
  });
}

export function imageLocked(path: string, detail: string): G8bootError {
  return new G8bootError('E_VM_IMAGE_LOCKED', `The disk image ${quote(path, 200)} is locked by another VM or process (${detail}).`, {
    hint: 'Stop the VM or program using it (see `g8boot vm ls`), then try again.',
  });
}

export function outOfDisk(path: string): G8bootError {
  return new G8bootError('E_VM_NO_SPACE', `Out of disk space while writing ${quote(path, 200)}.`, {
    hint: 'Free some space (or remove old VMs with `g8boot vm rm <name>`) and try again.',
  });
}

export function vmNotFound(name: string): InvalidInputError {
  return new InvalidInputError('E_VM_NOT_FOUND', `There is no g8boot VM named ${quote(name)}.`, { hint: 'See `g8boot vm ls` for the VMs g8boot knows.' });
}

/** A hypervisor command failed for a reason none of the above explains: show its own words. */
export function hypervisorFailed(hypervisor: Hypervisor, what: string, output: string): G8bootError {
  const text = output.trim().split('\n').slice(-6).join('\n').trim();
  return new G8bootError('E_VM_HYPERVISOR_FAILED', `${HYPERVISOR_NAMES[hypervisor]} failed to ${what}${text ? `:\n${text}` : '.'}`);
}

/** ENOSPC while g8boot itself writes a file (image, record, disk) becomes the out-of-disk error. */
export function rethrowIfNoSpace(error: unknown, path: string): never {
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw outOfDisk(path);
  throw error;
}
