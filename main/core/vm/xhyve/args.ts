/** The xhyve command line (FIELD-NOTES §6), for the kexec and the UEFI boot. */
import type { VmRecord } from '../types.ts';
import { xhyveKernelCommandLine } from './boot-files.ts';

export interface XhyveBoot {
  uuid: string;
  /** kexec: the G8OS kernel. */
  kernel: string | null;
  /** UEFI: BHYVE_UEFI.fd. */
  uefiFirmware: string | null;
  /** Where xhyve writes its pid (-F); null for builds without -F (Homebrew's v0.2.0), where g8boot writes it. */
  pidFile: string | null;
}

/**
 * xhyve's options are comma-separated (`-s 3,ahci-cd,<path>`, `-f kexec,<kernel>,<initrd>,<cmdline>`) with no
 * escape, so a path holding a comma would be cut there. The paths g8boot would put in such an option.
 */
export function commaSeparatedPaths(record: VmRecord, boot: Pick<XhyveBoot, 'kernel' | 'uefiFirmware'>): string[] {
  return [record.image, record.dataDisk, boot.kernel, boot.uefiFirmware].filter((p): p is string => p !== null);
}

export function xhyveArgs(record: VmRecord, boot: XhyveBoot): string[] {
  const args = [
    '-A',
    '-c', String(record.cpus),
    '-m', `${record.memoryMiB}M`,
    '-s', '0:0,hostbridge',
    '-s', '31,lpc',
    // COM1 on stdio: every xhyve release has "stdio" ("log=" only some). It writes to fd 0, which g8boot opens
    // on the serial log for writing (spawn-detached.ts consoleOnStdin).
    '-l', 'com1,stdio',
    // virtio-net is vmnet in shared (NAT) mode.
    '-s', '2:0,virtio-net',
  ];
  if (record.image) args.push('-s', `3,${record.media === 'cd' ? 'ahci-cd' : 'ahci-hd'},${record.image}`);
  if (record.dataDisk) args.push('-s', `4,virtio-blk,${record.dataDisk}`);
  args.push('-U', boot.uuid, ...(boot.pidFile ? ['-F', boot.pidFile] : []));
  if (boot.uefiFirmware) {
    args.push('-l', `bootrom,${boot.uefiFirmware}`);
  } else {
    if (!boot.kernel) throw new Error('xhyveArgs: the kexec boot needs a kernel');
    // No initrd: the G8OS kernel carries its own initramfs.
    args.push('-f', `kexec,${boot.kernel},,${xhyveKernelCommandLine(record.netid)}`);
  }
  return args;
}
