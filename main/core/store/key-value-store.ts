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
  /**
   * Change one value by merging into what the file holds now (another process may have written it since this
   * one last read), under the file's lock, asynchronously (shared-file.ts). `change` gets the current value
   * (undefined when none) and returns the value to store (undefined removes it).
   */
  update(key: string, change: (current: unknown) => unknown): Promise<void>;
  /** The file behind the store, for messages. */
  readonly path: string;
}
