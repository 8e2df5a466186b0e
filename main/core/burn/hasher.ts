/**
 * SHA-256 of the bytes being written, computed on a worker thread beside the write instead of in its way.
 *
 * SHA-256 runs at 550-700 MiB/s on a busy core: slower than a fast drive (a loop device, an NVMe enclosure), so
 * hashing on the write path capped the write at the hash's speed. Here the writer's buffers live in one
 * SharedArrayBuffer; the writer hands the worker a slice (offset, length) of the very buffer it passes to
 * pwrite, keeps writing, and refills that buffer only once the worker says it has hashed it. The digest is
 * still of exactly the bytes written, in image order; only the thread doing it changed.
 *
 * A thread takes 40-90 ms to boot on a busy machine, during which the writer would stall once its buffers are
 * full; so one worker is kept per process (idle, it does not hold the process open) and can be booted ahead of
 * time with prewarmHasher() (the CLI does so while it asks for confirmation).
 *
 * The worker's code is evaluated from a string (not a file beside this module): the CLI and the app are bundled
 * (dist/cli.mjs, app.asar), and a string needs no path that survives bundling.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let memory = null;
let hash = null;
parentPort.on('message', (m) => {
  if (m.begin) {
    memory = m.begin;
    hash = createHash('sha256');
  } else if (m.digest) {
    return parentPort.postMessage({ id: m.id, hex: hash.digest('hex') });
  } else {
    hash.update(m.bytes ?? new Uint8Array(memory, m.offset, m.length));
  }
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
  /** End this hash (after digest, or on failure: what was not hashed is dropped); the worker is kept for the next. */
  close(): Promise<void>;
}

class HashWorker {
  readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly waiting = new Map<number, { resolve: (hex: string) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  failure: Error | null = null;
  busy = false;
  constructor() {
    this.worker.on('message', (m: { id: number; hex?: string }) => {
      const entry = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      entry?.resolve(m.hex ?? '');
    });
    this.worker.on('error', (error) => this.fail(new Error(`the SHA-256 worker failed: ${error.message}`)));
    this.worker.on('exit', () => this.fail(new Error('the SHA-256 worker stopped')));
    // Idle, it must not hold the process open (after the listeners: adding a 'message' listener refs it again).
    this.worker.unref();
  }
  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.waiting.values()) reject(this.failure);
    this.waiting.clear();
    if (spare === this) spare = null;
  }
  send(message: Record<string, unknown>, transfer?: ArrayBuffer[]): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const done = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.worker.postMessage({ ...message, id }, transfer);
    return done;
  }
}

let spare: HashWorker | null = null;

/** Boot the worker now, so the first write does not wait for it. */
export function prewarmHasher(): void {
  spare ??= new HashWorker();
}

/** A SHA-256 hasher on its own thread, reading slices of `memory` (which the caller writes from). */
export function startParallelHasher(memory: SharedArrayBuffer): ParallelHasher {
  // One hash at a time per worker: a second write in the same process gets a worker of its own.
  const hw = spare && !spare.busy && !spare.failure ? spare : new HashWorker();
  spare ??= hw;
  hw.busy = true;
  hw.worker.ref(); // awaiting its answers must keep the process alive
  const begun = hw.send({ begin: memory });
  begun.catch(() => {});
  return {
    update: (offset, length) => hw.send({ offset, length }).then(() => {}),
    updateCopy: (bytes) => {
      const copy = new Uint8Array(bytes);
      return hw.send({ bytes: copy }, [copy.buffer as ArrayBuffer]).then(() => {});
    },
    digest: () => hw.send({ digest: true }),
    close: async () => {
      hw.busy = false;
      if (hw === spare && !hw.failure) {
        hw.worker.unref();
        return;
      }
      await hw.worker.terminate();
    },
  };
}
