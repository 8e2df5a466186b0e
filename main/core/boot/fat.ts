/**
 * A FAT12/FAT16 filesystem image, planned as layout segments: the EFI System Partition of g8boot's boot
 * images (EFI/BOOT/BOOTX64.EFI, EFI/BOOT/BOOTAA64.EFI, /autoexec.ipxe), embedded in the ISO as the El Torito
 * EFI image and as a partition, and served alone over HTTP.
 *
 * File contents are never copied: each file gets a contiguous run of clusters and its segment references the
 * caller's Uint8Array. Everything else (boot sector, both FATs, root and subdirectories) is one small buffer
 * at the start of the image, because directories are allocated before files. Planning costs only that
 * metadata. The same input always gives the same bytes: one timestamp for every entry, entries sorted by
 * case-folded name (see fat/tree.ts), no clock or randomness.
 *
 * Names that are not upper-case 8.3 get VFAT long-name entries (case preserved) with a short alias, so the
 * UEFI FAT driver finds `autoexec.ipxe` by its long name.
 */
import { InvalidInputError } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';
import type { Segment } from './layout.ts';
import type { FatGeometry } from './fat/geometry.ts';
import { BLOCK, chooseGeometry, roundUp, SECTOR } from './fat/geometry.ts';
import type { ShortName } from './fat/names.ts';
import { longEntryCount, volumeLabelName } from './fat/names.ts';
import type { DosTime } from './fat/records.ts';
import {
  ATTR_ARCHIVE, ATTR_DIRECTORY, ATTR_VOLUME_ID, DIR_ENTRY, dosTime, endOfChain, setFatEntry, writeBootSector,
  writeLongEntries, writeReservedFatEntries, writeShortEntry,
} from './fat/records.ts';
import type { DirNode, FatTree, FileNode } from './fat/tree.ts';
import { buildTree } from './fat/tree.ts';

export interface FatFileInput {
  /** "/"-separated, e.g. "EFI/BOOT/BOOTX64.EFI" or "autoexec.ipxe"; one leading "/" is allowed. */
  path: string;
  data: Uint8Array;
}

export interface FatOptions {
  /** At most 11 characters; stored upper case. Blank for no label. */
  volumeLabel: string;
  /** The volume serial number (uint32); the caller derives it deterministically. */
  volumeId: number;
  /** Used for every directory entry, in UTC; clamped to FAT's 1980-2107. */
  timestamp: Date;
  /** Lower bound on the image size in bytes. */
  minSizeBytes?: number;
}

export interface FatPlan {
  /** Bytes, a multiple of 2048. */
  size: number;
  fatType: 12 | 16;
  /** Sorted, non-overlapping; gaps are zero bytes. The first is the metadata, then one per non-empty file. */
  segments: Segment[];
  /** In the caller's order. An empty file has no clusters: offset 0, size 0. */
  files: { path: string; offset: number; size: number }[];
  /** Cluster size in bytes. */
  clusterBytes: number;
}

export function planFat(files: readonly FatFileInput[], options: FatOptions): FatPlan {
  const label = volumeLabelName(options.volumeLabel);
  checkOptions(options);
  const tree = buildTree(files);
  const geometry = chooseGeometry({
    rootEntries: tree.root.entryCount + (label === null ? 0 : 1),
    // What allocate() uses: directory runs, padding to a block, then each file padded to whole blocks.
    clusters: (clusterBytes) => {
      let n = 0;
      for (const dir of tree.subdirectories) n += clustersFor(dir.entryCount * DIR_ENTRY, clusterBytes);
      n = roundUp(n, clustersPerBlock(clusterBytes));
      for (const file of tree.files) n += clustersFor(roundUp(file.data.length, BLOCK), clusterBytes);
      return n;
    },
    minSizeBytes: options.minSizeBytes ?? 0,
  });
  const allocation = allocate(tree, geometry);
  const metadata = new Uint8Array(clusterOffset(geometry, allocation.filesStart));
  writeBootSector(metadata, geometry, { volumeId: options.volumeId, label: label ?? 'NO NAME    ' });
  writeFats(metadata, geometry, allocation);
  writeDirectories(metadata, geometry, tree, allocation, label, dosTime(options.timestamp));

  const segments: Segment[] = [{ offset: 0, data: metadata }];
  const placed: FatPlan['files'] = files.map(({ path }) => ({ path, offset: 0, size: 0 }));
  for (const file of tree.files) {
    if (file.data.length === 0) continue;
    const offset = clusterOffset(geometry, allocation.runs.get(file)!.first);
    segments.push({ offset, data: file.data });
    placed[file.input] = { path: files[file.input]!.path, offset, size: file.data.length };
  }
  return {
    size: geometry.totalSectors * SECTOR, fatType: geometry.fatType, segments, files: placed, clusterBytes: geometry.clusterBytes,
  };
}

