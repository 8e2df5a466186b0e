/**
 * SHA-256 of the bytes being written, computed on a worker thread beside the write instead of in its way.
 *
 * SHA-256 runs at 550-700 MiB/s on a busy core: slower than a fast drive (a loop device, an NVMe enclosure), so
 * hashing on the write path capped the write at the hash's speed. Here the writer's buffers live in one
 * SharedArrayBuffer; the writer hands the worker a slice (offset, length) of the very buffer it passes to
 * pwrite, keeps writing, and refills that buffer only once the worker says it has hashed it. The digest is
 * still of exactly the bytes written, in image order; only the thread doing it changed.
 *
 * The worker's code is evaluated from a string (not a file beside this module): the CLI and the app are bundled
 * (dist/cli.mjs, app.asar), and a string needs no path that survives bundling.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const memory = workerData;
const hash = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.digest) return parentPort.postMessage({ id: m.id, hex: hash.digest('hex') });
  hash.update(m.bytes ?? new Uint8Array(memory, m.offset, m.length));
  parentPort.postMessage({ id: m.id });
});
`;

export interface ParallelHasher {
  /** Hash `length` bytes of the shared memory at `offset` (next in order); resolves once they were read. */
  update(offset: number, length: number): Promise<void>;
  /** Hash a private copy (next in order); the caller's buffer is free at once. */
  updateCopy(bytes: Uint8Array): Promise<void>;
  /** The hex digest of everything handed in, once all of it is hashed. */
  digest(): Promise<string>;
  /** Stop the worker (after digest, or on failure: what was not hashed is dropped). */
  close(): Promise<void>;
}

/** A SHA-256 hasher on its own thread, reading slices of `memory` (which the caller writes from). */
export function startParallelHasher(memory: SharedArrayBuffer): ParallelHasher {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: memory });
  const waiting = new Map<number, { resolve: (hex: string) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | null = null;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const { reject } of waiting.values()) reject(failure);
    waiting.clear();
  };
  worker.on('message', (m: { id: number; hex?: string }) => {
    const entry = waiting.get(m.id);
    waiting.delete(m.id);
    entry?.resolve(m.hex ?? '');
  });
  worker.on('error', (error) => failAll(new Error(`the SHA-256 worker failed: ${error.message}`)));
  worker.on('exit', () => failAll(new Error('the SHA-256 worker stopped')));
  const send = (message: Record<string, unknown>, transfer?: ArrayBuffer[]): Promise<string> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    const done = new Promise<string>((resolve, reject) => waiting.set(id, { resolve, reject }));
    worker.postMessage({ ...message, id }, transfer);
    return done;
  };
  return {
    update: (offset, length) => send({ offset, length }).then(() => {}),
    updateCopy: (bytes) => {
      const copy = new Uint8Array(bytes);
      return send({ bytes: copy }, [copy.buffer as ArrayBuffer]).then(() => {});
    },
    digest: () => send({ digest: true }),
    close: async () => {
      await worker.terminate();
    },
  };
}
