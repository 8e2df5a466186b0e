/**
 * The isohybrid system area: an MBR and a GPT in the first 32 KiB of the ISO (which ISO 9660 leaves to the
 * system), plus the backup GPT at the end, so the same image boots when written to a USB stick.
 *
 * Follows syslinux's `isohybrid --uefi` (utils/isohybrid.c), the layout iPXE's genfsimg produces:
 * - MBR boot code = isohdpfx.bin (432 bytes). Bytes 432-439 hold isolinux.bin's LBA in 512-byte sectors,
 *   which that code loads and jumps into.
 * - Partition 1: active, from sector 0 over the whole image, type 0x00. A non-zero type would make UEFI
 *   firmware reject the table (EDK2 drops MBRs whose partitions overlap; partition 2 lies inside 1);
 *   type 0 is skipped by firmware and still flagged active for BIOSes that want one.
 * - Partition 2: type 0xEF over the ESP image: what UEFI firmware boots from when the stick is a disk.
 * - No 0xEE entry: the GPT is informational (tools, some Macs); firmware uses the MBR.
 * - The image is padded to whole 1 MiB "cylinders" (64 heads x 32 sectors), as isohybrid does.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Segment } from './layout.ts';

export const SECTOR = 512;
export const CYLINDER_BYTES = 64 * 32 * SECTOR;
const GPT_ENTRIES = 128;
const GPT_ENTRY_SIZE = 128;
const GPT_ENTRY_SECTORS = (GPT_ENTRIES * GPT_ENTRY_SIZE) / SECTOR; // 32
const ESP_TYPE_GUID = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';

export interface HybridOptions {
  /** isohdpfx.bin from syslinux (at least 432 bytes). */
  mbrCode: Uint8Array;
  /** LBA (2048-byte blocks) of isolinux.bin. */
  isolinuxLba: number;
  /** ESP image position (2048-byte blocks) and size in bytes. */
  espLba: number;
  espBytes: number;
  /** Size of the ISO 9660 data in bytes; the image grows to the next cylinder with room for the backup GPT. */
  isoBytes: number;
  /** Seeds the disk signature and GUIDs, so the same inputs give the same bytes. */
  seed: Uint8Array;
}

export interface HybridPlan {
  imageBytes: number;
  segments: Segment[];
}

/** The padded image size: whole cylinders, with the backup GPT (33 sectors) after the ISO data. */
export function hybridImageSize(isoBytes: number): number {
  const needed = isoBytes + (GPT_ENTRY_SECTORS + 1) * SECTOR;
  return Math.ceil(needed / CYLINDER_BYTES) * CYLINDER_BYTES;
}

export function planHybrid(options: HybridOptions): HybridPlan {
  const imageBytes = hybridImageSize(options.isoBytes);
  const totalSectors = imageBytes / SECTOR;
  const espFirst = options.espLba * 4;
  const espSectors = Math.ceil(options.espBytes / SECTOR);
  const ids = deterministicIds(options.seed);

  const mbr = Buffer.alloc(SECTOR);
  if (options.mbrCode.length < 432) throw new Error('hybrid: isohdpfx.bin is shorter than 432 bytes');
  mbr.set(options.mbrCode.subarray(0, 432), 0);
  mbr.writeBigUInt64LE(BigInt(options.isolinuxLba * 4), 432);
  mbr.writeUInt32LE(ids.diskSignature, 440);
  mbrEntry(mbr, 0, { active: true, type: 0x00, first: 0, sectors: totalSectors, chs: cylinderChs(totalSectors) });
  mbrEntry(mbr, 1, { active: false, type: 0xef, first: espFirst, sectors: espSectors, chs: null });
  mbr[510] = 0x55;
  mbr[511] = 0xaa;

  const entries = Buffer.alloc(GPT_ENTRIES * GPT_ENTRY_SIZE);
  gptEntry(entries, 0, {
    type: ESP_TYPE_GUID,
    unique: ids.espGuid,
    first: espFirst,
    last: espFirst + espSectors - 1,
    name: 'EFI System (g8boot)',
  });
  const lastUsable = totalSectors - GPT_ENTRY_SECTORS - 2;
  const primary = gptHeader({ current: 1, backup: totalSectors - 1, entriesLba: 2, lastUsable, diskGuid: ids.diskGuid, entries });
  const backup = gptHeader({
    current: totalSectors - 1,
    backup: 1,
    entriesLba: totalSectors - 1 - GPT_ENTRY_SECTORS,
    lastUsable,
    diskGuid: ids.diskGuid,
    entries,
  });
  return {
    imageBytes,
    segments: [
      { offset: 0, data: mbr },
      { offset: SECTOR, data: primary },
      { offset: 2 * SECTOR, data: entries },
      { offset: (totalSectors - 1 - GPT_ENTRY_SECTORS) * SECTOR, data: entries },
      { offset: (totalSectors - 1) * SECTOR, data: backup },
    ],
  };
}

