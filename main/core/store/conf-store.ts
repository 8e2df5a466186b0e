/**
 * The KeyValueStore of the CLI and the service, on conf (what electron-store runs on in the app, so both read
 * and write the same file format). conf writes atomically (write-file-atomic style: temporary file, then
 * rename); this adds what it lacks: a damaged file is moved aside with a message instead of failing every call.
 */
import { join, resolve } from 'node:path';
import Conf from 'conf';
import { g8bootDirs } from '../paths.ts';
import { removeStrayTempFiles, setAside, setAsideIfCorrupt } from './corrupt-file.ts';
import type { KeyValueStore } from './key-value-store.ts';
import { sharedStore } from './shared-file.ts';

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
  const file = join(cwd, `${name}.json`);
  // Before conf opens it: conf reads the file while constructing when it has defaults or migrations.
  removeStrayTempFiles(file, log);
  setAsideIfCorrupt(file, log);
  // Compact JSON: conf's default indents with tabs, which made a large inventory half whitespace (the app's
  // electron-store may still write it indented; both read either).
  const conf = new Conf<Record<string, unknown>>({ configName: name, cwd, serialize: (value) => JSON.stringify(value) });
  const { path } = conf;
  /** A value on the way to `key` that is not an object (`{"inventory":[1,2]}`): conf cannot set below it. */
  const wrongShape = (key: string): string | null => {
    const parts = key.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      const value = conf.get(prefix);
      if (value === undefined) return null;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return `"${prefix}" holds ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`} where an object belongs`;
      }
    }
    return null;
  };
  // Another process (or a person) can damage the file while this one runs: conf then throws on every access
  // (SyntaxError, EISDIR, a stack overflow writing back absurdly deep JSON, TypeError below a value of the wrong
  // shape). Set it aside once and carry on with an empty store; anything else is a real error.
  const recovering = <T>(key: string, operation: () => T): T => {
    try {
      return operation();
    } catch (error) {
      if (setAsideIfCorrupt(path, log)) return operation();
      const shape = error instanceof TypeError ? wrongShape(key) : null;
      if (shape === null) throw error;
      setAside(path, shape, true, log);
      return operation();
    }
  };
  // Shared with the other processes that write the same file (the app, another CLI): one writer at a time.
  return sharedStore(
    {
      path,
      // A read below a value of the wrong shape does not throw (conf answers undefined): without this check a
      // command that only reads (`export --cached`) showed an empty inventory without a word.
      get: (key) =>
        recovering(key, () => {
          const value = conf.get(key);
          if (value !== undefined) return value;
          const shape = wrongShape(key);
          if (shape === null) return value;
          setAside(path, shape, true, log);
          return conf.get(key);
        }),
      set: (key, value) => recovering(key, () => conf.set(key, value)),
      delete: (key) => recovering(key, () => conf.delete(key)),
    },
    log,
  );
}
