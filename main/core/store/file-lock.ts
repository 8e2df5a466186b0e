/**
 * One writer at a time for a store file shared by several processes (the tray app, `g8boot watch`, `g8boot
 * nodes`…): a lock file beside it, created exclusively (O_EXCL), holding the owner's pid. A lock whose owner is
 * gone (its pid no longer runs) or that is older than STALE_LOCK_MS (a frozen or foreign process) is broken.
 *
 * Within one process the lock is re-entrant for synchronous writers: a synchronous `set` that runs while this
 * process's own asynchronous update holds the lock goes ahead (waiting would block the very event loop the
 * update needs to finish); the update notices such writes (`localWrites`) and redoes its read-merge-write.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Older than this, a lock is taken to be left by a process that hung or died on another machine's clock. */
export const STALE_LOCK_MS = 10_000;
/** How long a writer waits for another process's lock before giving up. */
export const LOCK_WAIT_MS = 10_000;
const RETRY_MS = 5;

/** Locks this process holds, by lock path (async holders; sync writers pass through them). */
const held = new Map<string, Promise<void>>();
/** Synchronous writes this process made to a file, by file path: an async update compares before committing. */
const writes = new Map<string, number>();

export function localWrites(path: string): number {
  return writes.get(path) ?? 0;
}

export function countLocalWrite(path: string): void {
  writes.set(path, localWrites(path) + 1);
}

function lockPathOf(path: string): string {
  return `${path}.lock`;
}

/** Whether an existing lock is stale (its owner gone, or it is too old); a lock that vanished meanwhile is not. */
function isStale(lockPath: string, now: number): boolean {
  try {
    if (now - statSync(lockPath).mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false;
  }
}

/** One attempt: true when this process now owns the lock file. */
function tryLock(lockPath: string, madeDirectory = false): boolean {
  try {
    const fd = openSync(lockPath, 'wx', 0o600);
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !madeDirectory) {
      // The store's directory is not there yet (a first write creates it): make it, and try again.
      mkdirSync(dirname(lockPath), { recursive: true });
      return tryLock(lockPath, true);
    }
    if (code !== 'EEXIST') throw error;
    if (isStale(lockPath, Date.now())) rmSync(lockPath, { force: true });
    return false;
  }
}

function unlock(lockPath: string): void {
  rmSync(lockPath, { force: true });
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Run `work` holding the file's lock, synchronously (conf's and electron-store's `set`). Re-entrant inside a
 * lock this process holds for an async update (see above). After LOCK_WAIT_MS the write goes ahead unlocked
 * rather than fail: a store write must not be lost to a stuck lock.
 */
export function withFileLockSync<T>(path: string, work: () => T): T {
  const lockPath = lockPathOf(path);
  if (held.has(lockPath)) return work();
  const deadline = Date.now() + LOCK_WAIT_MS;
  let locked = tryLock(lockPath);
  while (!locked && Date.now() < deadline) {
    Atomics.wait(sleeper, 0, 0, RETRY_MS);
    locked = tryLock(lockPath);
  }
  try {
    return work();
  } finally {
    if (locked) unlock(lockPath);
  }
}

/** Run `work` holding the file's lock, waiting without blocking the event loop. One holder per process at a time. */
export async function withFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lockPath = lockPathOf(path);
  while (held.has(lockPath)) await held.get(lockPath);
  let release!: () => void;
  held.set(lockPath, new Promise<void>((resolve) => (release = resolve)));
  let locked = false;
  try {
    const deadline = Date.now() + LOCK_WAIT_MS;
    locked = tryLock(lockPath);
    while (!locked && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      locked = tryLock(lockPath);
    }
    return await work();
  } finally {
    if (locked) unlock(lockPath);
    held.delete(lockPath);
    release();
  }
}
