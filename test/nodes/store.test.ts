/**
 * The store (conf underneath, a real file in a temp directory) and the inventory on it: persistence, atomic
 * writes, a damaged file moved aside, schema versions and migrations, damaged records left out.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { NodeRecord } from '../../main/common/nodes.ts';
import { createInventory, inventoryKey } from '../../main/core/nodes/inventory.ts';
import { loadInventory } from '../../main/core/nodes/inventory-schema.ts';
import { HISTORY_LIMIT, nextRecord } from '../../main/core/nodes/records.ts';
import { createConfStore } from '../../main/core/store/index.ts';
import type { Member } from '../../main/core/zerotier/types.ts';
import { member, NWID, readyProbe } from './fixtures.ts';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'g8boot-nodes-store-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function storeIn(dir: string) {
  const lines: string[] = [];
  const store = createConfStore({ cwd: dir, log: (line) => lines.push(line) });
  return { store, lines };
}

describe('createConfStore', () => {
  test('values persist across instances, nested by dots, in <cwd>/nodes.json', () => {
    const dir = tempDir();
    const { store } = storeIn(dir);
    store.set('inventory.abc', { x: 1 });
    store.set('other', 'kept');
    expect(store.path).toBe(join(dir, 'nodes.json'));
    const again = storeIn(dir).store;
    expect(again.get('inventory.abc')).toEqual({ x: 1 });
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toEqual({ inventory: { abc: { x: 1 } }, other: 'kept' });
    again.delete('inventory.abc');
    expect(storeIn(dir).store.get('inventory.abc')).toBeUndefined();
  });

  test('writes replace the file (a new inode each time) and leave no temporary files', () => {
    const dir = tempDir();
    const { store } = storeIn(dir);
    store.set('a', 1);
    const before = statSync(store.path).ino;
    store.set('a', 2);
    expect(statSync(store.path).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['nodes.json']);
  });

  test.each([
    ['invalid JSON', '{"inventory": {"d569b5a47421c8b7": '],
    ['JSON that is not an object', '[1, 2, 3]'],
  ])('a file holding %s is moved aside with a message, and the store starts clean', (_what, content) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'nodes.json'), content);
    const { store, lines } = storeIn(dir);
    expect(store.get('inventory')).toBeUndefined();
    const aside = readdirSync(dir).filter((f) => f.startsWith('nodes.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(content);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(dir, aside[0]!));
    store.set('a', 1);
    expect(storeIn(dir).store.get('a')).toBe(1);
  });

  test('a file damaged while the program runs is moved aside on the next access', () => {
    const dir = tempDir();
    const { store, lines } = storeIn(dir);
    store.set('a', 1);
    writeFileSync(store.path, '{ torn');
    expect(store.get('a')).toBeUndefined();
    store.set('b', 2);
    expect(storeIn(dir).store.get('b')).toBe(2);
    expect(lines.join('\n')).toMatch(/could not be read \(it is not valid JSON\)/);
  });
});

describe('inventory', () => {
  test('records persist per network with the schema version, sorted by node id', async () => {
    const dir = tempDir();
    const { store } = storeIn(dir);
    const inventory = createInventory(store, NWID);
    const at = 1_700_000_000_000;
    inventory.put(nextRecord(undefined, member({ nodeId: 'ffffffffff' as Member['nodeId'] }), readyProbe(at), at));
    inventory.put(nextRecord(undefined, member(), readyProbe(at), at));
    await inventory.save();
    const stored = storeIn(dir).store.get(inventoryKey(NWID)) as { schemaVersion: number; nodes: NodeRecord[] };
    expect(stored.schemaVersion).toBe(1);
    expect(stored.nodes.map((n) => n.nodeId)).toEqual(['89e92ceee5', 'ffffffffff']);
    const reopened = createInventory(storeIn(dir).store, NWID);
    expect(reopened.list()).toEqual(inventory.list());
    expect(createInventory(storeIn(dir).store, 'd569b5a47421c8b8').list()).toEqual([]);
  });

  test('a damaged record is left out with a message; the rest load', async () => {
    const dir = tempDir();
    const { store } = storeIn(dir);
    const at = 1_700_000_000_000;
    const good = nextRecord(undefined, member(), readyProbe(at), at);
    store.set(inventoryKey(NWID), { schemaVersion: 1, nodes: [good, { ...good, nodeId: 'not-an-id' }, { ...good, nodeId: 'aaaaaaaaaa', probe: { state: 'weird' } }] });
    const lines: string[] = [];
    const inventory = createInventory(store, NWID, { log: (l) => lines.push(l) });
    expect(inventory.list()).toEqual([good]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/damaged node record/);
    // Written back clean with the next save.
    await inventory.save();
    expect((store.get(inventoryKey(NWID)) as { nodes: unknown[] }).nodes).toHaveLength(1);
  });

  test('an inventory from a newer g8boot is refused, not overwritten', () => {
    const dir = tempDir();
    const { store } = storeIn(dir);
    store.set(inventoryKey(NWID), { schemaVersion: 99, nodes: [] });
    expect(() => createInventory(store, NWID)).toThrow(expect.objectContaining({ code: 'E_INVENTORY_NEWER' }));
    expect(store.get(inventoryKey(NWID))).toEqual({ schemaVersion: 99, nodes: [] });
  });

  test('migrations run in order from the stored version', () => {
    const at = 1_700_000_000_000;
    const record = nextRecord(undefined, member(), readyProbe(at), at);
    const { vmHint: _dropped, ...v1Record } = record;
    // Two steps: v1 → v2 adds vmHint, v2 → v3 renames a field back; each sees the previous step's result.
    const steps = [
      (value: Record<string, unknown>) => ({ ...value, nodes: (value.nodes as object[]).map((n) => ({ ...n, vmHint: null, extra: 'x' })) }),
      (value: Record<string, unknown>) => ({ ...value, nodes: (value.nodes as { extra?: string }[]).map(({ extra: _e, ...n }) => n) }),
    ];
    const loaded = loadInventory({ schemaVersion: 1, nodes: [v1Record] }, 'test', steps);
    expect(loaded).toEqual({ records: [record], dropped: [], migrated: true });
    const fromV2 = loadInventory({ schemaVersion: 2, nodes: [{ ...record, extra: 'x' }] }, 'test', steps);
    expect(fromV2.records).toEqual([record]);
  });

  test('history is bounded, newest kept', () => {
    let record: NodeRecord | undefined;
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) {
      const probe = { ...readyProbe(i), state: i % 2 ? ('ready' as const) : ('timeout' as const) };
      record = nextRecord(record, member(), probe, i);
    }
    expect(record?.history).toHaveLength(HISTORY_LIMIT);
    expect(record?.history.at(-1)?.at).toBe(HISTORY_LIMIT + 19);
  });
});

describe('one writer at a time, and merges', () => {
  test('a lock left by a process that is gone is broken; a write waits for a live one', async () => {
    const dir = tempDir();
    const { store } = storeIn(dir);
    const lock = `${store.path}.lock`;
    // A pid that cannot be running (above Linux's pid_max).
    writeFileSync(lock, '99999999\n');
    store.set('a', 1);
    expect(storeIn(dir).store.get('a')).toBe(1);
    expect(readdirSync(dir)).not.toContain('nodes.json.lock');
    // Held by a live process (this one's parent): the async update waits, then goes ahead once it is gone.
    writeFileSync(lock, `${process.ppid}\n`);
    const update = store.update('b', () => 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(storeIn(dir).store.get('b')).toBeUndefined();
    rmSync(lock);
    await update;
    expect(storeIn(dir).store.get('b')).toBe(2);
    expect(readdirSync(dir)).toEqual(['nodes.json']);
  });

  test('update merges into what the file holds now; a synchronous write made meanwhile is kept', async () => {
    const dir = tempDir();
    const { store } = storeIn(dir);
    const other = storeIn(dir).store;
    other.set('policy', 'kept');
    let calls = 0;
    await store.update('inventory', (current) => {
      calls++;
      // This process writes another key while its own update is under way (the policy engine does).
      if (calls === 1) store.set('written.meanwhile', true);
      return { ...(current as object), n: calls };
    });
    expect(storeIn(dir).store.get('policy')).toBe('kept');
    expect(storeIn(dir).store.get('written.meanwhile')).toBe(true);
    expect(storeIn(dir).store.get('inventory')).toEqual({ n: 2 });
  });

  test('records changed here merge into the stored ones: trust given last, earliest sighting, both histories', async () => {
    const dir = tempDir();
    const at = 1_700_000_000_000;
    const app = createInventory(storeIn(dir).store, NWID);
    const cli = createInventory(storeIn(dir).store, NWID);
    const seen = nextRecord(undefined, member(), readyProbe(at), at);
    app.put(seen);
    await app.save();
    cli.put({ ...seen, firstSeen: at - 5000, trustedCertificate: { sha256: 'ab'.repeat(32), since: at + 10, how: 'person' } });
    await cli.save();
    // The app's next observation knows nothing of the CLI's trust: saving it must not undo it.
    app.put(nextRecord(seen, member(), { ...readyProbe(at + 20), state: 'timeout' }, at + 20));
    await app.save();
    const stored = createInventory(storeIn(dir).store, NWID).get(seen.nodeId);
    expect(stored).toMatchObject({ firstSeen: at - 5000, trustedCertificate: { sha256: 'ab'.repeat(32) }, probe: { state: 'timeout' } });
    expect(stored?.history.map((h) => h.state)).toEqual(['ready', 'timeout']);
    // And the app's own view now holds it.
    expect(app.get(seen.nodeId)?.trustedCertificate?.sha256).toBe('ab'.repeat(32));
  });
});

test('the first write into a data directory that does not exist yet takes no lock wait', () => {
  const dir = join(tempDir(), 'not', 'yet');
  const started = performance.now();
  const { store } = storeIn(dir);
  store.set('a', 1);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(storeIn(dir).store.get('a')).toBe(1);
});
