/**
 * electron-store as the core's KeyValueStore: the same files, in the same format, as the CLI's conf stores
 * (electron-store is conf underneath), in g8boot's own directories rather than Electron's userData, so the app
 * and the CLI share them (and G8BOOT_HOME moves both).
 */
import ElectronStore from 'electron-store';
import { join } from 'node:path';
import { openStoreFile, type KeyValueStore } from '../../core/store/index.ts';

export function openElectronStore(options: { name: string; cwd: string; log: (line: string) => void }): KeyValueStore {
  // The same opening as the CLI's conf stores (open-store.ts): electron-store, like conf, would throw on every
  // access to a damaged file; the CLI writes the same files, so one writer at a time, and merges for the inventory.
  return openStoreFile(join(options.cwd, `${options.name}.json`), options.log, () => {
    const store = new ElectronStore<Record<string, unknown>>({ name: options.name, cwd: options.cwd });
    return { path: store.path, get: (key) => store.get(key), set: (key, value) => store.set(key, value), delete: (key) => store.delete(key) };
  });
}
