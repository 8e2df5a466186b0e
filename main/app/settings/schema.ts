/**
 * The settings file's schema, defaults and migrations: one plain-Node module for both wrappers (electron-store
 * in the app, conf in the CLI and the tests), so the two always read and write the same format.
 *
 * The file holds top-level keys: `schemaVersion`, `settings` (what the person chooses, `Settings` in the IPC
 * contract), `controller` (how to reach ZeroTier; a Central token only ever as safeStorage ciphertext),
 * `networkId`, `redisCredentials` (per network: core0's Redis password only ever as safeStorage ciphertext, or
 * the path of a JWT file; whether plain text may carry it), plus `welcomed` (the first window was shown once).
 */
import * as v from 'valibot';
import { DEFAULT_BOOT_SERVICE_PORT } from '../../common/boot-url.ts';
import type { Settings } from '../../common/ipc.ts';
import { isNetworkId } from '../../common/validate.ts';

export const SCHEMA_VERSION = 1;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  pollIntervalSec: 30,
  policy: 'manual',
  verifyWithinMin: 5,
  redisPort: 6379,
  notifications: true,
  startAtLogin: false,
  bootServiceListen: `127.0.0.1:${DEFAULT_BOOT_SERVICE_PORT}`,
  bootServiceAutoStart: false,
});

/** addr:port with an IPv4 address, a bracketed IPv6 address or `localhost`. */
const LISTEN = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]|localhost):\d{1,5}$/;

/** One schema per field, so one bad value resets that field only. */
export const SETTINGS_FIELDS = {
  // The monitor polls ZeroTier's API: under 5 s risks Central's rate limit, over 5 min misses joins for too long.
  pollIntervalSec: v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(300)),
  policy: v.picklist(['manual', 'auto', 'auto-verify']),
  verifyWithinMin: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60)),
  redisPort: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
  notifications: v.boolean(),
  startAtLogin: v.boolean(),
  bootServiceListen: v.pipe(
    v.string(),
    v.regex(LISTEN, 'expected address:port, e.g. 127.0.0.1:8088'),
    v.check((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, 'the port is above 65535'),
  ),
  bootServiceAutoStart: v.boolean(),
} satisfies { [K in keyof Settings]: v.GenericSchema<unknown, Settings[K]> };

export const StoredControllerSchema = v.variant('kind', [
  v.object({ kind: v.literal('central'), url: v.string(), tokenCiphertext: v.pipe(v.string(), v.base64()) }),
  v.object({ kind: v.literal('local'), ztHome: v.optional(v.string()) }),
  v.object({ kind: v.literal('demo') }),
]);
export type StoredController = v.InferOutput<typeof StoredControllerSchema>;

/** A stored network id: what parseNetworkId returns (the one parser, not a second pattern). */
export const NetworkIdSchema = v.pipe(v.string(), v.check((s: string) => isNetworkId(s), 'expected a network id (16 hex digits)'));

/** One network's Redis credentials at rest: at most one of the ciphertext and the file. */
export const StoredRedisCredentialsSchema = v.pipe(
  v.object({
    passwordCiphertext: v.optional(v.pipe(v.string(), v.base64())),
    passwordFile: v.optional(v.pipe(v.string(), v.minLength(1))),
    allowPlaintext: v.boolean(),
  }),
  v.check((c) => c.passwordCiphertext === undefined || c.passwordFile === undefined, 'both a stored password and a password file'),
);
export type StoredRedisCredentials = v.InferOutput<typeof StoredRedisCredentialsSchema>;

/** A raw file's top-level keys, as read: anything. */
export type RawSettingsFile = Record<string, unknown>;

/**
 * Migration from version N (index N) to N+1. Version 0 is a file without `schemaVersion`: the early CLI wrote
 * each setting as a top-level key (conf's `set('pollIntervalSec', 30)`), and the poll interval in milliseconds.
 */
export const MIGRATIONS: ReadonlyArray<(file: RawSettingsFile) => RawSettingsFile> = [
  (file) => {
    const { pollIntervalMs, ...rest } = file;
    const settings: Record<string, unknown> = {};
    for (const key of Object.keys(DEFAULT_SETTINGS)) {
      if (key in rest) {
        settings[key] = rest[key];
        delete rest[key];
      }
    }
    if (typeof pollIntervalMs === 'number') settings.pollIntervalSec = Math.round(pollIntervalMs / 1000);
    return { ...rest, settings };
  },
];

export interface Normalized {
  settings: Settings;
  controller: StoredController | null;
  networkId: string | null;
  /** By network id. */
  redisCredentials: Record<string, StoredRedisCredentials>;
  /** What was wrong, in words, for the log: one line per reset value. */
  problems: string[];
}

/** Validate every field; invalid ones become their defaults (and a problem line). */
export function normalizeFile(file: RawSettingsFile): Normalized {
  const problems: string[] = [];
  const rawSettings = isRecord(file.settings) ? file.settings : {};
  if (file.settings !== undefined && !isRecord(file.settings)) problems.push('settings: not an object, using the defaults');
  const settings = { ...DEFAULT_SETTINGS } as Record<keyof Settings, unknown>;
  for (const [key, schema] of Object.entries(SETTINGS_FIELDS) as [keyof Settings, v.GenericSchema][]) {
    if (!(key in rawSettings)) continue;
    const result = v.safeParse(schema, rawSettings[key]);
    if (result.success) settings[key] = result.output;
    else problems.push(`settings.${key}: ${describe(rawSettings[key])} is invalid (${result.issues[0].message}), reset to ${JSON.stringify(DEFAULT_SETTINGS[key])}`);
  }
  let controller: StoredController | null = null;
  if (file.controller !== undefined && file.controller !== null) {
    const result = v.safeParse(StoredControllerSchema, file.controller);
    // Never echo the value: it may hold the token's ciphertext.
    if (result.success) controller = result.output;
    else problems.push('controller: invalid, forgotten (connect again)');
  }
  const redisCredentials: Record<string, StoredRedisCredentials> = {};
  if (file.redisCredentials !== undefined) {
    const entries = isRecord(file.redisCredentials) ? Object.entries(file.redisCredentials) : [];
    if (!isRecord(file.redisCredentials)) problems.push('redisCredentials: not an object, forgotten (set the passwords again)');
    for (const [id, value] of entries) {
      const result = v.safeParse(StoredRedisCredentialsSchema, value);
      // Never echo the value: it holds the password's ciphertext.
      if (v.is(NetworkIdSchema, id) && result.success) redisCredentials[id] = result.output;
      else problems.push(`redisCredentials: the entry for ${describe(id)} is invalid, forgotten (set its password again)`);
    }
  }
  let networkId: string | null = null;
  if (file.networkId !== undefined && file.networkId !== null) {
    if (v.is(NetworkIdSchema, file.networkId)) networkId = file.networkId;
    else problems.push(`networkId: ${describe(file.networkId)} is invalid, forgotten`);
  }
  return { settings: settings as Settings, controller, networkId, redisCredentials, problems };
}

/** Bring a file to SCHEMA_VERSION. A file from a newer g8boot is left as it is (read field by field). */
export function migrateFile(file: RawSettingsFile): { file: RawSettingsFile; from: number; migrated: boolean } {
  const raw = file.schemaVersion;
  const from = typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : 0;
  let current = file;
  for (let version = from; version < SCHEMA_VERSION; version++) current = { ...MIGRATIONS[version]!(current), schemaVersion: version + 1 };
  return { file: current, from, migrated: from < SCHEMA_VERSION };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