interface MbrPartition {
  active: boolean;
  type: number;
  first: number;
  sectors: number;
  /** [startHead, startSector|cylHigh, startCyl, endHead, endSector|cylHigh, endCyl]; null = "beyond CHS". */
  chs: number[] | null;
}

function mbrEntry(mbr: Buffer, index: number, p: MbrPartition): void {
  const o = 446 + index * 16;
  mbr[o] = p.active ? 0x80 : 0x00;
  const [sh, ss, sc, eh, es, ec] = p.chs ?? [0xfe, 0xff, 0xff, 0xfe, 0xff, 0xff];
  mbr[o + 1] = sh!;
  mbr[o + 2] = ss!;
  mbr[o + 3] = sc!;
  mbr[o + 4] = p.type;
  mbr[o + 5] = eh!;
  mbr[o + 6] = es!;
  mbr[o + 7] = ec!;
  mbr.writeUInt32LE(p.first, o + 8);
  mbr.writeUInt32LE(p.sectors, o + 12);
}

/** CHS of a partition from sector 0 over whole 64x32 cylinders, encoded as isohybrid does. */
function cylinderChs(totalSectors: number): number[] {
  const cylinders = Math.min(totalSectors / (64 * 32), 1024);
  const last = cylinders - 1;
  return [0, 1, 0, 63, 32 + ((last & 0x300) >> 2), last & 0xff];
}

function gptHeader(h: { current: number; backup: number; entriesLba: number; lastUsable: number; diskGuid: Buffer; entries: Buffer }): Buffer {
  const buf = Buffer.alloc(SECTOR);
  buf.write('EFI PART', 0, 'latin1');
  buf.writeUInt32LE(0x00010000, 8);
  buf.writeUInt32LE(92, 12);
  buf.writeBigUInt64LE(BigInt(h.current), 24);
  buf.writeBigUInt64LE(BigInt(h.backup), 32);
  buf.writeBigUInt64LE(BigInt(2 + GPT_ENTRY_SECTORS), 40); // first usable LBA: after the primary entries
  buf.writeBigUInt64LE(BigInt(h.lastUsable), 48);
  h.diskGuid.copy(buf, 56);
  buf.writeBigUInt64LE(BigInt(h.entriesLba), 72);
  buf.writeUInt32LE(GPT_ENTRIES, 80);
  buf.writeUInt32LE(GPT_ENTRY_SIZE, 84);
  buf.writeUInt32LE(crc32(h.entries), 88);
  buf.writeUInt32LE(crc32(buf.subarray(0, 92)), 16);
  return buf;
}

function gptEntry(entries: Buffer, index: number, e: { type: string; unique: Buffer; first: number; last: number; name: string }): void {
  const o = index * GPT_ENTRY_SIZE;
  guidToBytes(e.type).copy(entries, o);
  e.unique.copy(entries, o + 16);
  entries.writeBigUInt64LE(BigInt(e.first), o + 32);
  entries.writeBigUInt64LE(BigInt(e.last), o + 40);
  entries.write(e.name.slice(0, 36), o + 56, 'utf16le');
}

/** GPT stores GUIDs mixed-endian: the first three fields little-endian, the rest as written. */
export function guidToBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/** Disk signature and GUIDs from a hash of the image's inputs: stable for the same inputs, distinct otherwise. */
function deterministicIds(seed: Uint8Array): { diskSignature: number; diskGuid: Buffer; espGuid: Buffer } {
  const h = createHash('sha256').update('g8boot-hybrid-ids').update(seed).digest();
  const h2 = createHash('sha256').update(h).digest();
  const asGuid = (b: Buffer) => {
    const g = Buffer.from(b);
    // Shape them like random (version 4, RFC 4122 variant) UUIDs, in GPT's byte order.
    g[7] = (g[7]! & 0x0f) | 0x40;
    g[8] = (g[8]! & 0x3f) | 0x80;
    return g;
  };
  return { diskSignature: h.readUInt32LE(0), diskGuid: asGuid(h.subarray(4, 20)), espGuid: asGuid(h2.subarray(0, 16)) };
}
