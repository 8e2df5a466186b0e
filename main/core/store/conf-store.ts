/**
 * The KeyValueStore of the CLI and the service, on conf (what electron-store runs on in the app, so both read
 * and write the same file format). conf writes atomically (write-file-atomic style: temporary file, then
 * rename); this adds what it lacks: a damaged file is moved aside with a message instead of failing every call.
 */
import { join, resolve } from 'node:path';
import Conf from 'conf';
import { g8bootDirs } from '../paths.ts';
import { setAsideIfCorrupt } from './corrupt-file.ts';
import type { KeyValueStore } from './key-value-store.ts';

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
  // Before conf opens it: conf reads the file while constructing when it has defaults or migrations.
  setAsideIfCorrupt(join(cwd, `${name}.json`), log);
  const conf = new Conf<Record<string, unknown>>({ configName: name, cwd });
  const { path } = conf;
  // Another process (or a person) can damage the file while this one runs: conf then throws SyntaxError on
  // every access. Set it aside once and carry on with an empty store.
  const recovering = <T>(operation: () => T): T => {
    try {
      return operation();
    } catch (error) {
      if (!(error instanceof SyntaxError) || !setAsideIfCorrupt(path, log)) throw error;
      return operation();
    }
  };
  return {
    path,
    get: (key) => recovering(() => conf.get(key)),
    set: (key, value) => recovering(() => conf.set(key, value)),
    delete: (key) => recovering(() => conf.delete(key)),
  };
}
