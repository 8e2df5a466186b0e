/**
 * El Torito boot catalog (El Torito specification v1.0, §2.0-2.5) and the isolinux boot info table
 * (libisofs doc/boot_sectors.txt; mkisofs -boot-info-table).
 */
import { ISO_BLOCK } from './iso9660.ts';

export interface BootEntry {
  /** LBA (2048-byte blocks) of the boot image. */
  lba: number;
  /** Sectors (512 bytes) the firmware loads: 4 for isolinux (no-emulation), the whole image for the ESP. */
  sectorCount: number;
}

const PLATFORM_X86 = 0x00;
const PLATFORM_EFI = 0xef;
const BOOTABLE = 0x88;
const NO_EMULATION = 0x00;
const FINAL_SECTION_HEADER = 0x91;

function entry(buf: Buffer, offset: number, e: BootEntry): void {
  if (e.sectorCount < 1 || e.sectorCount > 0xffff) throw new Error(`eltorito: sector count ${e.sectorCount} out of range`);
  buf[offset] = BOOTABLE;
  buf[offset + 1] = NO_EMULATION;
  buf.writeUInt16LE(0, offset + 2); // load segment 0 = the traditional 0x7C0
  buf[offset + 4] = 0; // system type (partition type byte; unused for no-emulation)
  buf.writeUInt16LE(e.sectorCount, offset + 6);
  buf.writeUInt32LE(e.lba, offset + 8);
}

/**
 * One catalog block: validation entry, the default (BIOS) entry, then a final section header for platform
 * 0xEF with one UEFI entry. Firmware walks sections by platform id, so BIOS and UEFI each find their image.
 */
export function bootCatalog(bios: BootEntry, uefi: BootEntry | null, idString = 'G8BOOT'): Buffer {
  const cat = Buffer.alloc(ISO_BLOCK);
  // Validation entry (§2.1): header id 1, platform, id string, checksum so the 16 words sum to 0, 55 AA.
  cat[0] = 0x01;
  cat[1] = PLATFORM_X86;
  cat.write(idString.slice(0, 24), 4, 'latin1');
  cat[30] = 0x55;
  cat[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + cat.readUInt16LE(i)) & 0xffff;
  cat.writeUInt16LE((0x10000 - sum) & 0xffff, 28);
  // Initial/default entry (§2.2).
  entry(cat, 32, bios);
  if (uefi) {
    // Section header (§2.3) + section entry (§2.4).
    cat[64] = FINAL_SECTION_HEADER;
    cat[65] = PLATFORM_EFI;
    cat.writeUInt16LE(1, 66);
    entry(cat, 96, uefi);
  }
  return cat;
}

/**
 * A copy of isolinux.bin with its boot info table filled in: bytes 8-23 hold the PVD's LBA, the file's own
 * LBA, its length, and the 32-bit sum of its little-endian words from byte 64 on; 24-63 are zero.
 * isolinux uses it to find itself on a CD, and (hybrid) on a disk.
 */
export function patchBootInfoTable(bootFile: Uint8Array, pvdLba: number, fileLba: number): Buffer {
  if (bootFile.length < 64) throw new Error('eltorito: boot file too small for a boot info table');
  const out = Buffer.from(bootFile);
  out.writeUInt32LE(pvdLba, 8);
  out.writeUInt32LE(fileLba, 12);
  out.writeUInt32LE(out.length, 16);
  out.writeUInt32LE(bootInfoChecksum(out), 20);
  out.fill(0, 24, 64);
  return out;
}

export function bootInfoChecksum(file: Uint8Array): number {
  const view = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  let sum = 0;
  let i = 64;
  for (; i + 4 <= view.length; i += 4) sum = (sum + view.readUInt32LE(i)) >>> 0;
  if (i < view.length) {
    // A tail shorter than a word counts as if zero-padded.
    const tail = Buffer.alloc(4);
    view.copy(tail, 0, i);
    sum = (sum + tail.readUInt32LE(0)) >>> 0;
  }
  return sum;
}
