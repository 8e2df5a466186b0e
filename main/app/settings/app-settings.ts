/**
 * The app's settings over any KeyValueStore (electron-store in the app, conf in tests): read once, migrated and
 * validated (schema.ts), written back field by field. Values a person sends (`update`) are checked strictly and
 * refused with a message; values found in the file are reset to their defaults with a log line instead, so a
 * hand-edited file never stops the app from starting.
 */
import * as v from 'valibot';
import { InvalidInputError } from '../../common/errors.ts';
import type { Settings } from '../../common/ipc.ts';
import type { KeyValueStore } from '../../core/store/index.ts';
import {
  migrateFile,
  normalizeFile,
  SCHEMA_VERSION,
  SETTINGS_FIELDS,
  type RawSettingsFile,
  type StoredController,
  type StoredRedisCredentials,
} from './schema.ts';

/** The settings file's name (without .json), for both wrappers. */
export const SETTINGS_FILE = 'settings';

const CURRENT_KEYS = ['schemaVersion', 'settings', 'controller', 'networkId', 'redisCredentials', 'welcomed'];
/** Top-level keys of schema version 0 (see MIGRATIONS), removed once migrated. */
const LEGACY_KEYS = ['pollIntervalMs', ...Object.keys(SETTINGS_FIELDS)];
const KEYS = [...CURRENT_KEYS, ...LEGACY_KEYS];

export interface AppSettings {
  readonly path: string;
  get(): Settings;
  /** Throws InvalidInputError (E_INVALID_SETTING) naming the first bad field; nothing is saved then. */
  update(patch: unknown): Settings;
  controller(): StoredController | null;
  setController(controller: StoredController | null): void;
  networkId(): string | null;
  setNetworkId(networkId: string | null): void;
  /** core0's Redis credentials of a network, as stored (the password only as ciphertext). */
  redisCredentials(networkId: string): StoredRedisCredentials | null;
  setRedisCredentials(networkId: string, credentials: StoredRedisCredentials | null): void;
  /** The first window was shown once (it opens by itself on first run only). */
  welcomed(): boolean;
  markWelcomed(): void;
}

export function openAppSettings(store: KeyValueStore, log: (line: string) => void = () => {}): AppSettings {
  const raw: RawSettingsFile = {};
  for (const key of KEYS) {
    const value = store.get(key);
    if (value !== undefined) raw[key] = value;
  }
  const { file, from, migrated } = migrateFile(raw);
  const newer = from > SCHEMA_VERSION;
  if (newer) log(`settings: ${store.path} is from a newer g8boot (schema ${from}); using what this version understands`);
  const normalized = normalizeFile(file);
  for (const problem of normalized.problems) log(`settings: ${problem}`);
  let settings = normalized.settings;
  let controller = normalized.controller;
  let networkId = normalized.networkId;
  let redisCredentials = normalized.redisCredentials;

  /** A key with a value is written; one without (null, no networks' credentials) is removed from the file. */
  const put = (key: string, value: unknown) => (value ? store.set(key, value) : store.delete(key));
  const putRedisCredentials = () => put('redisCredentials', Object.keys(redisCredentials).length > 0 ? redisCredentials : null);

  if (migrated || (normalized.problems.length > 0 && !newer)) {
    if (migrated) log(`settings: migrated ${store.path} from schema ${from} to ${SCHEMA_VERSION}`);
    for (const key of LEGACY_KEYS) store.delete(key);
    store.set('schemaVersion', SCHEMA_VERSION);
    store.set('settings', settings);
    put('controller', controller);
    put('networkId', networkId);
    putRedisCredentials();
  }

  return {
    path: store.path,
    get: () => ({ ...settings }),
    update(patch) {
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
        throw new InvalidInputError('E_INVALID_SETTING', 'Settings must be given as an object of fields.');
      }
      const next = { ...settings } as Record<string, unknown>;
      for (const [key, value] of Object.entries(patch)) {
        const schema = (SETTINGS_FIELDS as Record<string, v.GenericSchema>)[key];
        if (!schema) throw new InvalidInputError('E_INVALID_SETTING', `There is no setting ${JSON.stringify(key)}.`);
        const result = v.safeParse(schema, value);
        if (!result.success) {
          throw new InvalidInputError('E_INVALID_SETTING', `Invalid ${key} ${JSON.stringify(value)}: ${result.issues[0].message}.`);
        }
        next[key] = result.output;
      }
      settings = next as unknown as Settings;
      store.set('settings', settings);
      if (!newer) store.set('schemaVersion', SCHEMA_VERSION);
      return { ...settings };
    },
    controller: () => controller,
    setController(value) {
      controller = value;
      put('controller', value);
    },
    networkId: () => networkId,
    setNetworkId(value) {
      networkId = value;
      put('networkId', value);
    },
    redisCredentials: (id) => redisCredentials[id] ?? null,
    setRedisCredentials(id, value) {
      const { [id]: _previous, ...others } = redisCredentials;
      redisCredentials = value ? { ...others, [id]: value } : others;
      putRedisCredentials();
    },
    welcomed: () => store.get('welcomed') === true,
    markWelcomed: () => store.set('welcomed', true),
  };
}
