/**
 * Boot an image in QEMU (TCG) the four ways a G8OS node boots it: as a CD or as a disk (the USB stick case),
 * on SeaBIOS or on OVMF. User-mode networking; the NIC's own option ROM is turned off (`romfile=`) so the only
 * iPXE that runs is the one in the image. The serial console goes to a log file the test can show on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Firmware = 'bios' | 'uefi';
export type Media = 'cd' | 'disk';

export const OVMF_CODE = ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_CODE.fd'].find(existsSync);
export const OVMF_VARS = ['/usr/share/OVMF/OVMF_VARS_4M.fd', '/usr/share/OVMF/OVMF_VARS.fd'].find(existsSync);

export interface QemuBoot {
  process: ChildProcess;
  serialLog: string;
  /** The serial console output so far. */
  serial(): string;
  /** Kill QEMU and remove its temporary files. */
  stop(): Promise<void>;
}

export interface QemuOptions {
  image: string;
  firmware: Firmware;
  media: Media;
  memoryMiB?: number;
  /** Extra -netdev user options, e.g. guestfwd. */
  extraArgs?: string[];
}

export function qemuAvailable(): boolean {
  return existsSync('/usr/bin/qemu-system-x86_64') || existsSync('/usr/local/bin/qemu-system-x86_64');
}

export function startQemu(options: QemuOptions): QemuBoot {
  const dir = mkdtempSync(join(tmpdir(), 'g8boot-qemu-'));
  const serialLog = join(dir, 'serial.log');
  const args = [
    '-machine', options.firmware === 'uefi' ? 'q35' : 'pc',
    '-accel', 'tcg',
    '-m', String(options.memoryMiB ?? 256),
    '-display', 'none',
    '-no-reboot',
    '-serial', `file:${serialLog}`,
    '-netdev', 'user,id=n0',
    '-device', 'virtio-net-pci,netdev=n0,romfile=',
  ];
  if (options.firmware === 'uefi') {
    if (!OVMF_CODE || !OVMF_VARS) throw new Error('OVMF firmware not found: install the "ovmf" package');
    const vars = join(dir, 'OVMF_VARS.fd');
    copyFileSync(OVMF_VARS, vars);
    args.push(
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    );
  }
  // snapshot=on: the guest never writes to the image under test.
  if (options.media === 'cd') {
    args.push('-drive', `if=none,id=boot,format=raw,media=cdrom,readonly=on,file=${options.image}`);
    args.push('-device', options.firmware === 'uefi' ? 'ide-cd,drive=boot,bus=ide.0,bootindex=0' : 'ide-cd,drive=boot,bootindex=0');
  } else {
    args.push('-drive', `if=none,id=boot,format=raw,snapshot=on,file=${options.image}`);
    args.push('-device', options.firmware === 'uefi' ? 'ide-hd,drive=boot,bus=ide.0,bootindex=0' : 'ide-hd,drive=boot,bootindex=0');
  }
  args.push(...(options.extraArgs ?? []));
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    serialLog,
    serial: () => {
      const out = existsSync(serialLog) ? readFileSync(serialLog, 'latin1') : '';
      return stderr ? `${out}\n[qemu stderr]\n${stderr}` : out;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
