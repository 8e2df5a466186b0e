/**
 * The shape of a FAT12/FAT16 volume: FAT type, cluster size and where each region starts.
 *
 * Every driver (Linux, mtools, dosfstools, EDK2's FAT driver in OVMF) derives the FAT type from the cluster
 * count alone: fewer than 4085 clusters is FAT12, fewer than 65525 is FAT16. So we pick a type and a cluster
 * size, then size the volume so its cluster count lands inside that type's range, keeping a margin from the
 * boundaries because some older drivers are off by a few there.
 *
 * The data area starts on a 2048-byte boundary (the root directory is padded to get there), so that with file
 * runs starting on such boundaries too (see allocate() in ../fat.ts) every file sits on whole ISO 9660 blocks:
 * an ISO directory record can point at the very bytes the FAT holds.
 */
import { InvalidInputError } from '../../../common/errors.ts';

export const SECTOR = 512;
/** An ISO 9660 block: the image's size, its data area and every file start are multiples of it. */
export const BLOCK = 2048;
const BLOCK_SECTORS = BLOCK / SECTOR;
/** Free space left on the volume beyond the files and directories. */
const HEADROOM_BYTES = 64 * 1024;
/** The conventional root directory size for non-floppy media (16 KiB); grown in whole sectors if needed. */
const DEFAULT_ROOT_ENTRIES = 512;
const ENTRIES_PER_SECTOR = SECTOR / 32;
const BOUNDARY_MARGIN = 16;
const FAT12_MAX_CLUSTERS = 4084;
const FAT16_MIN_CLUSTERS = 4085;
const FAT16_MAX_CLUSTERS = 65524;

/**
 * Candidates in order of preference: FAT12 while its clusters stay at most 4 KiB (volumes up to ~16 MiB),
 * then FAT16 with the smallest cluster that fits (up to 32 KiB, the largest every driver accepts). Small
 * clusters waste less space at the end of each file.
 */
const CANDIDATES: readonly { fatType: 12 | 16; sectorsPerCluster: number }[] = [
  ...[1, 2, 4, 8].map((sectorsPerCluster) => ({ fatType: 12 as const, sectorsPerCluster })),
  ...[1, 2, 4, 8, 16, 32, 64].map((sectorsPerCluster) => ({ fatType: 16 as const, sectorsPerCluster })),
];

export interface FatGeometry {
  fatType: 12 | 16;
  sectorsPerCluster: number;
  clusterBytes: number;
  /** Sectors before the first FAT (just the boot sector). */
  reservedSectors: number;
  /** Sectors per FAT copy (there are two). */
  fatSectors: number;
  rootEntries: number;
  totalSectors: number;
  /** Data clusters, numbered 2 .. clusterCount + 1. */
  clusterCount: number;
  rootSector: number;
  dataSector: number;
}

export interface SpaceNeeded {
  /** Entries in the root directory, including the volume label. */
  rootEntries: number;
  /** Clusters for all files and subdirectories at a given cluster size, alignment gaps included. */
  clusters(clusterBytes: number): number;
  minSizeBytes: number;
}

export function chooseGeometry(need: SpaceNeeded): FatGeometry {
  const rootEntries = Math.max(DEFAULT_ROOT_ENTRIES, roundUp(need.rootEntries, ENTRIES_PER_SECTOR));
  for (const { fatType, sectorsPerCluster } of CANDIDATES) {
    const geometry = sizeVolume(fatType, sectorsPerCluster, rootEntries, need);
    const min = fatType === 12 ? 0 : FAT16_MIN_CLUSTERS + BOUNDARY_MARGIN;
    const max = (fatType === 12 ? FAT12_MAX_CLUSTERS : FAT16_MAX_CLUSTERS) - BOUNDARY_MARGIN;
    if (geometry.clusterCount >= min && geometry.clusterCount <= max) return geometry;
  }
  throw new InvalidInputError('E_FAT_TOO_LARGE', 'The files (or the minimum size) do not fit a FAT16 volume (at most about 2 GiB).', {
    hint: 'Boot images hold a few megabytes; check the files and minSizeBytes given.',
  });
}

/** The smallest volume of this type and cluster size that holds what is needed plus headroom. */
function sizeVolume(fatType: 12 | 16, sectorsPerCluster: number, minRootEntries: number, need: SpaceNeeded): FatGeometry {
  const clusterBytes = sectorsPerCluster * SECTOR;
  const reservedSectors = 1;
  const minRootSectors = minRootEntries / ENTRIES_PER_SECTOR;
  const wanted = need.clusters(clusterBytes) + Math.ceil(HEADROOM_BYTES / clusterBytes);
  const fatSectorsFor = (clusters: number) => Math.ceil((((clusters + 2) * fatType) / 8) / SECTOR);
  const estimate = reservedSectors + minRootSectors + BLOCK_SECTORS + 2 * fatSectorsFor(wanted) + wanted * sectorsPerCluster;
  let totalSectors = roundUp(Math.max(estimate, Math.ceil(need.minSizeBytes / SECTOR)), BLOCK_SECTORS);
  for (;;) {
    // Size the FAT for every cluster the volume could have with no FAT at all: at most a sector too
    // large, never too small, and no fixed-point iteration needed.
    const fatSectors = fatSectorsFor(Math.floor((totalSectors - reservedSectors - minRootSectors) / sectorsPerCluster));
    const rootSector = reservedSectors + 2 * fatSectors;
    const dataSector = roundUp(rootSector + minRootSectors, BLOCK_SECTORS);
    const clusterCount = Math.floor((totalSectors - dataSector) / sectorsPerCluster);
    if (clusterCount >= wanted) {
      const rootEntries = (dataSector - rootSector) * ENTRIES_PER_SECTOR;
      return {
        fatType, sectorsPerCluster, clusterBytes, reservedSectors, fatSectors, rootEntries, totalSectors, clusterCount, rootSector, dataSector,
      };
    }
    totalSectors += BLOCK_SECTORS;
  }
}

export function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}
