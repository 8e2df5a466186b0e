/**
 * ISO 9660 (ECMA-119) structures for a single-directory volume, plus the El Torito boot record.
 *
 * g8boot's images hold half a dozen files in the root directory, so this writer supports exactly that: a
 * flat root, level-2 file identifiers (upper-case, up to 30 characters, ";1"), no Joliet or Rock Ridge.
 * isolinux matches names case-insensitively and ignores ";1" (FIELD-NOTES §5), and Linux shows such
 * names in lower case. Section numbers refer to ECMA-119 (2nd edition).
 */
import type { Segment } from './layout.ts';

export const ISO_BLOCK = 2048;
/** Blocks 0-15 are the system area (where the hybrid MBR and GPT go); descriptors start at 16 (§6.2.1). */
export const FIRST_DESCRIPTOR_BLOCK = 16;

export type IsoFile =
  /** Level-2 identifier without version, e.g. "ISOLINUX.BIN". */
  | { name: string; data: Uint8Array }
  /** A file whose bytes the caller places itself (e.g. the ESP, made of FAT segments): only its size. */
  | { name: string; size: number };

const sizeOf = (f: IsoFile) => ('data' in f ? f.data.length : f.size);

export interface IsoOptions {
  volumeId: string;
  timestamp: Date;
  applicationId?: string;
  preparerId?: string;
  /** Name of the file holding the El Torito boot catalog, when the volume is bootable. */
  bootCatalogName?: string;
}

export interface IsoPlan {
  /** Volume space size in 2048-byte blocks. */
  blocks: number;
  /** LBA of each file, by name. */
  lba: Map<string, number>;
  segments: Segment[];
}

const DCHARS = /^[A-Z0-9_]*$/;
const FILE_ID = /^[A-Z0-9_]+\.[A-Z0-9_]*$/;

export function assertFileName(name: string): void {
  if (!FILE_ID.test(name) || name.length > 30) {
    throw new Error(`iso9660: ${JSON.stringify(name)} is not a level-2 file identifier (A-Z 0-9 _ with one dot, <= 30 chars)`);
  }
}

// ---- primitive encoders ---------------------------------------------------------------------------------------

function both16(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt16LE(value, offset);
  buf.writeUInt16BE(value, offset + 2);
}

function both32(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value, offset);
  buf.writeUInt32BE(value, offset + 4);
}

function padded(buf: Buffer, offset: number, length: number, text: string, fill = 0x20): void {
  buf.fill(fill, offset, offset + length);
  buf.write(text.slice(0, length), offset, 'latin1');
}

/** §9.1.5: seven bytes, years since 1900, in UTC. */
function recordingDate(buf: Buffer, offset: number, date: Date): void {
  buf[offset] = date.getUTCFullYear() - 1900;
  buf[offset + 1] = date.getUTCMonth() + 1;
  buf[offset + 2] = date.getUTCDate();
  buf[offset + 3] = date.getUTCHours();
  buf[offset + 4] = date.getUTCMinutes();
  buf[offset + 5] = date.getUTCSeconds();
  buf[offset + 6] = 0;
}

/** §8.4.26.1: "YYYYMMDDHHMMSScc" in ASCII plus a GMT offset byte; all zeros means "not specified". */
function volumeDate(buf: Buffer, offset: number, date: Date | null): void {
  if (!date) {
    buf.fill(0x30, offset, offset + 16);
    buf[offset + 16] = 0;
    return;
  }
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const text =
    p(date.getUTCFullYear(), 4) + p(date.getUTCMonth() + 1) + p(date.getUTCDate()) +
    p(date.getUTCHours()) + p(date.getUTCMinutes()) + p(date.getUTCSeconds()) + '00';
  buf.write(text, offset, 'latin1');
  buf[offset + 16] = 0;
}

/** §9.1: a directory record. `identifier` is raw bytes ([0] for ".", [1] for ".."). */
function directoryRecord(identifier: Buffer, lba: number, length: number, isDir: boolean, date: Date): Buffer {
  const len = 33 + identifier.length + (identifier.length % 2 === 0 ? 1 : 0);
  const rec = Buffer.alloc(len);
  rec[0] = len;
  both32(rec, 2, lba);
  both32(rec, 10, length);
  recordingDate(rec, 18, date);
  rec[25] = isDir ? 0x02 : 0x00;
  both16(rec, 28, 1);
  rec[32] = identifier.length;
  identifier.copy(rec, 33);
  return rec;
}

/** §9.3: identifiers sort by name, then extension, each padded with spaces, then version (all ours are ;1). */
export function compareFileIds(a: string, b: string): number {
  const [an = '', ae = ''] = a.split('.');
  const [bn = '', be = ''] = b.split('.');
  const cmp = (x: string, y: string) => {
    const w = Math.max(x.length, y.length);
    const xp = x.padEnd(w, ' ');
    const yp = y.padEnd(w, ' ');
    return xp < yp ? -1 : xp > yp ? 1 : 0;
  };
  return cmp(an, bn) || cmp(ae, be);
}

// ---- the volume -------------------------------------------------------------------------------------------------

/**
 * Lay out descriptors, path tables, the root directory and the files (in the given order, each starting on
 * a block boundary). Callers choose the order: the boot service puts files that never change first so their
 * LBAs (and the isolinux boot info table) are the same for every image.
 */
