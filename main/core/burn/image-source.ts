/**
 * What gets written: the boot image, either laid out in memory (built on the fly for a network id) or a file
 * (`--image`, or the temporary file handed to the elevated writer). Both are read in chunks into the writer's
 * aligned buffers: nothing is copied twice.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { InvalidInputError } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';
import type { Layout } from '../boot/layout.ts';

export interface ImageSource {
  /** Size in bytes: exactly what is written and read back. */
  size: number;
  /** A name for messages ("g8os-8056c2e21c000001.img", a file path). */
  name: string;
  /** Fill `target` with the image's bytes from `position` (never past the end: the caller sizes `target`). */
  read(position: number, target: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export function layoutSource(layout: Layout, name: string): ImageSource {
  return {
    size: layout.size,
    name,
    async read(position, target) {
      const end = position + target.length;
      target.fill(0);
      for (const s of layout.segments) {
        const sEnd = s.offset + s.data.length;
        if (sEnd <= position) continue;
        if (s.offset >= end) break;
        const from = Math.max(position, s.offset);
        const to = Math.min(end, sEnd);
        target.set(s.data.subarray(from - s.offset, to - s.offset), from - position);
      }
    },
    async close() {},
  };
}

export async function fileSource(path: string): Promise<ImageSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new InvalidInputError('E_IMAGE_UNREADABLE', `Cannot read the image ${quote(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, {
      hint: 'Give an image built by `g8boot iso -o <file>`.',
      cause: error,
    });
  }
  const info = await handle.stat();
  if (!info.isFile() || info.size === 0) {
    await handle.close();
    throw new InvalidInputError('E_IMAGE_UNREADABLE', `${quote(path)} is not an image file${info.isFile() ? ' (it is empty)' : ''}.`, {
      hint: 'Give an image built by `g8boot iso -o <file>`.',
    });
  }
  return {
    size: info.size,
    name: path,
    async read(position, target) {
      let done = 0;
      while (done < target.length) {
        const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
        if (bytesRead === 0) throw new Error(`the image ${path} became shorter while it was being written`);
        done += bytesRead;
      }
    },
    close: () => handle.close(),
  };
}

/** SHA-256 of a whole source (the elevated writer checks its file is the image the UI built). */
export async function sha256OfSource(source: ImageSource, chunkBytes = 4 << 20): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(chunkBytes);
  for (let pos = 0; pos < source.size; pos += chunkBytes) {
    const view = buffer.subarray(0, Math.min(chunkBytes, source.size - pos));
    await source.read(pos, view);
    hash.update(view);
  }
  return hash.digest('hex');
}