function checkOptions(options: FatOptions): void {
  const fail = (what: string, hint: string): never => {
    throw new InvalidInputError('E_INVALID_FAT_OPTION', what, { hint });
  };
  if (!Number.isInteger(options.volumeId) || options.volumeId < 0 || options.volumeId > 0xffffffff) {
    fail(`The FAT volume id ${quote(String(options.volumeId))} is not a 32-bit unsigned integer.`, 'Derive it from the image contents, e.g. the first 4 bytes of a hash.');
  }
  if (!(options.timestamp instanceof Date) || Number.isNaN(options.timestamp.getTime())) {
    fail('The FAT timestamp is not a valid date.', 'Pass a fixed Date (e.g. the toolchain build time) so images are reproducible.');
  }
  const min = options.minSizeBytes;
  if (min !== undefined && !(Number.isFinite(min) && min >= 0)) {
    fail(`The minimum FAT image size ${quote(String(min))} is not a non-negative number of bytes.`, 'Leave minSizeBytes out or give a byte count.');
  }
}

function clustersFor(bytes: number, clusterBytes: number): number {
  return Math.ceil(bytes / clusterBytes);
}

/** Clusters that make up one 2048-byte block (1 when a cluster is a block or larger). */
function clustersPerBlock(clusterBytes: number): number {
  return Math.max(1, BLOCK / clusterBytes);
}

function clusterOffset(g: FatGeometry, cluster: number): number {
  return (g.dataSector + (cluster - 2) * g.sectorsPerCluster) * SECTOR;
}

interface Run {
  first: number;
  count: number;
}

interface Allocation {
  /** The cluster run of each subdirectory and non-empty file. */
  runs: Map<DirNode | FileNode, Run>;
  /** The first cluster after the directories: file data starts there, so the metadata buffer ends there. */
  filesStart: number;
}

/**
 * Contiguous runs from cluster 2: subdirectories first (they join the metadata buffer), then files, each
 * starting on a 2048-byte boundary of the image (the data area starts on one), so an ISO 9660 directory can
 * point at the same bytes. Skipped clusters (at most 1.5 KiB per file, with 512 B or 1 KiB clusters) stay free.
 */
function allocate(tree: FatTree, g: FatGeometry): Allocation {
  const runs = new Map<DirNode | FileNode, Run>();
  const perBlock = clustersPerBlock(g.clusterBytes);
  let next = 2;
  const take = (node: DirNode | FileNode, bytes: number) => {
    const count = clustersFor(bytes, g.clusterBytes);
    if (count === 0) return;
    runs.set(node, { first: next, count });
    next += count;
  };
  for (const dir of tree.subdirectories) take(dir, dir.entryCount * DIR_ENTRY);
  for (const file of tree.files) {
    next = 2 + roundUp(next - 2, perBlock);
    take(file, file.data.length);
  }
  const firstFile = tree.files.find((file) => runs.has(file));
  return { runs, filesStart: firstFile === undefined ? next : runs.get(firstFile)!.first };
}

/** Both FAT copies: reserved entries 0-1, then one chain per run; free clusters stay 0. */
function writeFats(metadata: Uint8Array, g: FatGeometry, allocation: Allocation): void {
  const start = g.reservedSectors * SECTOR;
  const fatBytes = g.fatSectors * SECTOR;
  const fat = metadata.subarray(start, start + fatBytes);
  writeReservedFatEntries(fat, g.fatType);
  for (const { first, count } of allocation.runs.values()) {
    const last = first + count - 1;
    for (let c = first; c < last; c++) setFatEntry(fat, g.fatType, c, c + 1);
    setFatEntry(fat, g.fatType, last, endOfChain(g.fatType));
  }
  metadata.copyWithin(start + fatBytes, start, start + fatBytes);
}

/** The root (fixed region) and every subdirectory (its cluster run), entries in tree order. */
function writeDirectories(
  metadata: Uint8Array, g: FatGeometry, tree: FatTree, allocation: Allocation, label: ShortName | null, time: DosTime,
): void {
  // Cluster 0 stands for the root in ".." entries and for "no clusters" (empty files).
  const clusterOf = (node: DirNode | FileNode) => allocation.runs.get(node)?.first ?? 0;
  for (const dir of [tree.root, ...tree.subdirectories]) {
    let at = dir.parent === null ? g.rootSector * SECTOR : clusterOffset(g, clusterOf(dir));
    const entry = (name: ShortName, attr: number, cluster: number, size: number) => {
      writeShortEntry(metadata, at, { name, attr, cluster, size, time });
      at += DIR_ENTRY;
    };
    if (dir.parent === null) {
      if (label !== null) entry(label, ATTR_VOLUME_ID, 0, 0);
    } else {
      entry('.'.padEnd(11), ATTR_DIRECTORY, clusterOf(dir), 0);
      entry('..'.padEnd(11), ATTR_DIRECTORY, clusterOf(dir.parent), 0);
    }
    for (const child of dir.children) {
      if (longEntryCount(child.name) > 0) at = writeLongEntries(metadata, at, child.name, child.shortName);
      if (child.kind === 'dir') entry(child.shortName, ATTR_DIRECTORY, clusterOf(child), 0);
      else entry(child.shortName, ATTR_ARCHIVE, clusterOf(child), child.data.length);
    }
  }
}
