/**
 * electron-store as the core's KeyValueStore: the same files, in the same format, as the CLI's conf stores
 * (electron-store is conf underneath), in g8boot's own directories rather than Electron's userData, so the app
 * and the CLI share them (and G8BOOT_HOME moves both).
 */
import ElectronStore from 'electron-store';
import { join } from 'node:path';
import { recoveringStore, removeStrayTempFiles, setAsideIfCorrupt, sharedStore, type KeyValueStore } from '../../core/store/index.ts';

export function openElectronStore(options: { name: string; cwd: string; log: (line: string) => void }): KeyValueStore {
  // electron-store, like conf, would throw on every access to a damaged file: set it aside first (as the CLI does).
  const file = join(options.cwd, `${options.name}.json`);
  removeStrayTempFiles(file, options.log);
  setAsideIfCorrupt(file, options.log);
  const store = new ElectronStore<Record<string, unknown>>({ name: options.name, cwd: options.cwd });
  // The CLI writes the same files: one writer at a time, and merges for the inventory (shared-file.ts).
  // Damage met while the app runs (a wrong shape, the file replaced): set aside with a message, as in the CLI.
  return sharedStore(
    recoveringStore(
      {
        path: store.path,
        get: (key) => store.get(key),
        set: (key, value) => store.set(key, value),
        delete: (key) => store.delete(key),
      },
      options.log,
    ),
    options.log,
  );
}
