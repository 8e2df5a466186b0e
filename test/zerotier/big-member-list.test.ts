/**
 * A member list as large as the body cap allows (~200,000 small members in 7.7 MiB), through the built CLI:
 * `zt members` prints it as a table and as JSON (it overflowed the stack printing the table), and names and
 * descriptions are cut to what a person can read before anything stores them. Memory is measured in
 * bench/members-memory.bench.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { testSimulator } from './helpers.ts';

const NWID = 'd569b5a47421c8b7';

describe('a member list of 200,000 members', () => {
  test('zt members prints it as a table and as JSON; long labels are cut', async () => {
    const sim = await testSimulator({ checkSpec: false });
    const list: Record<string, unknown>[] = Array.from({ length: 200_000 }, (_, i) => ({ nodeId: (0x1000000000 + i).toString(16), config: {} }));
    list[0] = { ...list[0], name: 'n'.repeat(100_000), description: 'd'.repeat(100_000) };
    sim.faults.add({ method: 'GET', path: `/api/v1/network/${NWID}/member`, fault: { kind: 'status', status: 200, body: list } });
    const home = mkdtempSync(join(tmpdir(), 'g8boot-big-list-'));
    onTestFinished(() => rmSync(home, { recursive: true, force: true }));
    const env = { G8BOOT_HOME: home, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(home, 'none') };

    const table = await runCli(['zt', 'members', NWID], { env, timeoutMs: 120_000 });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(200_001);

    const json = await runCli(['zt', 'members', NWID, '--json'], { env, timeoutMs: 120_000 });
    expect(json.code, json.stderr).toBe(0);
    const members = JSON.parse(json.stdout) as { nodeId: string; name: string; description: string }[];
    expect(members).toHaveLength(200_000);
    expect(members[0]!.name).toHaveLength(255);
    expect(members[0]!.name.endsWith('…')).toBe(true);
    expect(members[0]!.description).toHaveLength(255);
    // The streamed JSON is exactly what JSON.stringify(value, null, 2) gives.
    expect(json.stdout).toBe(`${JSON.stringify(members, null, 2)}\n`);
  }, 240_000);
});
