/**
 * Replacing a file in one step: write a temporary file beside it, then rename it over the target. Readers never
 * see half a file, and a failure (disk full, permission, interruption) leaves the old contents and no temporary
 * file behind. The temporary name is hidden and random, so concurrent writers never share one.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A hidden, unique temporary path in the same directory as `path` (so the rename stays on one filesystem). */
export function temporaryPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const temp = temporaryPathBeside(path);
  try {
    await writeFile(temp, data, options.mode === undefined ? {} : { mode: options.mode });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}