export function planIsoVolume(files: readonly IsoFile[], options: IsoOptions): IsoPlan {
  for (const f of files) assertFileName(f.name);
  if (!DCHARS.test(options.volumeId) || options.volumeId.length > 32) {
    throw new Error(`iso9660: volume id ${JSON.stringify(options.volumeId)} must be 1-32 of A-Z 0-9 _`);
  }
  const date = options.timestamp;
  const bootRecord = options.bootCatalogName !== undefined;
  // Block map: 16 PVD, [17 boot record], terminator, L path table, M path table, root directory, files.
  let next = FIRST_DESCRIPTOR_BLOCK + 1;
  const bootRecordLba = bootRecord ? next++ : -1;
  const terminatorLba = next++;
  const lPathLba = next++;
  const mPathLba = next++;
  const rootLba = next;

  const sorted = [...files].sort((a, b) => compareFileIds(a.name, b.name));
  const ids = sorted.map((f) => Buffer.from(`${f.name};1`, 'latin1'));
  // Directory records never straddle a block (§6.8.1.1): lay them out block by block.
  const recordLengths = [34, 34, ...ids.map((id) => 33 + id.length + (id.length % 2 === 0 ? 1 : 0))];
  let rootBlocks = 1;
  let used = 0;
  for (const len of recordLengths) {
    if (used + len > ISO_BLOCK) {
      rootBlocks++;
      used = 0;
    }
    used += len;
  }
  next = rootLba + rootBlocks;

  const lba = new Map<string, number>();
  for (const f of files) {
    lba.set(f.name, next);
    next += Math.max(1, Math.ceil(sizeOf(f) / ISO_BLOCK));
  }
  const blocks = next;

  // Root directory extent.
  const root = Buffer.alloc(rootBlocks * ISO_BLOCK);
  const rootSize = root.length;
  const records = [
    directoryRecord(Buffer.from([0]), rootLba, rootSize, true, date),
    directoryRecord(Buffer.from([1]), rootLba, rootSize, true, date),
    ...sorted.map((f, i) => directoryRecord(ids[i]!, lba.get(f.name)!, sizeOf(f), false, date)),
  ];
  let pos = 0;
  for (const rec of records) {
    if ((pos % ISO_BLOCK) + rec.length > ISO_BLOCK) pos = Math.ceil(pos / ISO_BLOCK) * ISO_BLOCK;
    rec.copy(root, pos);
    pos += rec.length;
  }

  // Path tables (§9.4): one entry, the root, in little-endian (L) and big-endian (M) form.
  const pathTableSize = 10;
  const lPath = Buffer.alloc(ISO_BLOCK);
  const mPath = Buffer.alloc(ISO_BLOCK);
  for (const [table, le] of [[lPath, true], [mPath, false]] as const) {
    table[0] = 1;
    if (le) table.writeUInt32LE(rootLba, 2); else table.writeUInt32BE(rootLba, 2);
    if (le) table.writeUInt16LE(1, 6); else table.writeUInt16BE(1, 6);
  }

  // Primary volume descriptor (§8.4).
  const pvd = Buffer.alloc(ISO_BLOCK);
  pvd[0] = 1;
  pvd.write('CD001', 1, 'latin1');
  pvd[6] = 1;
  padded(pvd, 8, 32, '');
  padded(pvd, 40, 32, options.volumeId);
  both32(pvd, 80, blocks);
  both16(pvd, 120, 1);
  both16(pvd, 124, 1);
  both16(pvd, 128, ISO_BLOCK);
  both32(pvd, 132, pathTableSize);
  pvd.writeUInt32LE(lPathLba, 140);
  pvd.writeUInt32BE(mPathLba, 148);
  records[0]!.copy(pvd, 156);
  padded(pvd, 190, 128, '');
  padded(pvd, 318, 128, '');
  padded(pvd, 446, 128, options.preparerId ?? '');
  padded(pvd, 574, 128, options.applicationId ?? '');
  padded(pvd, 702, 37, '');
  padded(pvd, 739, 37, '');
  padded(pvd, 776, 37, '');
  volumeDate(pvd, 813, date);
  volumeDate(pvd, 830, date);
  volumeDate(pvd, 847, null);
  volumeDate(pvd, 864, date);
  pvd[881] = 1;

  const segments: Segment[] = [{ offset: FIRST_DESCRIPTOR_BLOCK * ISO_BLOCK, data: pvd }];
  if (bootRecord) {
    const catalogLba = lba.get(options.bootCatalogName!);
    if (catalogLba === undefined) throw new Error(`iso9660: boot catalog ${options.bootCatalogName} is not among the files`);
    segments.push({ offset: bootRecordLba * ISO_BLOCK, data: elToritoBootRecord(catalogLba) });
  }
  const terminator = Buffer.alloc(ISO_BLOCK);
  terminator[0] = 255;
  terminator.write('CD001', 1, 'latin1');
  terminator[6] = 1;
  segments.push(
    { offset: terminatorLba * ISO_BLOCK, data: terminator },
    { offset: lPathLba * ISO_BLOCK, data: lPath },
    { offset: mPathLba * ISO_BLOCK, data: mPath },
    { offset: rootLba * ISO_BLOCK, data: root },
  );
  for (const f of files) if ('data' in f) segments.push({ offset: lba.get(f.name)! * ISO_BLOCK, data: f.data });
  return { blocks, lba, segments };
}

/** El Torito §2.0: the boot record volume descriptor pointing at the boot catalog. */
function elToritoBootRecord(catalogLba: number): Buffer {
  const br = Buffer.alloc(ISO_BLOCK);
  br[0] = 0;
  br.write('CD001', 1, 'latin1');
  br[6] = 1;
  br.write('EL TORITO SPECIFICATION', 7, 'latin1');
  br.writeUInt32LE(catalogLba, 0x47);
  return br;
}
