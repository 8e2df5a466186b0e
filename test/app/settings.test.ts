import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Conf from 'conf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAppSettings, SETTINGS_FILE } from '../../main/app/settings/app-settings.ts';
import { DEFAULT_SETTINGS, SCHEMA_VERSION } from '../../main/app/settings/schema.ts';
import { createConfStore, openStoreFile } from '../../main/core/store/index.ts';

describe('settings file', () => {
  let dir: string;
  let lines: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'g8boot-settings-'));
    lines = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const open = () => openAppSettings(createConfStore({ name: SETTINGS_FILE, cwd: dir, log: (l) => lines.push(l) }), (l) => lines.push(l));
  const file = async () => JSON.parse(await readFile(join(dir, `${SETTINGS_FILE}.json`), 'utf8')) as Record<string, unknown>;

  it('starts with the defaults and saves changes in the shared format', async () => {
    const settings = open();
    expect(settings.get()).toEqual(DEFAULT_SETTINGS);
    settings.update({ pollIntervalSec: 10, policy: 'auto' });
    settings.setNetworkId('8056c2e21c000001');
    expect(await file()).toEqual({ schemaVersion: SCHEMA_VERSION, settings: { ...DEFAULT_SETTINGS, pollIntervalSec: 10, policy: 'auto' }, networkId: '8056c2e21c000001' });
    // conf (what electron-store runs on) reads the same file with the same keys.
    const conf = new Conf<Record<string, unknown>>({ configName: SETTINGS_FILE, cwd: dir });
    expect(conf.get('settings')).toMatchObject({ pollIntervalSec: 10 });
    expect(open().get().policy).toBe('auto');
  });

  it('migrates a version-0 file (flat keys, poll interval in ms) to the current schema', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${SETTINGS_FILE}.json`), JSON.stringify({ pollIntervalMs: 60_000, redisPort: 6380, notifications: false, networkId: '8056c2e21c000001' }));
    const settings = open();
    expect(settings.get()).toEqual({ ...DEFAULT_SETTINGS, pollIntervalSec: 60, redisPort: 6380, notifications: false });
    expect(settings.networkId()).toBe('8056c2e21c000001');
    expect(await file()).toEqual({ schemaVersion: 1, settings: { ...DEFAULT_SETTINGS, pollIntervalSec: 60, redisPort: 6380, notifications: false }, networkId: '8056c2e21c000001' });
    expect(lines.some((l) => l.includes('migrated') && l.includes('from schema 0 to 1'))).toBe(true);
  });

  it('resets invalid values to their defaults, one by one, with a log line', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, `${SETTINGS_FILE}.json`),
      JSON.stringify({ schemaVersion: 1, settings: { pollIntervalSec: 1, policy: 'yolo', redisPort: 6390, bootServiceListen: 'nowhere' }, controller: { kind: 'central', url: 'x' }, networkId: 'zz' }),
    );
    const settings = open();
    expect(settings.get()).toEqual({ ...DEFAULT_SETTINGS, redisPort: 6390 });
    expect(settings.controller()).toBeNull();
    expect(settings.networkId()).toBeNull();
    expect(lines.filter((l) => l.startsWith('settings: settings.'))).toHaveLength(3);
    expect(lines).toContain('settings: settings.pollIntervalSec: 1 is invalid (Invalid value: Expected >=5 but received 1), reset to 30');
    expect((await file()).settings).toEqual({ ...DEFAULT_SETTINGS, redisPort: 6390 });
  });

  it('refuses invalid values a person sends, saving nothing', () => {
    const settings = open();
    expect(() => settings.update({ pollIntervalSec: 2 })).toThrow(/Invalid pollIntervalSec 2/);
    expect(() => settings.update({ bootServiceListen: '127.0.0.1:99999' })).toThrow(/port is above 65535/);
    expect(() => settings.update({ colour: 'red' })).toThrow(/no setting "colour"/);
    expect(() => settings.update({ redisPort: 7000, policy: 'never' })).toThrow();
    expect(settings.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('leaves a newer schema version alone and reads what it understands', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${SETTINGS_FILE}.json`), JSON.stringify({ schemaVersion: 7, settings: { redisPort: 6400, future: true } }));
    expect(open().get().redisPort).toBe(6400);
    expect((await file()).schemaVersion).toBe(7);
    expect(lines.some((l) => l.includes('from a newer g8boot (schema 7)'))).toBe(true);
  });
});

describe("the app's stores (electron-store = conf underneath) recover from damage met while the app runs", () => {
  it('an inventory under a value of the wrong shape: set aside with a message, the write goes through', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'g8boot-app-store-'));
    try {
      const lines: string[] = [];
      // What openElectronStore builds (openStoreFile), over conf instead of electron-store (which needs Electron's binary).
      const store = openStoreFile(join(dir, 'nodes.json'), (l) => lines.push(l), () => {
        const conf = new Conf<Record<string, unknown>>({ configName: 'nodes', cwd: dir });
        return { path: conf.path, get: (k) => conf.get(k), set: (k, v) => conf.set(k, v), delete: (k) => conf.delete(k) };
      });
      await writeFile(store.path, '{"inventory":[1,2]}');
      store.set('inventory.8056c2e21c000001', { schemaVersion: 1, nodes: [] });
      expect(JSON.parse(await readFile(store.path, 'utf8'))).toEqual({ inventory: { '8056c2e21c000001': { schemaVersion: 1, nodes: [] } } });
      expect(lines.join('\n')).toMatch(/"inventory" holds an array where an object belongs\); it was moved to .*nodes\.json\.corrupt-/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
