/**
 * The on-disk records of a FAT12/FAT16 volume: boot sector, FAT entries and 32-byte directory entries.
 * Offsets and values from Microsoft's "FAT: General Overview of On-Disk Format" v1.03 (§3 BPB, §4 FAT, §6-7
 * directory entries). All writers fill a caller-provided zeroed buffer at an offset.
 */
import type { FatGeometry } from './geometry.ts';
import { SECTOR } from './geometry.ts';
import type { ShortName } from './names.ts';
import { shortNameChecksum } from './names.ts';

export const MEDIA_FIXED_DISK = 0xf8;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
const ATTR_LONG_NAME = 0x0f;
export const DIR_ENTRY = 32;

/**
 * Real-mode code run if a BIOS boots the image (e.g. the ESP written alone to a USB stick). A zeroed boot
 * area would execute garbage and hang or worse; this prints why it cannot boot and hands back to the BIOS
 * (INT 18h: try the next boot device). Position-independent (call/pop), because BIOSes load it at either
 * 0000:7C00 or 07C0:0000. Placed at 0x3E, right after the FAT12/16 extended BPB.
 *
 *   3E  0E        push cs            ; ds = cs
 *   3F  1F        pop ds
 *   40  E8 00 00  call 43h           ; si = our own offset
 *   43  5E        pop si
 *   44  83 C6 1C  add si, 5Fh-43h    ; si -> message
 *   47  FC        cld
 *   48  AC        lodsb              ; print the NUL-terminated message with INT 10h/0Eh
 *   49  84 C0     test al, al
 *   4B  74 09     jz 56h
 *   4D  B4 0E     mov ah, 0Eh
 *   4F  BB 07 00  mov bx, 0007h      ; page 0, light grey
 *   52  CD 10     int 10h
 *   54  EB F2     jmp 48h
 *   56  30 E4     xor ah, ah         ; wait for a key
 *   58  CD 16     int 16h
 *   5A  CD 18     int 18h            ; boot failed: BIOS tries the next device
 *   5C  F4        hlt                ; (if INT 18h returns)
 *   5D  EB FD     jmp 5Ch
 *   5F  message
 */
const BOOT_CODE_OFFSET = 0x3e;
const BOOT_CODE = [
  0x0e, 0x1f, 0xe8, 0x00, 0x00, 0x5e, 0x83, 0xc6, 0x1c, 0xfc, 0xac, 0x84, 0xc0, 0x74, 0x09, 0xb4, 0x0e, 0xbb, 0x07,
  0x00, 0xcd, 0x10, 0xeb, 0xf2, 0x30, 0xe4, 0xcd, 0x16, 0xcd, 0x18, 0xf4, 0xeb, 0xfd,
];
export const NOT_BOOTABLE_MESSAGE =
  'This is a UEFI boot partition (g8boot): start it with UEFI firmware.\r\nPress a key to try the next boot device.\r\n';

export interface BootSectorFields {
  volumeId: number;
  /** 11 bytes, space padded; "NO NAME    " when the volume has no label. */
  label: ShortName;
}

export function writeBootSector(buf: Uint8Array, g: FatGeometry, fields: BootSectorFields): void {
  const view = new DataView(buf.buffer, buf.byteOffset, SECTOR);
  buf.set([0xeb, BOOT_CODE_OFFSET - 2, 0x90], 0); // jmp short 3Eh; nop
  writeAscii(buf, 3, 'G8BOOT  '); // OEM name: informational only, no driver checks it
  view.setUint16(11, SECTOR, true);
  view.setUint8(13, g.sectorsPerCluster);
  view.setUint16(14, g.reservedSectors, true);
  view.setUint8(16, 2); // FAT copies
  view.setUint16(17, g.rootEntries, true);
  view.setUint16(19, g.totalSectors < 0x10000 ? g.totalSectors : 0, true);
  view.setUint8(21, MEDIA_FIXED_DISK);
  view.setUint16(22, g.fatSectors, true);
  // CHS geometry mkfs.fat uses for images; only INT 13h CHS boot code would read it.
  view.setUint16(24, 32, true); // sectors per track
  view.setUint16(26, 64, true); // heads
  // Hidden sectors = 0: the same image is an El Torito image, a partition at some LBA and a download, so
  // no single partition offset is right; UEFI and Linux ignore this field.
  view.setUint32(28, 0, true);
  view.setUint32(32, g.totalSectors < 0x10000 ? 0 : g.totalSectors, true);
  view.setUint8(36, 0x80); // drive number: hard disk
  view.setUint8(38, 0x29); // extended boot signature: the next three fields are present
  view.setUint32(39, fields.volumeId, true);
  writeAscii(buf, 43, fields.label);
  writeAscii(buf, 54, g.fatType === 12 ? 'FAT12   ' : 'FAT16   ');
  buf.set(BOOT_CODE, BOOT_CODE_OFFSET);
  writeAscii(buf, BOOT_CODE_OFFSET + BOOT_CODE.length, `${NOT_BOOTABLE_MESSAGE}\0`);
  buf[510] = 0x55;
  buf[511] = 0xaa;
}

