/**
 * The KeyValueStore of the CLI and the service, on conf (what electron-store runs on in the app, so both read
 * and write the same file format). conf writes atomically (write-file-atomic style: temporary file, then
 * rename); this adds what it lacks: a damaged file is moved aside with a message instead of failing every call.
 */
import { join, resolve } from 'node:path';
import Conf from 'conf';
import { g8bootDirs } from '../paths.ts';
import type { KeyValueStore } from './key-value-store.ts';
import { openStoreFile } from './open-store.ts';

export interface ConfStoreOptions {
  /** File name without `.json`. Default `nodes`. */
  name?: string | undefined;
  /** Directory. Default g8boot's data directory (G8BOOT_HOME/data in tests). */
  cwd?: string | undefined;
  /** Where messages go (a damaged file set aside). Default stderr. */
  log?: ((line: string) => void) | undefined;
}

export function createConfStore(options: ConfStoreOptions = {}): KeyValueStore {
  const log = options.log ?? ((line: string) => process.stderr.write(`g8boot: ${line}\n`));
  const name = options.name ?? 'nodes';
  const cwd = resolve(options.cwd ?? g8bootDirs().data);
  // Shared with the other processes that write the same file (the app, another CLI): one writer at a time.
  return openStoreFile(join(cwd, `${name}.json`), log, () => {
    // Compact JSON: conf's default indents with tabs, which made a large inventory half whitespace (the app's
    // electron-store may still write it indented; both read either).
    const conf = new Conf<Record<string, unknown>>({ configName: name, cwd, serialize: (value) => JSON.stringify(value) });
    return { path: conf.path, get: (key) => conf.get(key), set: (key, value) => conf.set(key, value), delete: (key) => conf.delete(key) };
  });
}
