/**
 * Linux: which disks are sticks, from `lsblk --bytes --all --json --paths --output-all` (what balenaEtcher's
 * drivelist reads). Pure: the caller runs lsblk, so tests feed recorded outputs of real machines.
 *
 * The rules (FIELD-NOTES §9): loop, sr (CD/DVD), ram and zram devices are not drives; a disk is removable when
 * lsblk says `rm` or `hotplug`; a disk that backs `/`, `/boot`, `/usr`, `/home`, swap or a snap is the system;
 * NVMe, internal and read-only disks are never offered. Every hidden disk keeps the reason, for `--list --all`.
 */
import { LARGE_DRIVE_BYTES, type DriveView } from '../../common/burn.ts';

/** One entry of lsblk's JSON. Old util-linux prints booleans as "0"/"1" and sizes as strings. */
export interface LsblkDevice {
  name?: string;
  path?: string;
  kname?: string;
  type?: string;
  rm?: boolean | string | number | null;
  hotplug?: boolean | string | number | null;
  ro?: boolean | string | number | null;
  tran?: string | null;
  model?: string | null;
  vendor?: string | null;
  size?: number | string | null;
  mountpoint?: string | null;
  mountpoints?: (string | null)[] | null;
  children?: LsblkDevice[];
}

export interface LsblkOutput {
  blockdevices?: LsblkDevice[];
}

export const LSBLK_ARGS = ['--bytes', '--all', '--json', '--paths', '--output-all'] as const;

/** Mount points that make a disk "the system": writing over it would destroy the running machine. */
export function systemMountReason(mountpoint: string): string | null {
  if (mountpoint === '[SWAP]') return 'it holds this computer\'s swap space';
  for (const prefix of ['/boot', '/usr', '/home', '/snap', '/var/lib/snapd/snap']) {
    if (mountpoint === prefix || mountpoint.startsWith(`${prefix}/`)) {
      return prefix.includes('snap') ? `it backs a snap (${mountpoint} is mounted from it)` : `it holds this computer's ${prefix} (mounted from it)`;
    }
  }
  if (mountpoint === '/') return 'it holds this computer\'s system (/ is mounted from it)';
  return null;
}

const flag = (value: LsblkDevice['rm']) => value === true || value === 1 || value === '1' || value === 'true';

function pathOf(device: LsblkDevice): string {
  const name = device.path ?? device.name ?? device.kname ?? '';
  return name.startsWith('/') ? name : `/dev/${name}`;
}

/** Every mount point of a device and everything under it (partitions, LVM, dm-crypt). */
export function mountpointsOf(device: LsblkDevice): string[] {
  const own = [...(device.mountpoints ?? []), device.mountpoint ?? null].filter((m): m is string => typeof m === 'string' && m.length > 0);
  return [...new Set([...own, ...(device.children ?? []).flatMap(mountpointsOf)])];
}

/** Devices that are not drives at all: never listed, even with --all. */
export function isPseudoDevice(device: LsblkDevice): boolean {
  const path = pathOf(device);
  return device.type === 'loop' || device.type === 'rom' || /^\/dev\/(loop|sr|ram|zram)\d/.test(path);
}

function describe(device: LsblkDevice, bus: string | null): string {
  // Virtual disks report a PCI vendor id ("0x1af4") as their vendor: not a name.
  const words = [device.vendor, device.model].map((w) => (w ?? '').trim()).filter((w) => w && !/^0x[0-9a-f]+$/i.test(w));
  // Many USB sticks report the same vendor twice ("SanDisk SanDisk Ultra").
  if (words.length === 2 && words[1]!.toLowerCase().startsWith(words[0]!.toLowerCase())) words.shift();
  if (words.length) return words.join(' ').replace(/\s+/g, ' ');
  return bus === 'usb' ? 'USB drive' : bus === 'sd' ? 'SD card' : bus ? `${bus.toUpperCase()} disk` : 'Disk';
}

function busOf(device: LsblkDevice): string | null {
  const path = pathOf(device);
  const tran = (device.tran ?? '').toLowerCase();
  if (tran === 'mmc' || /^\/dev\/mmcblk\d/.test(path)) return 'sd';
  if (tran) return tran;
  if (/^\/dev\/nvme\d/.test(path)) return 'nvme';
  if (/^\/dev\/vd[a-z]/.test(path)) return 'virtio';
  if (/^\/dev\/loop\d/.test(path)) return 'loop';
  return null;
}

/** A whole disk → a DriveView, offered or hidden with the reason. `loop` devices get the same checks here. */
export function classifyLsblkDisk(device: LsblkDevice): DriveView {
  const path = pathOf(device);
  const bus = busOf(device);
  const removable = flag(device.rm) || flag(device.hotplug);
  const readOnly = flag(device.ro);
  const sizeBytes = Number(device.size ?? 0) || 0;
  const mountpoints = mountpointsOf(device);
  const systemReason = mountpoints.map(systemMountReason).find((r) => r !== null) ?? null;
  const isLoop = device.type === 'loop' || bus === 'loop';
  let hiddenBecause: string | null = null;
  if (systemReason) hiddenBecause = `system disk: ${systemReason}`;
  else if (readOnly) hiddenBecause = 'read-only (a write-protect switch, or read-only media)';
  else if (bus === 'nvme') hiddenBecause = 'internal NVMe disk';
  else if (!removable && !isLoop) hiddenBecause = 'internal disk (neither removable nor hot-pluggable)';
  else if (sizeBytes === 0) hiddenBecause = isLoop ? 'loop device with no backing file' : 'no medium (an empty card reader?)';
  const warnings = sizeBytes > LARGE_DRIVE_BYTES ? ['larger than 128 GB: check it is not a backup disk'] : [];
  return {
    device: path,
    description: isLoop ? `Loop device` : describe(device, bus),
    sizeBytes,
    bus,
    removable,
    readOnly,
    mountpoints,
    offered: hiddenBecause === null,
    hiddenBecause,
    warnings,
  };
}

/** The disks of a whole lsblk listing (loop/sr/ram dropped), each classified. */
export function drivesFromLsblk(output: LsblkOutput): DriveView[] {
  return (output.blockdevices ?? [])
    .filter((d) => d.type === 'disk' && !isPseudoDevice(d))
    .map(classifyLsblkDisk);
}

/** Parse lsblk's JSON text, with a clear error when it is not lsblk's JSON. */
export function parseLsblk(text: string): LsblkOutput {
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'object' || value === null || !Array.isArray((value as LsblkOutput).blockdevices)) {
    throw new Error('lsblk printed something other than its JSON device list');
  }
  return value as LsblkOutput;
}
