/**
 * Which drives are offered, from recorded listings (never this machine's own disks): only sticks and SD cards;
 * system, internal, NVMe, read-only, empty and virtual disks hidden with the reason. And the per-OS command
 * lines of writing (unmount, write order, eject, elevation), which only Linux runs here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDrives, refuseUnlessWritable, type DriveHost } from '../../main/core/burn/drives.ts';
import { parsePlist } from '../../main/core/burn/plist.ts';
import { ejectCommand, unmountCommands, writeOrder, writePath } from '../../main/core/burn/writer.ts';
import { elevatedCommand, pkexecFailure } from '../../main/core/burn/elevate.ts';
import { InvalidInputError } from '../../main/common/errors.ts';
import type { DriveView } from '../../main/common/burn.ts';
import type { CommandResult } from '../../main/core/vm/exec.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'drives');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** A host whose tools answer from recorded files; records each command. */
function replay(platform: NodeJS.Platform, answers: (file: string, args: readonly string[]) => string): DriveHost & { calls: string[] } {
  const calls: string[] = [];
  return {
    platform,
    calls,
    run: async (file, args): Promise<CommandResult> => {
      calls.push([file, ...args].join(' '));
      return { code: 0, stdout: answers(file, args), stderr: '' };
    },
  };
}

const offered = (drives: DriveView[]) => drives.filter((d) => d.offered).map((d) => d.device);
const reasons = (drives: DriveView[]) => Object.fromEntries(drives.filter((d) => !d.offered).map((d) => [d.device, d.hiddenBecause]));

describe('Linux (lsblk --json)', () => {
  it('offers only the sticks and SD cards of a laptop, and says why each other disk is hidden', async () => {
    const host = replay('linux', () => fixture('linux-laptop.json'));
    const drives = await listDrives(host);
    expect(host.calls).toEqual(['lsblk --bytes --all --json --paths --output-all']);
    expect(offered(drives)).toEqual(['/dev/sda', '/dev/sdb', '/dev/sde', '/dev/mmcblk0']);
    // Loop (a snap), the DVD drive and zram are not drives at all.
    expect(drives.map((d) => d.device)).not.toContain('/dev/loop0');
    expect(drives.map((d) => d.device)).not.toContain('/dev/sr0');
    expect(drives.map((d) => d.device)).not.toContain('/dev/zram0');
    const why = reasons(drives);
    expect(why['/dev/nvme0n1']).toMatch(/^system disk: .*\/boot/);
    expect(why['/dev/nvme1n1']).toBe('internal NVMe disk');
    expect(why['/dev/sdf']).toMatch(/^system disk: .*\/home/);
    expect(why['/dev/sdg']).toMatch(/^internal disk/);
    expect(why['/dev/sdd']).toMatch(/^read-only/);
    expect(why['/dev/sdc']).toMatch(/^no medium/);
    const stick = drives.find((d) => d.device === '/dev/sda')!;
    expect(stick).toMatchObject({ description: 'SanDisk Ultra', sizeBytes: 32015679488, bus: 'usb', mountpoints: ['/media/dev/STICK'], warnings: [] });
    expect(drives.find((d) => d.device === '/dev/mmcblk0')).toMatchObject({ bus: 'sd' });
    // A 2 TB USB disk is offered, with Etcher's warning.
    expect(drives.find((d) => d.device === '/dev/sde')!.warnings).toEqual(['larger than 128 GB: check it is not a backup disk']);
  });

  it('hides the stick a live system runs from', async () => {
    const drives = await listDrives(replay('linux', () => fixture('linux-live-usb.json')));
    expect(offered(drives)).toEqual(['/dev/sdc']);
    expect(reasons(drives)['/dev/sdb']).toMatch(/system \(\/ is mounted from it\)/);
  });

  it('offers nothing on our build machine (a virtio disk holding /)', async () => {
    const drives = await listDrives(replay('linux', () => fixture('linux-build-machine.json')));
    expect(offered(drives)).toEqual([]);
    expect(reasons(drives)['/dev/vda']).toMatch(/^system disk/);
  });

  it('reads old util-linux output (booleans as "0"/"1", sizes as strings)', async () => {
    const old = JSON.stringify({ blockdevices: [{ name: 'sdb', type: 'disk', rm: '1', hotplug: '1', ro: '0', tran: 'usb', size: '4004511744', model: 'Cruzer', mountpoint: null }] });
    const drives = await listDrives(replay('linux', () => old));
    expect(drives).toMatchObject([{ device: '/dev/sdb', offered: true, sizeBytes: 4004511744, removable: true, readOnly: false }]);
  });
});

