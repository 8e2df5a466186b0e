/**
 * Stores recover from every state a crash or a person can leave, walked through the built CLI (`export --cached`
 * reads the inventory, `nodes` writes it): the command keeps working, the bad file is kept aside (or removed when
 * it holds nothing) and the person is told; temporary files of killed writes are removed at start.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createConfStore } from '../../main/core/store/index.ts';
import { jsonDepth } from '../../main/core/store/corrupt-file.ts';
import { runCli } from '../helpers/cli.ts';
import { testSimulator } from '../zerotier/helpers.ts';
import { NWID } from './fixtures.ts';

function home(): { home: string; data: string } {
  const dir = mkdtempSync(join(tmpdir(), 'g8boot-store-recovery-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  mkdirSync(data);
  return { home: dir, data };
}

const deep = (n: number) => `{"inventory":{"x":${'['.repeat(n)}${']'.repeat(n)}}}`;

describe('a nodes.json no command could get past', () => {
  test.each([
    ['empty', '', /it is empty/, false],
    ['whitespace only', '  \n\t\n', /it is empty/, false],
    ['an array where the inventory belongs', '{"inventory":[1,2]}', /"inventory" holds an array/, true],
    ['a number where a network belongs', `{"inventory":{"${NWID}":5}}`, /does not hold a node inventory/, null],
    ['nested 200,000 levels deep', deep(200_000), /nested 200002 levels deep/, true],
  ] as const)('%s: the command works and says what happened', async (_what, content, message, kept) => {
    const { home: h, data } = home();
    writeFileSync(join(data, 'nodes.json'), content);
    // A sweep reads the inventory and writes it back with the member it found.
    const sim = await testSimulator();
    const nodeId = sim.addNode({ authorized: false });
    const env = { G8BOOT_HOME: h, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(h, 'no-zerotier') };
    const read = await runCli(['nodes', NWID, '--json', '--timeout', '0.5'], { env });
    expect(read.code, read.stderr).toBe(0);
    expect((JSON.parse(read.stdout) as { nodeId: string }[]).map((n) => n.nodeId)).toEqual([nodeId]);
    // What it wrote is there for the next command, which has nothing to say.
    const again = await runCli(['export', NWID, '--format', 'json', '--cached'], { env: { G8BOOT_HOME: h } });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { nodeId: string }[]).map((n) => n.nodeId)).toEqual([nodeId]);
    expect(read.stderr).toMatch(message);
    expect(again.stderr).not.toMatch(/could not be read|does not hold/);
    if (kept === null) return; // a damaged value inside a sound file: replaced, the file stays
    const aside = readdirSync(data).filter((f) => f.startsWith('nodes.json.corrupt-'));
    if (kept) {
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(data, aside[0]!), 'utf8')).toBe(content);
      expect(read.stderr).toContain(aside[0]);
    } else {
      expect(aside).toEqual([]);
      expect(read.stderr).toMatch(/removed/);
    }
  });

  test.each([
    ['an array where the inventory belongs', '{"inventory":[1,2]}', /"inventory" holds an array/],
    ['a number where a network belongs', `{"inventory":{"${NWID}":5}}`, /does not hold a node inventory/],
  ] as const)('%s, met first by a command that only reads (export --cached): it says so, once', async (_what, content, message) => {
    const { home: h } = home();
    writeFileSync(join(h, 'data', 'nodes.json'), content);
    const r = await runCli(['export', NWID, '--format', 'json', '--cached'], { env: { G8BOOT_HOME: h } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr.match(new RegExp(message.source, 'g')) ?? []).toHaveLength(1);
  });

  test('a number where a network belongs: a sweep says so once, not once per read', async () => {
    const { home: h, data } = home();
    writeFileSync(join(data, 'nodes.json'), `{"inventory":{"${NWID}":5}}`);
    const sim = await testSimulator();
    sim.addNode({ authorized: false });
    const env = { G8BOOT_HOME: h, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(h, 'no-zerotier') };
    const r = await runCli(['nodes', NWID, '--timeout', '0.5'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/does not hold a node inventory/g) ?? []).toHaveLength(1);
  });

  test('a directory in the file\'s place is moved aside, with what it held', async () => {
    const { home: h, data } = home();
    mkdirSync(join(data, 'nodes.json'));
    writeFileSync(join(data, 'nodes.json', 'inside'), 'kept');
    const r = await runCli(['export', NWID, '--format', 'json', '--cached'], { env: { G8BOOT_HOME: h } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/it is a directory, not a file/);
    const aside = readdirSync(data).filter((f) => f.startsWith('nodes.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(data, aside[0]!, 'inside'), 'utf8')).toBe('kept');
  });

  test('temporary files of killed writes are removed at start; a fresh one (a write in progress) is left', async () => {
    const { home: h, data } = home();
    writeFileSync(join(data, 'nodes.json'), '{}');
    const old = new Date(Date.now() - 120_000);
    const strays = ['nodes.json.tmp-1764624000123abcdef', 'nodes.json.tmp-17646240009990a1b2c', '.nodes.json.0123456789ab.tmp'];
    for (const name of strays) {
      writeFileSync(join(data, name), 'x'.repeat(100_000));
      utimesSync(join(data, name), old, old);
    }
    writeFileSync(join(data, 'nodes.json.tmp-1764624999999ffffff'), 'in progress');
    writeFileSync(join(data, 'notes.txt'), 'not ours');
    const r = await runCli(['export', NWID, '--format', 'json', '--cached'], { env: { G8BOOT_HOME: h } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Removed 3 temporary files left by interrupted writes/);
    expect(readdirSync(data).sort()).toEqual(['nodes.json', 'nodes.json.tmp-1764624999999ffffff', 'notes.txt']);
  });
});

describe('the store while the program runs', () => {
  test('the file replaced by a directory, or by a wrong shape, mid-run: the next access recovers', () => {
    const { data } = home();
    const lines: string[] = [];
    const store = createConfStore({ cwd: data, log: (l) => lines.push(l) });
    store.set(`inventory.${NWID}`, { a: 1 });
    rmSync(store.path);
    mkdirSync(store.path);
    expect(store.get(`inventory.${NWID}`)).toBeUndefined();
    store.set(`inventory.${NWID}`, { a: 2 });
    writeFileSync(store.path, '{"inventory":[1,2]}');
    store.set(`inventory.${NWID}`, { a: 3 });
    expect(store.get(`inventory.${NWID}`)).toEqual({ a: 3 });
    expect(statSync(store.path).isFile()).toBe(true);
    expect(lines.join('\n')).toMatch(/it is a directory/);
    expect(lines.join('\n')).toMatch(/"inventory" holds an array/);
    expect(readdirSync(data).filter((f) => f.includes('.corrupt-'))).toHaveLength(2);
  });

  test('jsonDepth counts nesting without recursion and skips strings', () => {
    expect(jsonDepth('{"a":"[[[[{{{","b":[1,{"c":[]}]}')).toBe(4);
    expect(jsonDepth('"\\"[[["')).toBe(0);
    expect(jsonDepth('['.repeat(1_000_000))).toBe(1_000_000);
  });
});
