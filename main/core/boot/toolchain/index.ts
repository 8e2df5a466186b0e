/**
 * The bundled iPXE toolchain: iPXE (ipxe.lkrn, ipxe-x64.efi, ipxe-arm64.efi) and isolinux (isolinux.bin,
 * ldlinux.c32, isohdpfx.bin), fetched from Debian's archive, verified, cached and located the same way in
 * a checkout and in a packaged app.
 */
export { findToolchainDir, type FindToolchainDirOptions } from './locate.ts';
export { checkToolchain, loadToolchain, type Toolchain, type ToolchainFileStatus, type ToolchainStatus } from './load.ts';
export { fetchToolchain, type FetchProgress, type FetchToolchainOptions } from './fetch.ts';
export { userCacheDir } from './download-cache.ts';
export type { ToolchainFile, ToolchainManifest, ToolchainPackage } from './manifest.ts';
