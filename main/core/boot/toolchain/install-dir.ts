/**
 * Replacing a directory as one step: the new contents are written into a temporary directory beside the
 * target (same filesystem, so rename is atomic), then swapped in. A failure at any point leaves the previous
 * directory as it was and no temporary directory behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function replaceDirectory(target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(target);
  const tag = randomBytes(6).toString('hex');
  const tmp = join(parent, `.${basename(target)}.new-${tag}`);
  const old = join(parent, `.${basename(target)}.old-${tag}`);
  await mkdir(parent, { recursive: true });
  try {
    await mkdir(tmp);
    await fill(tmp);
    // rename() cannot replace a non-empty directory: move the old one aside first, and back on failure.
    let movedAside = false;
    try {
      await rename(target, old);
      movedAside = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      await rename(tmp, target);
    } catch (error) {
      if (movedAside) await rename(old, target);
      throw error;
    }
    if (movedAside) await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