/** Set FAT entry `cluster` to `value` in one FAT copy (12-bit entries are packed two per three bytes). */
export function setFatEntry(fat: Uint8Array, fatType: 12 | 16, cluster: number, value: number): void {
  if (fatType === 16) {
    fat[cluster * 2] = value & 0xff;
    fat[cluster * 2 + 1] = value >> 8;
    return;
  }
  const at = (cluster * 3) >> 1;
  if (cluster % 2 === 0) {
    fat[at] = value & 0xff;
    fat[at + 1] = (fat[at + 1]! & 0xf0) | (value >> 8);
  } else {
    fat[at] = (fat[at]! & 0x0f) | ((value & 0x0f) << 4);
    fat[at + 1] = value >> 4;
  }
}

/** End-of-chain marker. */
export function endOfChain(fatType: 12 | 16): number {
  return fatType === 12 ? 0xfff : 0xffff;
}

/** FAT entries 0 and 1: the media byte in entry 0, entry 1 all ones ("clean, no I/O errors" on FAT16). */
export function writeReservedFatEntries(fat: Uint8Array, fatType: 12 | 16): void {
  setFatEntry(fat, fatType, 0, (fatType === 12 ? 0xf00 : 0xff00) | MEDIA_FIXED_DISK);
  setFatEntry(fat, fatType, 1, endOfChain(fatType));
}

/** A timestamp in the DOS encoding; one is used for every entry so images are reproducible. */
export interface DosTime {
  date: number;
  time: number;
  /** 10 ms units, 0-199, added to `time` (whose seconds have 2 s resolution). */
  centiseconds: number;
}

const DOS_EPOCH = Date.UTC(1980, 0, 1);
const DOS_END = Date.UTC(2107, 11, 31, 23, 59, 59, 990);

/**
 * In UTC, so the image does not depend on the build machine's time zone. Dates outside 1980-2107 are clamped
 * (as zip does), so a caller may pass e.g. the Unix epoch as a fixed timestamp.
 */
export function dosTime(date: Date): DosTime {
  const d = new Date(Math.min(DOS_END, Math.max(DOS_EPOCH, date.getTime())));
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    centiseconds: (d.getUTCSeconds() % 2) * 100 + Math.floor(d.getUTCMilliseconds() / 10),
  };
}

export interface ShortEntry {
  name: ShortName;
  attr: number;
  cluster: number;
  size: number;
  time: DosTime;
}

export function writeShortEntry(buf: Uint8Array, at: number, e: ShortEntry): void {
  const view = new DataView(buf.buffer, buf.byteOffset + at, DIR_ENTRY);
  writeAscii(buf, at, e.name);
  view.setUint8(11, e.attr);
  view.setUint8(13, e.time.centiseconds);
  view.setUint16(14, e.time.time, true); // created
  view.setUint16(16, e.time.date, true);
  view.setUint16(18, e.time.date, true); // last accessed
  view.setUint16(22, e.time.time, true); // last written
  view.setUint16(24, e.time.date, true);
  view.setUint16(26, e.cluster, true); // high word (offset 20) is FAT32 only
  view.setUint32(28, e.size, true);
}

/** UTF-16 positions of the 13 characters inside a long-name entry. */
const LONG_NAME_CHAR_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/**
 * Write the long-name entries for `name` at `at`, last part first as the format requires; returns the offset
 * of the short entry that must follow. The name is NUL-terminated when it does not fill the last entry, and
 * the rest is padded with 0xFFFF.
 */
export function writeLongEntries(buf: Uint8Array, at: number, name: string, shortName: ShortName): number {
  const count = Math.ceil(name.length / 13);
  const checksum = shortNameChecksum(shortName);
  for (let ordinal = count; ordinal >= 1; ordinal--, at += DIR_ENTRY) {
    buf[at] = ordinal | (ordinal === count ? 0x40 : 0);
    buf[at + 11] = ATTR_LONG_NAME;
    buf[at + 13] = checksum;
    for (const [i, offset] of LONG_NAME_CHAR_OFFSETS.entries()) {
      const index = (ordinal - 1) * 13 + i;
      const unit = index < name.length ? name.charCodeAt(index) : index === name.length ? 0 : 0xffff;
      buf[at + offset] = unit & 0xff;
      buf[at + offset + 1] = unit >> 8;
    }
  }
  return at;
}

function writeAscii(buf: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) buf[at + i] = text.charCodeAt(i);
}
