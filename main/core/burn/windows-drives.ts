/**
 * Windows: which disks are sticks, from PowerShell's `Get-Disk | ConvertTo-Json` (the storage management API:
 * BusType, IsSystem, IsBoot, IsReadOnly). Pure: the caller runs PowerShell, tests feed recorded outputs.
 *
 * ConvertTo-Json prints enum-valued CIM properties as their numbers (BusType 7 = USB, 12 = SD, 17 = NVMe) and
 * a single disk as an object rather than an array; both are handled.
 */
import { LARGE_DRIVE_BYTES, type DriveView } from '../../common/burn.ts';

/** MSFT_Disk.BusType (Storage Management API). */
const BUS_TYPES: Record<number, string> = {
  0: 'unknown', 1: 'scsi', 2: 'atapi', 3: 'ata', 4: '1394', 5: 'ssa', 6: 'fibre channel', 7: 'usb', 8: 'raid', 9: 'iscsi',
  10: 'sas', 11: 'sata', 12: 'sd', 13: 'mmc', 14: 'virtual', 15: 'file backed virtual', 16: 'storage spaces', 17: 'nvme',
};

export interface GetDiskEntry {
  Number?: number;
  FriendlyName?: string | null;
  Model?: string | null;
  BusType?: number | string | null;
  Size?: number | null;
  IsSystem?: boolean | null;
  IsBoot?: boolean | null;
  IsReadOnly?: boolean | null;
  IsOffline?: boolean | null;
  Path?: string | null;
}

export const GET_DISK_COMMAND = 'Get-Disk | Select-Object Number,FriendlyName,Model,BusType,Size,IsSystem,IsBoot,IsReadOnly,IsOffline,Path | ConvertTo-Json -Depth 2';

export function parseGetDisk(text: string): GetDiskEntry[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  const value = JSON.parse(trimmed) as GetDiskEntry | GetDiskEntry[];
  return Array.isArray(value) ? value : [value];
}

function busOf(value: GetDiskEntry['BusType']): string | null {
  if (typeof value === 'number') return BUS_TYPES[value] ?? null;
  if (typeof value === 'string' && value) return value.toLowerCase();
  return null;
}

export function classifyGetDisk(entry: GetDiskEntry): DriveView {
  const bus = busOf(entry.BusType);
  const removable = bus === 'usb' || bus === 'sd' || bus === 'mmc';
  const sizeBytes = Number(entry.Size ?? 0) || 0;
  let hiddenBecause: string | null = null;
  if (entry.IsSystem || entry.IsBoot) hiddenBecause = `system disk: Windows ${entry.IsBoot ? 'boots' : 'runs'} from it`;
  else if (entry.IsReadOnly) hiddenBecause = 'read-only (a write-protect switch, or read-only media)';
  else if (bus === 'nvme') hiddenBecause = 'internal NVMe disk';
  else if (bus === 'virtual' || bus === 'file backed virtual' || bus === 'storage spaces') hiddenBecause = 'a virtual disk';
  else if (!removable) hiddenBecause = `internal disk${bus ? ` (${bus.toUpperCase()})` : ''}`;
  else if (sizeBytes === 0) hiddenBecause = 'no medium (an empty card reader?)';
  return {
    device: `\\\\.\\PHYSICALDRIVE${entry.Number ?? '?'}`,
    description: (entry.FriendlyName ?? entry.Model ?? '').trim() || (bus === 'usb' ? 'USB drive' : 'Disk'),
    sizeBytes,
    bus: bus === 'mmc' ? 'sd' : bus,
    removable,
    readOnly: entry.IsReadOnly === true,
    mountpoints: [],
    offered: hiddenBecause === null,
    hiddenBecause,
    warnings: sizeBytes > LARGE_DRIVE_BYTES ? ['larger than 128 GB: check it is not a backup disk'] : [],
  };
}
