/**
 * What the iPXE toolchain is made of: which Debian packages, which files inside them, and the names they get
 * in the toolchain directory. The single source for the fetcher, the loader and `toolchain status`.
 */

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** trixie's ipxe.efi runs autoexec.ipxe from its boot filesystem; bookworm's 2019 build cannot (FIELD-NOTES §5). */
export const DEFAULT_DEBIAN_SUITE = 'trixie';
/**
 * Packages indexes that list our three `Architecture: all` packages, in order of preference (paths relative
 * to dists/<suite>/). binary-amd64 comes first: the archive lists arch-all packages in every architecture's
 * index (InRelease: `No-Support-for-Architecture-all: Packages`), apt reads those and never binary-all, so
 * they are what mirrors and caching proxies keep in step with InRelease. (Seen on our build network:
 * binary-all/Packages.gz served stale, not matching InRelease, while binary-amd64 matched.) binary-all stays
 * as a fallback for partial mirrors without amd64. gzip before xz: zlib is native and 5x faster than WASM xz.
 */
export const PACKAGES_INDEXES = [
  'main/binary-amd64/Packages.gz',
  'main/binary-amd64/Packages.xz',
  'main/binary-all/Packages.gz',
  'main/binary-all/Packages.xz',
] as const;

/** The Toolchain fields that hold a binary, each mapped to its file name in the toolchain directory. */
export const TOOLCHAIN_BINARIES = {
  /** iPXE for BIOS, started by isolinux; runs the script handed over as its initrd. */
  lkrn: 'ipxe.lkrn',
  /** iPXE for x86-64 UEFI (Debian's ipxe.efi); runs autoexec.ipxe from its boot filesystem. */
  efiX64: 'ipxe-x64.efi',
  /** iPXE for arm64 UEFI. */
  efiArm64: 'ipxe-arm64.efi',
  /** The El Torito BIOS boot loader. */
  isolinuxBin: 'isolinux.bin',
  /** isolinux's core module, loaded by isolinux.bin. */
  ldlinuxC32: 'ldlinux.c32',
  /** The isohybrid MBR template (432 bytes) that lets the image boot from a USB stick. */
  isohdpfx: 'isohdpfx.bin',
} as const;
export type ToolchainBinary = keyof typeof TOOLCHAIN_BINARIES;

export interface WantedFile {
  /** Name inside the toolchain directory (may contain one `/`, for licenses/). */
  file: string;
  /** Path inside the package's data.tar, without the leading `./`. */
  path: string;
}

export interface WantedPackage {
  name: string;
  files: readonly WantedFile[];
}

/** Each package's copyright file ships beside its binaries: they are GPL. */
function license(pkg: string): WantedFile {
  return { file: `licenses/${pkg}.copyright`, path: `usr/share/doc/${pkg}/copyright` };
}

export const TOOLCHAIN_PACKAGES: readonly WantedPackage[] = [
  {
    name: 'ipxe',
    files: [
      { file: TOOLCHAIN_BINARIES.lkrn, path: 'usr/lib/ipxe/ipxe.lkrn' },
      // ipxe.efi in the package is a symlink to this file.
      { file: TOOLCHAIN_BINARIES.efiX64, path: 'usr/lib/ipxe/ipxe-amd64.efi' },
      { file: TOOLCHAIN_BINARIES.efiArm64, path: 'usr/lib/ipxe/ipxe-arm64.efi' },
      license('ipxe'),
    ],
  },
  {
    name: 'isolinux',
    files: [
      { file: TOOLCHAIN_BINARIES.isolinuxBin, path: 'usr/lib/ISOLINUX/isolinux.bin' },
      { file: TOOLCHAIN_BINARIES.isohdpfx, path: 'usr/lib/ISOLINUX/isohdpfx.bin' },
      license('isolinux'),
    ],
  },
  {
    name: 'syslinux-common',
    files: [{ file: TOOLCHAIN_BINARIES.ldlinuxC32, path: 'usr/lib/syslinux/modules/bios/ldlinux.c32' }, license('syslinux-common')],
  },
];

/** Every file of a complete toolchain, in a stable order. */
export const TOOLCHAIN_FILES: readonly string[] = TOOLCHAIN_PACKAGES.flatMap((p) => p.files.map((f) => f.file));

export const MANIFEST_FILE = 'manifest.json';

/** How to get the toolchain, for every error that says it is missing or damaged. */
export const FETCH_HINT = 'Run `npm run toolchain` in the g8boot checkout, or `g8boot toolchain fetch`.';

/** For a package that passed its SHA256 check but is not laid out as expected. */
export const BROKEN_PACKAGE_HINT =
  "The package matches the SHA256 the archive publishes, so the package itself differs from what g8boot expects; try another suite (--suite) or report it to the g8boot developers.";

/** For a mirror that serves something other than what its own indexes promise. */
export const RETRY_MIRROR_HINT =
  'The mirror may be in the middle of an update or serving damaged files; try again later or another mirror (--mirror URL or G8BOOT_DEBIAN_MIRROR).';
