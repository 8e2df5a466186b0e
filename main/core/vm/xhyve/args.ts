/** The xhyve command line (FIELD-NOTES §6), for the kexec and the UEFI boot. */
import type { VmRecord } from '../types.ts';
import { xhyveKernelCommandLine } from './boot-files.ts';

export interface XhyveBoot {
  uuid: string;
  /** kexec: the G8OS kernel. */
  kernel: string | null;
  /** UEFI: BHYVE_UEFI.fd. */
  uefiFirmware: string | null;
}

export function xhyveArgs(record: VmRecord, boot: XhyveBoot): string[] {
  const args = [
    '-A',
    '-c', String(record.cpus),
    '-m', `${record.memoryMiB}M`,
    '-s', '0:0,hostbridge',
    '-s', '31,lpc',
    // COM1 on stdio, with stdout sent to the serial log: every xhyve release has "stdio"; "log=" only some.
    '-l', 'com1,stdio',
    // virtio-net is vmnet in shared (NAT) mode.
    '-s', '2:0,virtio-net',
  ];
  if (record.image) args.push('-s', `3,${record.media === 'cd' ? 'ahci-cd' : 'ahci-hd'},${record.image}`);
  if (record.dataDisk) args.push('-s', `4,virtio-blk,${record.dataDisk}`);
  args.push('-U', boot.uuid, '-F', record.pidFile);
  if (boot.uefiFirmware) {
    args.push('-l', `bootrom,${boot.uefiFirmware}`);
  } else {
    if (!boot.kernel) throw new Error('xhyveArgs: the kexec boot needs a kernel');
    // No initrd: the G8OS kernel carries its own initramfs.
    args.push('-f', `kexec,${boot.kernel},,${xhyveKernelCommandLine(record.netid)}`);
  }
  return args;
}
