/**
 * A store file several processes write (the tray app and the CLI share nodes.json): every write holds the
 * file's lock (file-lock.ts), and `update` changes one value the way a merge needs, asynchronously:
 *
 *   lock → read what the file holds NOW (another process may have written since we last looked) → let the
 *   caller merge its change into that value → write a temporary file → rename it over the store → unlock.
 *
 * Nothing written by another process between our read and our write is lost (it holds the lock meanwhile),
 * and the reading, serializing and writing happen off the synchronous path (the app's main thread stays free;
 * only the final rename is synchronous, so that no synchronous write of this process slips in between).
 * The format is conf's (tab-indented JSON), so conf and electron-store read what this writes.
 */
import { renameSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { temporaryPathBeside } from '../atomic-file.ts';
import { setAside, setAsideIfCorrupt, wrongShapeOnTheWayTo } from './corrupt-file.ts';
import { countLocalWrite, localWrites, withFileLock, withFileLockSync } from './file-lock.ts';
import type { KeyValueStore } from './key-value-store.ts';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function valueAt(data: Json, key: string): unknown {
  let at: unknown = data;
  for (const part of key.split('.')) {
    if (!isObject(at)) return undefined;
    at = at[part];
  }
  return at;
}

function withValueAt(data: Json, key: string, value: unknown): void {
  const parts = key.split('.');
  let at = data;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(at[part])) at[part] = {};
    at = at[part] as Json;
  }
  const last = parts.at(-1)!;
  if (value === undefined) delete at[last];
  else at[last] = value;
}

/** What the file holds now; a damaged file is set aside (corrupt-file.ts) and counts as empty. */
async function readStore(path: string, log: (line: string) => void): Promise<Json> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    setAsideIfCorrupt(path, log);
    return {};
  }
  try {
    const value: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
    if (isObject(value)) return value;
  } catch {
    // Damaged: set aside below.
  }
  setAsideIfCorrupt(path, log);
  return {};
}

/** Attempts before an update commits even though this process wrote the file synchronously meanwhile. */
const MAX_ATTEMPTS = 5;

export async function updateStoreFile(path: string, key: string, change: (current: unknown) => unknown, log: (line: string) => void): Promise<void> {
  // The store's directory is made by taking the lock (file-lock.ts creates it for a first write).
  await withFileLock(path, async () => {
    for (let attempt = 1; ; attempt++) {
      const seen = localWrites(path);
      let data = await readStore(path, log);
      // The same rule as conf-store's: a file whose shape no write can get past is set aside, whole, and replaced.
      const shape = wrongShapeOnTheWayTo(key, (prefix) => valueAt(data, prefix));
      if (shape !== null) {
        setAside(path, shape, true, log);
        data = {};
      }
      withValueAt(data, key, change(valueAt(data, key)));
      const temp = temporaryPathBeside(path);
      try {
        await writeFile(temp, JSON.stringify(data, undefined, '\t'));
        // A synchronous write of this process landed meanwhile (it passes our own lock): read and merge again.
        if (localWrites(path) !== seen && attempt < MAX_ATTEMPTS) {
          await rm(temp, { force: true });
          continue;
        }
        renameSync(temp, path);
        return;
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        throw error;
      }
    }
  });
}

/**
 * `base` (conf or electron-store on `base.path`) with every synchronous write under the file's lock, and
 * `update` for merges. What `base.get` reads is always the file as it is now (conf re-reads it on each access).
 */
export function sharedStore(base: Omit<KeyValueStore, 'update'>, log: (line: string) => void): KeyValueStore {
  const { path } = base;
  const locked = (write: () => void) =>
    withFileLockSync(path, () => {
      write();
      countLocalWrite(path);
    });
  return {
    path,
    get: (key) => base.get(key),
    set: (key, value) => locked(() => base.set(key, value)),
    delete: (key) => locked(() => base.delete(key)),
    update: (key, change) => updateStoreFile(path, key, change, log),
  };
}
