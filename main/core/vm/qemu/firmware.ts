/**
 * UEFI firmware for QEMU: an OVMF code image (read-only, shared) and a variables template that each VM gets a
 * private copy of. Code and variables come in matching pairs (a 4 MiB code image needs 4 MiB variables).
 */
import { existsSync } from 'node:fs';
import { MissingDependencyError } from '../../../common/errors.ts';
import { pathModule } from '../find-binary.ts';
import type { Host } from '../host.ts';

export interface OvmfPair {
  code: string;
  vars: string;
}

const pair = (code: string, vars: string): OvmfPair => ({ code, vars });

/** Where OVMF is installed, per OS and distribution; G8BOOT_OVMF_CODE + G8BOOT_OVMF_VARS come first. */
export function ovmfCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): OvmfPair[] {
  const candidates: OvmfPair[] = [];
  if (env.G8BOOT_OVMF_CODE && env.G8BOOT_OVMF_VARS) candidates.push(pair(env.G8BOOT_OVMF_CODE, env.G8BOOT_OVMF_VARS));
  // QEMU's own build of edk2 names the x86-64 variables template "i386".
  const qemuShare = (dir: string) => pair(pathModule(platform).join(dir, 'edk2-x86_64-code.fd'), pathModule(platform).join(dir, 'edk2-i386-vars.fd'));
  if (platform === 'win32') {
    candidates.push(qemuShare(`${env.ProgramFiles ?? 'C:\\Program Files'}\\qemu\\share`));
  } else if (platform === 'darwin') {
    candidates.push(qemuShare('/opt/homebrew/share/qemu'), qemuShare('/usr/local/share/qemu'));
  } else {
    candidates.push(
      // Debian and Ubuntu (ovmf)
      pair('/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'),
      pair('/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'),
      // Fedora (edk2-ovmf)
      pair('/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'),
      // Arch (edk2-ovmf)
      pair('/usr/share/edk2/x64/OVMF_CODE.4m.fd', '/usr/share/edk2/x64/OVMF_VARS.4m.fd'),
      qemuShare('/usr/share/qemu'),
    );
  }
  return candidates;
}

export function findOvmf(host: Host): OvmfPair | null {
  return ovmfCandidates(host.platform, host.env).find((c) => existsSync(c.code) && existsSync(c.vars)) ?? null;
}

const OVMF_HINTS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'Install OVMF: `sudo apt install ovmf` (Debian/Ubuntu), `sudo dnf install edk2-ovmf` (Fedora) or `sudo pacman -S edk2-ovmf` (Arch).',
  darwin: "Homebrew's QEMU ships the firmware in $(brew --prefix)/share/qemu; reinstall it with `brew reinstall qemu`.",
  win32: "QEMU's Windows installer puts it in C:\\Program Files\\qemu\\share; reinstall QEMU.",
};

export function ovmfMissing(host: Host): MissingDependencyError {
  return new MissingDependencyError('E_VM_UEFI_FIRMWARE_MISSING', 'No UEFI firmware (OVMF) for QEMU was found.', {
    hint: `${OVMF_HINTS[host.platform] ?? 'Install OVMF (edk2) for x86-64.'} Or set G8BOOT_OVMF_CODE and G8BOOT_OVMF_VARS, or use --firmware bios.`,
  });
}
