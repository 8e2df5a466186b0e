/**
 * The one persistence interface of g8boot's core: a JSON key-value store. Keys may use dots to address nested
 * values (conf's and electron-store's convention). The CLI and the service use conf (createConfStore); the tray
 * app wraps electron-store (conf underneath, same file format) into the same interface, so main/core never
 * imports electron.
 */
export interface KeyValueStore {
  get(key: string): unknown;
  /** Writes the whole file atomically (temporary file + rename). */
  set(key: string, value: unknown): void;
  delete(key: string): void;
  /** The file behind the store, for messages. */
  readonly path: string;
}
