/**
 * The compressions Debian uses for what we read (Packages indexes, data.tar inside a .deb), decoded in pure
 * JS/WASM so fetching the toolchain needs no xz or tar binary on macOS or Windows: xz via xz-decompress
 * (WASM), gzip via zlib. Inputs are a few megabytes, so whole buffers are simpler than streams.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import xz from 'xz-decompress';
import { G8bootError } from '../../../common/errors.ts';

export type Compression = 'xz' | 'gz' | 'none';

const SUFFIXES: Record<string, Compression> = { '.xz': 'xz', '.gz': 'gz', '': 'none' };

/** The compression named by `name`'s suffix after `base` (data.tar.xz → xz); undefined when not supported. */
export function compressionOf(name: string, base: string): Compression | undefined {
  return name.startsWith(base) ? SUFFIXES[name.slice(base.length)] : undefined;
}

const gunzipAsync = promisify(gunzip);

/** Decompress `data`; `what` names it in the error (e.g. "data.tar.xz in ipxe_1.21_all.deb"). */
export async function decompress(data: Uint8Array, compression: Compression, what: string): Promise<Buffer> {
  try {
    if (compression === 'none') return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (compression === 'gz') return await gunzipAsync(data);
    const input = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data);
        controller.close();
      },
    });
    const chunks: Uint8Array[] = [];
    for await (const chunk of new xz.XzReadableStream(input)) chunks.push(chunk);
    return Buffer.concat(chunks);
  } catch (error) {
    throw new G8bootError('E_TOOLCHAIN_DECOMPRESS', `${what} could not be decompressed (${compression}): ${(error as Error).message}.`, {
      // Everything we decompress has already matched the archive's SHA256: the archive itself is broken.
      hint: 'The file matches the SHA256 the archive publishes, so the archive holds a broken file; try another suite (--suite) or report it to Debian.',
    });
  }
}
