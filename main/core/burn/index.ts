/**
 * Writing a boot image to a stick, for every face (CLI, tray app): check the drive, then write it here when
 * this process may (root), or through the elevated writer process when it may not (the UI stays unprivileged).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BurnProgress, BurnResult, DriveView } from '../../common/burn.ts';
import { writeLayoutFile, type Layout } from '../boot/layout.ts';
import { sha256OfLayout } from '../boot/boot-media.ts';
import { driveForDevice, refuseUnlessWritable, thisHost, type DriveHost } from './drives.ts';
import { runElevatedWriter, type WriterProgram } from './elevate.ts';
import { fileSource, layoutSource, sha256OfSource, type ImageSource } from './image-source.ts';
import { prewarmHasher } from './hasher.ts';
import { burnImage } from './writer.ts';

export { listDrives, driveForDevice, refuseUnlessWritable, thisHost, type DriveHost } from './drives.ts';
export { BurnError } from './burn-error.ts';

export type BurnImage = { kind: 'layout'; layout: Layout; name: string } | { kind: 'file'; path: string };

/** Open the image and check the drive can take it (exit 2 with the reason when it cannot; nothing changed). */
export async function checkBurn(device: string, image: BurnImage, host: DriveHost = thisHost()): Promise<{ drive: DriveView; source: ImageSource }> {
  const source = image.kind === 'layout' ? layoutSource(image.layout, image.name) : await fileSource(image.path);
  try {
    const drive = await driveForDevice(device, host);
    refuseUnlessWritable(drive, source.size);
    // This process will write: boot the hashing thread now (while the person confirms), not during the write.
    if (!needsElevation(host.platform)) prewarmHasher();
    return { drive, source };
  } catch (error) {
    await source.close();
    throw error;
  }
}

export interface BurnRequest {
  drive: DriveView;
  image: BurnImage;
  source: ImageSource;
  eject: boolean;
  onProgress?: (progress: BurnProgress) => void;
  signal?: AbortSignal | undefined;
  host?: DriveHost;
  /** How to start the elevated writer when this process is not root. */
  writer: WriterProgram;
  /** `auto`: elevate when not root (default). */
  elevate?: 'auto' | 'never' | 'always';
}

export function needsElevation(platform: NodeJS.Platform, mode: BurnRequest['elevate'] = 'auto'): boolean {
  if (mode !== 'auto') return mode === 'always';
  if (platform === 'win32') return true;
  return typeof process.getuid === 'function' && process.getuid() !== 0;
}

export async function burn(request: BurnRequest): Promise<BurnResult> {
  const host = request.host ?? thisHost();
  if (!needsElevation(host.platform, request.elevate)) {
    try {
      return await burnImage({ drive: request.drive, image: request.source, platform: host.platform, run: host.run, eject: request.eject, onProgress: request.onProgress, signal: request.signal });
    } finally {
      await request.source.close();
    }
  }
  // The writer reads the image from a file: the one given, or the built image saved in a private directory.
  let dir: string | null = null;
  try {
    let imagePath: string;
    let sha256: string;
    if (request.image.kind === 'file') {
      imagePath = request.image.path;
      sha256 = await sha256OfSource(request.source);
    } else {
      dir = await mkdtemp(join(tmpdir(), 'g8boot-burn-'));
      imagePath = join(dir, request.image.name);
      await writeLayoutFile(request.image.layout, imagePath);
      sha256 = sha256OfLayout(request.image.layout);
    }
    return await runElevatedWriter({
      platform: host.platform,
      program: request.writer,
      request: { device: request.drive.device, imagePath, sha256, eject: request.eject },
      onProgress: request.onProgress,
      signal: request.signal,
    });
  } finally {
    await request.source.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
