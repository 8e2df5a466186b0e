/**
 * A disk image described as a sparse list of byte segments rather than one big buffer.
 *
 * Boot images are mostly a few large, constant files (ipxe.lkrn, ipxe.efi) plus a few kilobytes of
 * structures that depend on the network id. Describing the image as segments lets every image reference the
 * same file buffers (no copies), lets the boot service compute a new image in microseconds, and lets us
 * stream the result to disk or to an HTTP response. Bytes not covered by a segment are zero.
 */
import { open, rename, rm } from 'node:fs/promises';
import { temporaryPathBeside } from '../atomic-file.ts';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface Segment {
  /** Byte offset in the image. */
  offset: number;
  data: Uint8Array;
}

export interface Layout {
  /** Total size in bytes. */
  size: number;
  /** Sorted by offset, non-overlapping, each inside [0, size). */
  segments: Segment[];
}

/** Check the invariants; throws with the offending segment so a layout bug is caught where it is made. */
export function assertLayout(layout: Layout): void {
  let end = 0;
  for (const [i, s] of layout.segments.entries()) {
    if (!Number.isInteger(s.offset) || s.offset < end) {
      throw new Error(`layout: segment ${i} at ${s.offset} overlaps or is out of order (previous ends at ${end})`);
    }
    end = s.offset + s.data.length;
    if (end > layout.size) throw new Error(`layout: segment ${i} ends at ${end}, past the image size ${layout.size}`);
  }
}

/** Shift a sub-layout (e.g. the FAT image) to `base` inside a larger image. */
export function placeAt(base: number, segments: readonly Segment[]): Segment[] {
  return segments.map((s) => ({ offset: base + s.offset, data: s.data }));
}

/** Sort and merge-check segments gathered from several writers. */
export function makeLayout(size: number, segments: Segment[]): Layout {
  const sorted = segments.filter((s) => s.data.length > 0).sort((a, b) => a.offset - b.offset);
  const layout = { size, segments: sorted };
  assertLayout(layout);
  return layout;
}

const ZERO_CHUNK = new Uint8Array(64 * 1024);

/** The image as a sequence of chunks: segment data and runs of zeros, in order. */
export function* layoutChunks(layout: Layout, start = 0, end = layout.size): Generator<Uint8Array> {
  let pos = start;
  const zeros = function* (until: number) {
    while (pos < until) {
      const n = Math.min(ZERO_CHUNK.length, until - pos);
      yield n === ZERO_CHUNK.length ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, n);
      pos += n;
    }
  };
  for (const s of layout.segments) {
    const sEnd = s.offset + s.data.length;
    if (sEnd <= pos) continue;
    if (s.offset >= end) break;
    yield* zeros(Math.min(s.offset, end));
    const from = Math.max(pos, s.offset) - s.offset;
    const to = Math.min(sEnd, end) - s.offset;
    yield s.data.subarray(from, to);
    pos = s.offset + to;
  }
  yield* zeros(end);
}

/** Materialize the whole image (tests, small images). */
export function layoutToBuffer(layout: Layout): Buffer {
  const out = Buffer.alloc(layout.size);
  for (const s of layout.segments) out.set(s.data, s.offset);
  return out;
}

/** A readable stream of the image, optionally a byte range [start, end). */
export function layoutStream(layout: Layout, start = 0, end = layout.size): Readable {
  return Readable.from(layoutChunks(layout, start, end), { objectMode: false });
}

/**
 * Write the image to `path` atomically: into a temporary file beside it, then renamed over it. A failure
 * (disk full, permission, interrupted) leaves no partial file behind. Zero runs are written as holes
 * where the filesystem supports it (we only write segments, then set the length).
 */
export async function writeLayoutFile(layout: Layout, path: string): Promise<void> {
  const tmp = temporaryPathBeside(path);
  let handle;
  try {
    handle = await open(tmp, 'wx', 0o644);
    // Coalesce adjacent segments into one writev call each run: few syscalls, no copies.
    let i = 0;
    const segs = layout.segments;
    while (i < segs.length) {
      const first = segs[i]!;
      const buffers: Uint8Array[] = [first.data];
      let end = first.offset + first.data.length;
      i++;
      while (i < segs.length && segs[i]!.offset === end && buffers.length < 512) {
        buffers.push(segs[i]!.data);
        end += segs[i]!.data.length;
        i++;
      }
      await handle.writev(buffers as NodeJS.ArrayBufferView[], first.offset);
    }
    await handle.truncate(layout.size);
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Stream the image through a writable (e.g. an HTTP response or a device). */
export async function pipeLayout(layout: Layout, destination: NodeJS.WritableStream): Promise<void> {
  await pipeline(layoutStream(layout), destination);
}