describe('macOS (diskutil -plist)', () => {
  it('offers the USB stick, the SD card and the USB disk; hides the internal SSD, the locked stick; drops APFS containers and disk images', async () => {
    const host = replay('darwin', (_file, args) => (args[0] === 'list' ? fixture('macos-list.plist') : fixture(`macos-info-${args[2]}.plist`)));
    const drives = await listDrives(host);
    expect(host.calls[0]).toBe('diskutil list -plist');
    expect(host.calls).toContain('diskutil info -plist disk4');
    expect(offered(drives)).toEqual(['/dev/disk4', '/dev/disk5', '/dev/disk8']);
    expect(drives.map((d) => d.device)).not.toContain('/dev/disk1');
    expect(drives.map((d) => d.device)).not.toContain('/dev/disk7');
    expect(reasons(drives)).toEqual({ '/dev/disk0': 'internal disk (Apple Fabric)', '/dev/disk6': 'read-only (a write-protect switch, or read-only media)' });
    expect(drives.find((d) => d.device === '/dev/disk4')).toMatchObject({ description: 'SanDisk Ultra', bus: 'usb', mountpoints: ['/Volumes/STICK'] });
    expect(drives.find((d) => d.device === '/dev/disk5')).toMatchObject({ bus: 'sd', description: 'Built In SDXC Reader' });
    expect(writePath(drives.find((d) => d.device === '/dev/disk4')!, 'darwin')).toBe('/dev/rdisk4');
  });

  it('reads plist values, entities and empty elements', () => {
    expect(parsePlist('<plist version="1.0"><dict><key>A &amp; B</key><string>x &lt;y&gt;</string><key>n</key><integer>-3</integer><key>e</key><string/><key>t</key><true/><key>l</key><array/></dict></plist>')).toEqual({
      'A & B': 'x <y>',
      n: -3,
      e: '',
      t: true,
      l: [],
    });
  });
});

describe('Windows (Get-Disk | ConvertTo-Json)', () => {
  it('offers the USB stick, the USB card reader and the SD card; hides the NVMe system disk, the SATA disk, the read-only stick and the VHD', async () => {
    const host = replay('win32', () => fixture('windows-get-disk.json'));
    const drives = await listDrives(host);
    expect(host.calls[0]).toMatch(/^powershell\.exe -NoProfile -NonInteractive -Command Get-Disk/);
    expect(offered(drives)).toEqual(['\\\\.\\PHYSICALDRIVE2', '\\\\.\\PHYSICALDRIVE3', '\\\\.\\PHYSICALDRIVE4']);
    expect(reasons(drives)).toEqual({
      '\\\\.\\PHYSICALDRIVE0': 'system disk: Windows boots from it',
      '\\\\.\\PHYSICALDRIVE1': 'internal disk (SATA)',
      '\\\\.\\PHYSICALDRIVE5': 'read-only (a write-protect switch, or read-only media)',
      '\\\\.\\PHYSICALDRIVE6': 'a virtual disk',
    });
  });

  it('reads a single disk printed as an object', async () => {
    const drives = await listDrives(replay('win32', () => fixture('windows-get-disk-single.json')));
    expect(drives).toMatchObject([{ device: '\\\\.\\PHYSICALDRIVE2', description: 'SanDisk Ultra', offered: true }]);
  });
});

