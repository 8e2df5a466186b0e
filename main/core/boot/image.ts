/**
 * The hybrid iPXE boot image, laid out the way iPXE's own util/genfsimg does (FIELD-NOTES §5):
 *
 *   ISO 9660 root: ISOLINUX.BIN (boot info table patched), LDLINUX.C32, ISOLINUX.CFG
 *                  (KERNEL ipxe.lkrn / INITRD autoexec.ipxe), IPXE.LKRN, BOOT.CAT, AUTOEXEC.IPXE, ESP.IMG
 *   El Torito:     BIOS no-emulation entry -> isolinux.bin (4 sectors), UEFI (0xEF) entry -> ESP.IMG
 *   ESP.IMG (FAT): EFI/BOOT/BOOTX64.EFI, EFI/BOOT/BOOTAA64.EFI, /autoexec.ipxe
 *   System area:   isohybrid MBR + GPT, backup GPT at the end (see hybrid.ts)
 *
 * BIOS: isolinux -> ipxe.lkrn, which runs the script it receives as its initrd. UEFI: firmware -> BOOTX64.EFI,
 * which runs autoexec.ipxe from the filesystem it was loaded from. Both run the same stage-1 script.
 *
 * Files that never change for a given toolchain come first, so their LBAs - and the patched isolinux.bin - are
 * the same for every image; only the catalog, the script and the ESP differ between network ids.
 */
import { createHash } from 'node:crypto';
import { planFat, type FatPlan } from './fat.ts';
import { bootCatalog, patchBootInfoTable } from './eltorito.ts';
import { FIRST_DESCRIPTOR_BLOCK, ISO_BLOCK, planIsoVolume } from './iso9660.ts';
import { planHybrid } from './hybrid.ts';
import { makeLayout, placeAt, type Layout } from './layout.ts';

/** The toolchain files an image is made of (a Toolchain from ./toolchain satisfies this). */
export interface BootFiles {
  lkrn: Uint8Array;
  efiX64: Uint8Array;
  efiArm64: Uint8Array;
  isolinuxBin: Uint8Array;
  ldlinuxC32: Uint8Array;
  isohdpfx: Uint8Array;
  /** The toolchain's manifest: its date, and the SHA256 of every file (verified when it was loaded). */
  manifest: { sourceDateEpoch: number; files: Readonly<Record<string, { sha256: string }>> };
}

export interface BootImageOptions {
  /** Stage-1 iPXE script (from renderStage1). */
  script: string;
  /** Shown as the volume label; 16 hex digits or null. */
  networkId: string | null;
  /** Timestamp for every file and the volume; see imageTimestamp(). */
  timestamp: Date;
}

export interface BootImage {
  /** The whole hybrid image (ISO / USB stick). */
  layout: Layout;
  /** The ESP alone (for UEFI sticks and HTTP boot). */
  esp: Layout;
}

/** The stage-1 script's name in the ISO 9660 root (isolinux hands it to iPXE; image-reader.ts reads it back). */
export const STAGE1_FILE = 'AUTOEXEC.IPXE';

export const ISOLINUX_CFG = [
  '# g8boot: start iPXE, which runs autoexec.ipxe (handed over as its initrd).',
  'DEFAULT ipxe',
  'PROMPT 0',
  'LABEL ipxe',
  '  KERNEL ipxe.lkrn',
  '  INITRD autoexec.ipxe',
  '',
].join('\n');
const ISOLINUX_CFG_BYTES = Buffer.from(ISOLINUX_CFG, 'latin1');

/**
 * Timestamps make images differ run to run; reproducible builds use SOURCE_DATE_EPOCH
 * (reproducible-builds.org) and otherwise the toolchain's own date, so the same inputs give the same bytes.
 */
export function imageTimestamp(files: BootFiles, env: NodeJS.ProcessEnv = process.env): Date {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seconds = Number(fromEnv);
    if (!Number.isInteger(seconds) || seconds < 0) {
      throw new Error(`SOURCE_DATE_EPOCH must be a whole number of seconds, not ${JSON.stringify(fromEnv)}`);
    }
    return new Date(seconds * 1000);
  }
  return new Date(files.manifest.sourceDateEpoch * 1000);
}

