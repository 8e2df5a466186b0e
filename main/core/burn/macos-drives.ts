/**
 * macOS: which disks are sticks, from `diskutil list -plist` (the whole disks and their volumes' mount points)
 * and `diskutil info -plist diskN` per whole disk (the Internal / RemovableMediaOrExternalDevice / WritableMedia
 * facts DiskArbitration keeps). Pure: the caller runs diskutil, tests feed recorded outputs.
 *
 * Synthesized disks (APFS containers, VirtualOrPhysical = Virtual) and disk images are not drives; internal,
 * read-only and system disks are hidden with the reason. Writing goes to /dev/rdiskN (raw: many times faster).
 */
import { LARGE_DRIVE_BYTES, type DriveView } from '../../common/burn.ts';
import { parsePlist, type PlistValue } from './plist.ts';
import { systemMountReason } from './linux-drives.ts';

type Dict = Record<string, PlistValue>;
const asDict = (v: PlistValue | undefined): Dict => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const asArray = (v: PlistValue | undefined): PlistValue[] => (Array.isArray(v) ? v : []);
const str = (v: PlistValue | undefined): string => (typeof v === 'string' ? v : '');

export interface DiskutilList {
  wholeDisks: string[];
  /** Mount points of each whole disk's partitions and APFS volumes. */
  mountpoints: Map<string, string[]>;
}

export function parseDiskutilList(xml: string): DiskutilList {
  const root = asDict(parsePlist(xml));
  const wholeDisks = asArray(root.WholeDisks).map(str).filter(Boolean);
  const mountpoints = new Map<string, string[]>();
  for (const entry of asArray(root.AllDisksAndPartitions).map(asDict)) {
    const id = str(entry.DeviceIdentifier);
    const points = [entry, ...asArray(entry.Partitions).map(asDict), ...asArray(entry.APFSVolumes).map(asDict)]
      .map((d) => str(d.MountPoint))
      .filter(Boolean);
    mountpoints.set(id, points);
  }
  return { wholeDisks, mountpoints };
}

/** The macOS system volumes: anything under / other than /Volumes (external disks mount there). */
function macSystemReason(mountpoint: string): string | null {
  if (mountpoint === '/' || mountpoint.startsWith('/System/')) return `it holds this Mac's system (${mountpoint} is mounted from it)`;
  return systemMountReason(mountpoint);
}

/**
 * One whole disk from its `diskutil info -plist`; null when it is not a drive (a synthesized APFS container,
 * a disk image).
 */
export function classifyDiskutilInfo(infoXml: string, mountpoints: readonly string[] = []): DriveView | null {
  const info = asDict(parsePlist(infoXml));
  const id = str(info.DeviceIdentifier);
  const bus = str(info.BusProtocol);
  if (str(info.VirtualOrPhysical) === 'Virtual' || bus === 'Disk Image') return null;
  const internal = info.Internal === true;
  const removable = info.RemovableMediaOrExternalDevice === true || info.Removable === true || info.Ejectable === true || info.RemovableMedia === true;
  const readOnly = info.WritableMedia === false || info.ReadOnlyMedia === true;
  const sizeBytes = Number(info.TotalSize ?? info.Size ?? 0) || 0;
  const mounted = [...new Set([str(info.MountPoint), ...mountpoints].filter(Boolean))];
  const systemReason = mounted.map(macSystemReason).find((r) => r !== null) ?? null;
  const busName = bus === 'Secure Digital' ? 'sd' : bus ? bus.toLowerCase() : null;
  let hiddenBecause: string | null = null;
  if (systemReason) hiddenBecause = `system disk: ${systemReason}`;
  else if (readOnly) hiddenBecause = 'read-only (a write-protect switch, or read-only media)';
  // As DiskArbitration-based tools do: internal and not removable is the machine's own disk; a card in a
  // built-in SD reader is internal yet removable.
  else if (internal && !removable) hiddenBecause = `internal disk${bus ? ` (${bus})` : ''}`;
  else if (sizeBytes === 0) hiddenBecause = 'no medium (an empty card reader?)';
  const description = (str(info.MediaName) || str(info.IORegistryEntryName)).replace(/\s+Media$/, '').trim() || (busName === 'usb' ? 'USB drive' : 'Disk');
  return {
    device: `/dev/${id}`,
    description,
    sizeBytes,
    bus: busName,
    removable,
    readOnly,
    mountpoints: mounted,
    offered: hiddenBecause === null,
    hiddenBecause,
    warnings: sizeBytes > LARGE_DRIVE_BYTES ? ['larger than 128 GB: check it is not a backup disk'] : [],
  };
}

/** The raw device for writing: /dev/disk4 → /dev/rdisk4 (unbuffered, many times faster). */
export function rawDevice(device: string): string {
  return device.replace(/^\/dev\/disk/, '/dev/rdisk');
}
