/**
 * What xhyve boots. Its kexec loader cannot start ipxe.lkrn (boot protocol 2.07, needs a BIOS it does not
 * have), so by default it boots the G8OS kernel itself from g8boot's kernel cache with `zerotier=<id>` on the
 * command line. With UEFI firmware for bhyve (BHYVE_UEFI.fd) it can boot g8boot's image instead.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, MissingDependencyError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';
import type { Host } from '../host.ts';

export const DEFAULT_KERNEL_FILE = 'g8os-kernel';
/** xhyve's kexec refuses kernels older than this Linux boot protocol (2.10). */
export const MIN_BOOT_PROTOCOL = 0x020a;

export function kernelCacheDir(host: Host): string {
  return join(host.dirs.data, 'kernels');
}

/** The Linux boot protocol version of a bzImage, or null when the file is not one ("HdrS" at 0x202). */
export async function bootProtocolVersion(path: string): Promise<number | null> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(0x208);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    if (bytesRead < header.length || header.toString('latin1', 0x202, 0x206) !== 'HdrS') return null;
    return header.readUInt16LE(0x206);
  } finally {
    await handle.close();
  }
}

/** The kernel to kexec: `--kernel <file>` or the cache's g8os-kernel, checked to be a bzImage xhyve can start. */
export async function resolveKernel(host: Host, requested: string | undefined): Promise<string> {
  const path = requested ?? join(kernelCacheDir(host), DEFAULT_KERNEL_FILE);
  if (!existsSync(path)) {
    throw new MissingDependencyError('E_VM_KERNEL_MISSING', `No G8OS kernel at ${quote(path, 200)}: xhyve boots the kernel directly (it cannot run iPXE).`, {
      hint: 'Add one to the kernel cache with `g8boot kernel add <file>`, or pass --kernel <file>. Or use --firmware uefi with BHYVE_UEFI.fd to boot the image.',
    });
  }
  const version = await bootProtocolVersion(path);
  const show = (v: number) => `${v >> 8}.${(v & 0xff).toString().padStart(2, '0')}`;
  if (version === null) {
    throw new InvalidInputError('E_VM_KERNEL_INVALID', `${quote(path, 200)} is not a Linux kernel image (bzImage).`, { hint: 'Give the G8OS kernel (a bzImage) with --kernel.' });
  }
  if (version < MIN_BOOT_PROTOCOL) {
    throw new InvalidInputError('E_VM_KERNEL_INVALID', `${quote(path, 200)} uses Linux boot protocol ${show(version)}; xhyve needs ${show(MIN_BOOT_PROTOCOL)} or newer.`, {
      hint: 'ipxe.lkrn and kernels older than Linux 3.x cannot be started by xhyve; give the G8OS kernel itself.',
    });
  }
  return path;
}

/** Where BHYVE_UEFI.fd may be: G8BOOT_XHYVE_UEFI, g8boot's own data directory, the usual Homebrew prefixes. */
export function xhyveUefiCandidates(host: Host): string[] {
  return [
    host.env.G8BOOT_XHYVE_UEFI,
    join(host.dirs.data, 'firmware', 'BHYVE_UEFI.fd'),
    '/usr/local/share/xhyve/BHYVE_UEFI.fd',
    '/usr/local/opt/xhyve/share/xhyve/BHYVE_UEFI.fd',
    '/opt/homebrew/share/xhyve/BHYVE_UEFI.fd',
    join(homedir(), '.xhyve', 'BHYVE_UEFI.fd'),
  ].filter((p): p is string => !!p);
}

export function findXhyveUefi(host: Host): string {
  const found = xhyveUefiCandidates(host).find((p) => existsSync(p));
  if (!found) {
    throw new MissingDependencyError('E_VM_UEFI_FIRMWARE_MISSING', 'No UEFI firmware for xhyve (BHYVE_UEFI.fd) was found.', {
      hint:
        "xhyve's Homebrew formula does not include it: get BHYVE_UEFI.fd (bhyve's edk2 build, e.g. from FreeBSD's uefi-edk2-bhyve package) " +
        'and set G8BOOT_XHYVE_UEFI=/path/to/BHYVE_UEFI.fd. Or use --firmware bios, which boots the G8OS kernel directly.',
    });
  }
  return found;
}

/** The kernel command line for kexec: what iPXE would have passed. */
export function xhyveKernelCommandLine(netid: string | null): string {
  return [...(netid ? [`zerotier=${netid}`] : []), 'console=ttyS0'].join(' ');
}
