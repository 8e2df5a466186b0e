/**
 * The QEMU command line for a VM: the arguments the boot tests proved (machine, OVMF pflash pair, CD or disk
 * with bootindex=0, virtio-net with its own option ROM off so only the image's iPXE runs), plus what a
 * long-running VM needs (serial log, QMP socket, pid file, daemonize).
 */
import type { QemuAccel, VmRecord } from '../types.ts';

/** QEMU's option syntax splits on commas; a literal comma in a value is written twice. */
export function qemuOptionValue(value: string): string {
  return value.replaceAll(',', ',,');
}

export interface QemuLaunch {
  accel: QemuAccel;
  /** OVMF code image (UEFI only). */
  firmwareCode: string | null;
  varsFile: string | null;
  /** The QMP socket g8boot watches the guest's run state through (qmp.ts); null for none. */
  qmpSocket: string | null;
  /** Fork into the background and return once the VM runs (not available on Windows). */
  daemonize: boolean;
  /**
   * SeaBIOS only: the 2-byte file (0x3f8, little-endian) given as fw_cfg `etc/sercon-port`, which makes SeaBIOS
   * mirror the text screen - isolinux and iPXE included - to COM1, so the serial log shows the boot from the
   * first byte (FIELD-NOTES §6). OVMF mirrors its console to the serial port by itself. null: none.
   */
  serconPortFile?: string | null | undefined;
}

/** The contents of the sercon-port file: COM1's I/O port 0x3f8, little-endian. */
export const SERCON_PORT_COM1 = Buffer.from([0xf8, 0x03]);

function netdev(record: VmRecord): string {
  switch (record.network.kind) {
    case 'nat':
      return 'user,id=n0';
    case 'bridged':
      return `bridge,id=n0,br=${qemuOptionValue(record.network.device)}`;
    case 'tap':
      return `tap,id=n0,ifname=${qemuOptionValue(record.network.device)},script=no,downscript=no`;
  }
}

function accelArgs(accel: QemuAccel): string[] {
  switch (accel) {
    case 'kvm':
    case 'hvf':
      return ['-accel', accel, '-cpu', 'host'];
    case 'whpx':
      return ['-accel', 'whpx', '-accel', 'tcg'];
    case 'tcg':
      return ['-accel', 'tcg'];
  }
}

export function qemuArgs(record: VmRecord, launch: QemuLaunch): string[] {
  const uefi = record.firmware === 'uefi';
  // On q35 the first AHCI port is "ide.0"; the i440FX machine finds its IDE bus by itself.
  const bus = uefi ? ',bus=ide.0' : '';
  const args = [
    '-name', record.name,
    '-machine', uefi ? 'q35' : 'pc',
    ...accelArgs(launch.accel),
    '-smp', String(record.cpus),
    '-m', String(record.memoryMiB),
    '-display', 'none',
    '-monitor', 'none',
    ...(launch.qmpSocket ? ['-qmp', `unix:${qemuOptionValue(launch.qmpSocket)},server=on,wait=off`] : []),
    '-serial', `file:${record.serialLog}`,
    ...(!uefi && launch.serconPortFile ? ['-fw_cfg', `name=etc/sercon-port,file=${qemuOptionValue(launch.serconPortFile)}`] : []),
    '-netdev', netdev(record),
    '-device', 'virtio-net-pci,netdev=n0,romfile=',
  ];
  if (uefi) {
    if (!launch.firmwareCode || !launch.varsFile) throw new Error('qemuArgs: UEFI needs the OVMF code and variables files');
    args.push(
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${qemuOptionValue(launch.firmwareCode)}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${qemuOptionValue(launch.varsFile)}`,
    );
  }
  if (record.image) {
    const file = qemuOptionValue(record.image);
    if (record.media === 'cd') {
      args.push('-drive', `if=none,id=boot,format=raw,media=cdrom,readonly=on,file=${file}`, '-device', `ide-cd,drive=boot,bootindex=0${bus}`);
    } else {
      args.push('-drive', `if=none,id=boot,format=raw,file=${file}`, '-device', `ide-hd,drive=boot,bootindex=0${bus}`);
    }
  }
  if (record.dataDisk) {
    args.push('-drive', `if=none,id=data,format=raw,file=${qemuOptionValue(record.dataDisk)}`, '-device', 'virtio-blk-pci,drive=data');
  }
  args.push('-pidfile', record.pidFile);
  if (launch.daemonize) args.push('-daemonize');
  return args;
}
