/** Persistence for main/core: one KeyValueStore interface, conf underneath in the CLI and the service. */
export type { KeyValueStore } from './key-value-store.ts';
export { createConfStore, type ConfStoreOptions } from './conf-store.ts';
export { openStoreFile } from './open-store.ts';