describe('refusing a drive', () => {
  const stick: DriveView = { device: '/dev/sdb', description: 'SanDisk Ultra', sizeBytes: 2_000_000, bus: 'usb', removable: true, readOnly: false, mountpoints: [], offered: true, hiddenBecause: null, warnings: [] };
  it('refuses hidden and too-small drives with exit 2 and the reason', () => {
    expect(() => refuseUnlessWritable({ ...stick, offered: false, hiddenBecause: 'internal NVMe disk' }, 1000)).toThrow(/Refusing to write SanDisk Ultra, 2.0 MB \(\/dev\/sdb\): internal NVMe disk/);
    let error: unknown;
    try {
      refuseUnlessWritable(stick, 3_000_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/too small for the image \(3.0 MB\)/);
  });
});

describe('per-OS write commands (macOS and Windows: built and checked here, not run)', () => {
  const stick: DriveView = { device: '/dev/disk4', description: 'SanDisk Ultra', sizeBytes: 32e9, bus: 'usb', removable: true, readOnly: false, mountpoints: ['/Volumes/STICK'], offered: true, hiddenBecause: null, warnings: [] };
  it('unmounts every volume first', () => {
    expect(unmountCommands(stick, 'darwin')).toEqual([['diskutil', ['unmountDisk', '/dev/disk4']]]);
    expect(unmountCommands({ ...stick, device: '/dev/sdb', mountpoints: ['/media/a', '/media/b'] }, 'linux')).toEqual([['umount', ['/media/a']], ['umount', ['/media/b']]]);
    const [[file, args]] = unmountCommands({ ...stick, device: '\\\\.\\PHYSICALDRIVE2' }, 'win32') as [[string, string[]]];
    expect(file).toBe('powershell.exe');
    expect(args.at(-1)).toBe('Clear-Disk -Number 2 -RemoveData -RemoveOEM -Confirm:$false -ErrorAction SilentlyContinue');
  });
  it('writes the first 64 KiB last on Windows only', () => {
    const mib = 1 << 20;
    expect(writeOrder(3 * mib, mib, 'linux').map((r) => r.start)).toEqual([0, mib, 2 * mib]);
    const win = writeOrder(3 * mib, mib, 'win32');
    expect(win.at(-1)).toEqual({ start: 0, end: 65536 });
    expect(win[0]).toEqual({ start: 65536, end: 65536 + mib });
    expect(win.reduce((n, r) => n + r.end - r.start, 0)).toBe(3 * mib);
  });
  it('ejects with diskutil, udisksctl or eject; never a loop device', () => {
    expect(ejectCommand(stick, 'darwin', false)).toEqual(['diskutil', ['eject', '/dev/disk4']]);
    expect(ejectCommand({ ...stick, device: '/dev/sdb' }, 'linux', true)).toEqual(['udisksctl', ['power-off', '--no-user-interaction', '-b', '/dev/sdb']]);
    expect(ejectCommand({ ...stick, device: '/dev/sdb' }, 'linux', false)).toEqual(['eject', ['/dev/sdb']]);
    expect(ejectCommand({ ...stick, device: '/dev/loop3', bus: 'loop' }, 'linux', true)).toBeNull();
  });
  it('starts the writer through pkexec, osascript or UAC', () => {
    const program = { execPath: '/opt/g8boot/node', script: "/opt/g8boot/it's/cli.mjs" };
    const request = { device: '/dev/sdb', imagePath: '/tmp/g8boot-burn-x/g8os.img', sha256: 'ab'.repeat(32), eject: true };
    expect(elevatedCommand('linux', program, request)).toEqual({
      file: 'pkexec',
      args: ['/opt/g8boot/node', "/opt/g8boot/it's/cli.mjs", 'burn', '--writer', '--device', '/dev/sdb', '--image', '/tmp/g8boot-burn-x/g8os.img', '--sha256', 'ab'.repeat(32)],
    });
    expect(elevatedCommand('linux', { ...program, env: { ELECTRON_RUN_AS_NODE: '1' } }, { ...request, eject: false }).args.slice(0, 3)).toEqual(['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', '/opt/g8boot/node']);
    const mac = elevatedCommand('darwin', program, request);
    expect(mac.file).toBe('/usr/bin/osascript');
    expect(mac.args[1]).toMatch(/^do shell script ".*'\/opt\/g8boot\/it'\\\\''s\/cli\.mjs' 'burn' '--writer'.* with administrator privileges$/);
    const win = elevatedCommand('win32', { execPath: 'C:\\Program Files\\g8boot\\g8boot.exe', script: 'C:\\app\\cli.mjs', env: { ELECTRON_RUN_AS_NODE: '1' } }, { ...request, device: '\\\\.\\PHYSICALDRIVE2' });
    expect(win.args.at(-1)).toMatch(/^\$env:ELECTRON_RUN_AS_NODE='1'; Start-Process -FilePath 'C:\\Program Files\\g8boot\\g8boot.exe' -ArgumentList 'C:\\app\\cli.mjs','burn','--writer','--device','\\\\.\\PHYSICALDRIVE2',.*'--progress-file','\/tmp\/g8boot-burn-x\/g8os.img.progress' -Verb RunAs -Wait/);
  });
  it('turns pkexec failures into messages that say what to do', () => {
    expect(pkexecFailure(127, 'Error executing command as another user: No authentication agent found.\n')?.message).toMatch(/no polkit authentication agent is running/);
    expect(pkexecFailure(126, 'Error executing command as another user: Request dismissed\n')?.code).toBe('E_ELEVATION_REFUSED');
    expect(pkexecFailure(1, '')).toBeNull();
  });
});
