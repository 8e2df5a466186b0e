/**
 * Listing drives and checking the one a person names, on each OS, through the OS's own tools (no native
 * module): lsblk on Linux, diskutil on macOS, PowerShell's Get-Disk on Windows. The commands run through an
 * injectable runner so the per-OS code paths are tested with recorded outputs.
 */
import { realpath, stat } from 'node:fs/promises';
import { G8bootError, InvalidInputError, MissingDependencyError } from '../../common/errors.ts';
import { driveLabel, formatDriveSize, type DriveView } from '../../common/burn.ts';
import { quote } from '../../common/validate.ts';
import { runCommand, type CommandRunner } from '../vm/exec.ts';
import { classifyLsblkDisk, drivesFromLsblk, isPseudoDevice, LSBLK_ARGS, parseLsblk, type LsblkDevice } from './linux-drives.ts';
import { classifyDiskutilInfo, parseDiskutilList } from './macos-drives.ts';
import { classifyGetDisk, GET_DISK_COMMAND, parseGetDisk } from './windows-drives.ts';

export interface DriveHost {
  platform: NodeJS.Platform;
  run: CommandRunner;
}

export const thisHost = (): DriveHost => ({ platform: process.platform, run: runCommand });

async function runTool(host: DriveHost, file: string, args: readonly string[], what: string): Promise<string> {
  let result;
  try {
    result = await host.run(file, args, { timeoutMs: 30_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MissingDependencyError('E_DRIVE_TOOL_MISSING', `Cannot list drives: ${file} is not installed.`, {
        hint: host.platform === 'linux' ? 'Install util-linux (it provides lsblk).' : `${file} is part of the OS; check PATH.`,
        cause: error,
      });
    }
    throw error;
  }
  if (result.code !== 0) {
    throw new G8bootError('E_DRIVE_LIST_FAILED', `Cannot ${what}: ${file} exited with ${result.code ?? 'a signal'}: ${result.stderr.trim().slice(0, 300)}`);
  }
  return result.stdout;
}

/** Every whole disk, offered or hidden with the reason (loop, CD and RAM devices are not listed at all). */
export async function listDrives(host: DriveHost = thisHost()): Promise<DriveView[]> {
  switch (host.platform) {
    case 'linux':
      return drivesFromLsblk(parseLsblk(await runTool(host, 'lsblk', LSBLK_ARGS, 'list drives')));
    case 'darwin': {
      const list = parseDiskutilList(await runTool(host, 'diskutil', ['list', '-plist'], 'list drives'));
      const drives: DriveView[] = [];
      for (const disk of list.wholeDisks) {
        const info = await runTool(host, 'diskutil', ['info', '-plist', disk], `read ${disk}`);
        const drive = classifyDiskutilInfo(info, list.mountpoints.get(disk) ?? []);
        if (drive) drives.push(drive);
      }
      return drives;
    }
    case 'win32':
      return parseGetDisk(
        await runTool(host, 'powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', GET_DISK_COMMAND], 'list drives'),
      ).map(classifyGetDisk);
    default:
      throw new G8bootError('E_DRIVE_UNSUPPORTED_OS', `Writing sticks is not supported on ${host.platform}.`);
  }
}

/** Refuse a drive that may not be written (exit 2, nothing changed), with the reason and what to do. */
export function refuseUnlessWritable(drive: DriveView, imageBytes: number): void {
  if (!drive.offered) {
    throw new InvalidInputError('E_DRIVE_REFUSED', `Refusing to write ${driveLabel(drive)}: ${drive.hiddenBecause}.`, {
      // A read-only stick is usually the right stick with its write-protect switch on: say so first.
      hint: drive.readOnly
        ? 'Slide its write-protect switch (on the stick or the SD card) to unlocked, plug it in again and retry; or use another stick. Nothing was written.'
        : 'Plug in a USB stick or SD card and pick it from `g8boot burn --list`.',
    });
  }
  if (drive.sizeBytes < imageBytes) {
    throw new InvalidInputError('E_DRIVE_TOO_SMALL', `Refusing to write ${driveLabel(drive)}: it is too small for the image (${formatDriveSize(imageBytes)}).`, {
      hint: 'Use a larger stick.',
    });
  }
}

/**
 * The drive a person named with `--device`: a whole disk (or a loop device, the stand-in for a stick when there
 * is none), classified by the same rules as the list. Loop devices are accepted here though never listed; one
 * that backs a system mount (a snap, a live system's root) is refused like any system disk.
 */
export async function driveForDevice(device: string, host: DriveHost = thisHost()): Promise<DriveView> {
  if (host.platform === 'linux') {
    let resolved: string;
    try {
      resolved = await realpath(device);
    } catch {
      throw new InvalidInputError('E_DRIVE_NOT_FOUND', `There is no device ${quote(device)}.`, {
        hint: 'See `g8boot burn --list` for the sticks plugged in.',
      });
    }
    const info = await stat(resolved);
    if (!info.isBlockDevice()) {
      throw new InvalidInputError('E_NOT_A_DRIVE', `${quote(device)} is not a drive (a block device).`, {
        hint: 'To save the image as a file, use `g8boot iso -o <file>`.',
      });
    }
    const listing = parseLsblk(await runTool(host, 'lsblk', [...LSBLK_ARGS, resolved], `read ${resolved}`));
    const entry = listing.blockdevices?.[0];
    if (!entry) throw new InvalidInputError('E_DRIVE_NOT_FOUND', `lsblk does not know ${quote(device)}.`);
    return driveFromEntry(entry, device);
  }
  const drives = await listDrives(host);
  const drive = drives.find((d) => d.device.toLowerCase() === device.toLowerCase() || d.device.replace('/dev/rdisk', '/dev/disk') === device.replace('/dev/rdisk', '/dev/disk'));
  if (!drive) {
    throw new InvalidInputError('E_DRIVE_NOT_FOUND', `There is no drive ${quote(device)}.`, { hint: 'See `g8boot burn --list` for the sticks plugged in.' });
  }
  return drive;
}

function driveFromEntry(entry: LsblkDevice, named: string): DriveView {
  if (entry.type === 'part') {
    throw new InvalidInputError('E_DRIVE_IS_PARTITION', `${quote(named)} is a partition, not a whole drive.`, {
      hint: 'Name the whole stick (e.g. /dev/sdb, not /dev/sdb1): the boot image brings its own partition table.',
    });
  }
  if (entry.type === 'loop') return classifyLsblkDisk(entry);
  if (isPseudoDevice(entry) || entry.type !== 'disk') {
    throw new InvalidInputError('E_NOT_A_DRIVE', `${quote(named)} is not a disk g8boot can write (lsblk type ${quote(String(entry.type))}).`, {
      hint: 'See `g8boot burn --list` for the sticks plugged in.',
    });
  }
  return classifyLsblkDisk(entry);
}
