/**
 * How every face opens a store file with a conf-family library (the CLI's conf, the app's electron-store): the
 * same steps in the same order, so the app and the CLI treat the files they share alike.
 */
import { removeStrayTempFiles, setAsideIfCorrupt } from './corrupt-file.ts';
import type { KeyValueStore } from './key-value-store.ts';
import { recoveringStore } from './recovering-store.ts';
import { sharedStore } from './shared-file.ts';

/**
 * Remove killed writes' temporary files and set a damaged `file` aside, both before `open` constructs the library
 * (conf reads the file while constructing); then damage met while running is set aside with a message
 * (recovering-store.ts), and every write holds the file's lock, with `update` for merges (shared-file.ts).
 */
export function openStoreFile(file: string, log: (line: string) => void, open: () => Omit<KeyValueStore, 'update'>): KeyValueStore {
  removeStrayTempFiles(file, log);
  setAsideIfCorrupt(file, log);
  return sharedStore(recoveringStore(open(), log), log);
}
