/** Persistence for main/core: one KeyValueStore interface, conf underneath in the CLI and the service. */
export type { KeyValueStore } from './key-value-store.ts';
export { createConfStore, type ConfStoreOptions } from './conf-store.ts';
export { removeStrayTempFiles, setAsideIfCorrupt } from './corrupt-file.ts';
export { sharedStore, updateStoreFile } from './shared-file.ts';
export { recoveringStore } from './recovering-store.ts';
