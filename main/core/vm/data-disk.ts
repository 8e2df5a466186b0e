/** The optional empty data disk for QEMU and xhyve: a sparse raw file, so a 20 GiB disk costs nothing until used. */
import { open } from 'node:fs/promises';
import { rethrowIfNoSpace } from './errors.ts';

export async function createSparseDisk(path: string, sizeGiB: number): Promise<void> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.truncate(sizeGiB * 1024 ** 3);
    } finally {
      await handle.close();
    }
  } catch (error) {
    rethrowIfNoSpace(error, path);
  }
}