export function planBootImage(files: BootFiles, options: BootImageOptions): BootImage {
  const script = Buffer.from(options.script, 'latin1');
  const seed = createHash('sha256')
    .update(script)
    .update(String(options.timestamp.getTime()))
    .update(toolchainDigest(files))
    .digest();

  const fat: FatPlan = planFat(
    [
      { path: 'EFI/BOOT/BOOTX64.EFI', data: files.efiX64 },
      { path: 'EFI/BOOT/BOOTAA64.EFI', data: files.efiArm64 },
      { path: 'autoexec.ipxe', data: script },
    ],
    { volumeLabel: 'G8BOOT', volumeId: seed.readUInt32LE(0), timestamp: options.timestamp },
  );
  const esp = makeLayout(fat.size, fat.segments);

  const catalog = Buffer.alloc(ISO_BLOCK);
  const volume = planIsoVolume(
    [
      // Patched below, once its LBA is known.
      { name: 'ISOLINUX.BIN', size: files.isolinuxBin.length },
      { name: 'LDLINUX.C32', data: files.ldlinuxC32 },
      { name: 'ISOLINUX.CFG', data: ISOLINUX_CFG_BYTES },
      { name: 'IPXE.LKRN', data: files.lkrn },
      { name: 'BOOT.CAT', data: catalog },
      { name: STAGE1_FILE, data: script },
      // The ESP's bytes are the FAT plan's segments, placed below.
      { name: 'ESP.IMG', size: fat.size },
    ],
    {
      volumeId: options.networkId ? `G8OS_${options.networkId.toUpperCase()}` : 'G8OS',
      timestamp: options.timestamp,
      applicationId: 'G8BOOT IPXE BOOT IMAGE',
      preparerId: 'G8BOOT',
      bootCatalogName: 'BOOT.CAT',
    },
  );
  const isolinuxLba = volume.lba.get('ISOLINUX.BIN')!;
  const espLba = volume.lba.get('ESP.IMG')!;
  bootCatalog({ lba: isolinuxLba, sectorCount: 4 }, { lba: espLba, sectorCount: fat.size / 512 }).copy(catalog);

  const hybrid = planHybrid({
    mbrCode: files.isohdpfx,
    isolinuxLba,
    espLba,
    espBytes: fat.size,
    isoBytes: volume.blocks * ISO_BLOCK,
    seed,
  });
  const layout = makeLayout(hybrid.imageBytes, [
    ...hybrid.segments,
    ...volume.segments,
    { offset: isolinuxLba * ISO_BLOCK, data: patchedIsolinux(files, isolinuxLba) },
    ...placeAt(espLba * ISO_BLOCK, fat.segments),
  ]);
  return { layout, esp };
}

const patched = new WeakMap<BootFiles, { lba: number; data: Buffer }>();
/**
 * isolinux.bin with its boot info table for a given LBA. The LBA is the same for every image built from one
 * toolchain (constant files come first), so the boot service patches it once, not per request.
 */
function patchedIsolinux(files: BootFiles, lba: number): Buffer {
  let entry = patched.get(files);
  if (entry?.lba !== lba) {
    entry = { lba, data: patchBootInfoTable(files.isolinuxBin, FIRST_DESCRIPTOR_BLOCK, lba) };
    patched.set(files, entry);
  }
  return entry.data;
}

const digests = new WeakMap<BootFiles, Buffer>();
/**
 * What identifies a toolchain (it seeds GUIDs and serials, and tags served images): a digest of the SHA256s its
 * manifest lists and its date. loadToolchain verified every file against those hashes, so the megabytes of
 * binaries need not be hashed again.
 */
export function toolchainDigest(files: BootFiles): Buffer {
  let d = digests.get(files);
  if (!d) {
    const h = createHash('sha256').update(`${files.manifest.sourceDateEpoch}\n`);
    for (const name of Object.keys(files.manifest.files).sort()) h.update(`${name} ${files.manifest.files[name]!.sha256}\n`);
    d = h.digest();
    digests.set(files, d);
  }
  return d;
}
