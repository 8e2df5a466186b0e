/**
 * Downloads kept in the user's cache directory, keyed by SHA256: fetching the same toolchain again (after
 * `git clean`, into another checkout, from the packaged app) reads the .debs from disk, offline. A cached
 * file is re-hashed on every use; one that no longer matches is discarded and downloaded again.
 *
 * The cache is an optimisation: when it cannot be written (read-only home, full disk) the fetch still works.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, posix, win32 } from 'node:path';
import { G8bootError } from '../../../common/errors.ts';
import { writeFileAtomic } from '../../atomic-file.ts';
import { RETRY_MIRROR_HINT } from './contents.ts';
import type { MirrorClient } from './mirror-http.ts';

/**
 * g8boot's per-user cache directory: `$G8BOOT_CACHE_DIR`, else the platform's convention
 * (XDG on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows).
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.G8BOOT_CACHE_DIR) return env.G8BOOT_CACHE_DIR;
  if (platform === 'win32') return win32.join(env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local'), 'g8boot', 'Cache');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', 'g8boot');
  return posix.join(env.XDG_CACHE_HOME || posix.join(home, '.cache'), 'g8boot');
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Write `data` to `path` atomically (temp file + rename), creating directories; failures are ignored. */
export async function writeCacheFile(path: string, data: Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, data);
  } catch {
    // The cache is an optimisation: the fetch goes on without it.
  }
}

export interface VerifiedDownload {
  url: string;
  /** Shown in messages and progress (e.g. "ipxe_1.21.1_all.deb"). */
  name: string;
  sha256: string;
  size: number;
  /** Where the expected hash comes from, for messages (e.g. "trixie's Packages index"). */
  listedIn: string;
}

export interface ObtainOptions {
  client: MirrorClient;
  cacheDir: string;
  /** Ignore cached copies (they are still replaced by the fresh download). */
  force?: boolean | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** The bytes of `file`, from the cache when a copy there still matches, else downloaded and checked. */
export async function obtainVerified(file: VerifiedDownload, options: ObtainOptions): Promise<Buffer> {
  const cached = join(options.cacheDir, 'sha256', file.sha256);
  if (!options.force) {
    const data = await readFile(cached).catch(() => undefined);
    if (data && data.length === file.size && sha256Hex(data) === file.sha256) return data;
    if (data) await rm(cached, { force: true }).catch(() => {});
  }
  const data = await options.client.get(file.url, { maxBytes: file.size, limitSource: `${file.listedIn} lists`, onProgress: options.onProgress });
  if (data.length !== file.size) {
    throw new G8bootError('E_TOOLCHAIN_SIZE_MISMATCH', `${file.name} from ${file.url} has ${data.length} bytes, but ${file.listedIn} lists ${file.size}.`, { hint: RETRY_MIRROR_HINT });
  }
  const actual = sha256Hex(data);
  if (actual !== file.sha256) {
    throw new G8bootError(
      'E_TOOLCHAIN_HASH_MISMATCH',
      `${file.name} from ${file.url} has SHA256 ${actual}, but ${file.listedIn} lists ${file.sha256}.`,
      { hint: RETRY_MIRROR_HINT },
    );
  }
  await writeCacheFile(cached, data);
  return data;
}
