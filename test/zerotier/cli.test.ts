/** The CLI contract, run in-process against the simulator (env and flags as a person would use them). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { main } from '../../main/cli/main.ts';
import { resolveControllerConfig } from '../../main/core/zerotier/config.ts';
import { ONLINE_WINDOW_MS } from '../../main/core/zerotier/online.ts';
import type { Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { closedPort, tempDir, testSimulator } from './helpers.ts';
import { inspect } from 'node:util';
import { existsSync } from 'node:fs';
import { runCli } from '../helpers/cli.ts';

const NWID = 'd569b5a47421c8b7';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function g8boot(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'g8boot', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Point the environment at the simulator: Central by URL and token, this machine's service by ZEROTIER_HOME. */
async function useSimulator(sim: Simulator, { central = true } = {}): Promise<string> {
  const home = await tempDir();
  await sim.writeZeroTierHome(home);
  vi.stubEnv('ZEROTIER_HOME', home);
  vi.stubEnv('ZEROTIER_CENTRAL_URL', central ? sim.centralBase : undefined);
  vi.stubEnv('ZEROTIER_CENTRAL_TOKEN', central ? sim.token : undefined);
  onTestFinished(() => {
    vi.unstubAllEnvs();
  });
  return home;
}

describe('g8boot zt networks / members', () => {
  test('networks --json and as a table', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const json = await g8boot('zt', 'networks', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject([{ id: NWID, name: 'test', private: true }]);
    const table = await g8boot('zt', 'networks');
    expect(table.stdout.split('\n')[0]).toMatch(/^NETWORK\s+NAME\s+ACCESS\s+MEMBERS/);
    expect(table.stdout).toContain(`${NWID}  test`);
  });

  test('members --json: the contract fields with their types', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const ready = sim.addNode({ authorized: true, name: 'node-1' });
    const waiting = sim.addNode();
    const run = await g8boot('zt', 'members', NWID, '--json');
    expect(run.code).toBe(0);
    const members = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(members.map((m) => m.nodeId).sort()).toEqual([ready, waiting].sort());
    for (const m of members) {
      expect(typeof m.nodeId).toBe('string');
      expect(typeof m.name).toBe('string');
      expect(typeof m.authorized).toBe('boolean');
      expect(Array.isArray(m.ips)).toBe(true);
      expect(m.physicalAddress === null || typeof m.physicalAddress === 'string').toBe(true);
      expect(m.lastSeen === null || typeof m.lastSeen === 'number').toBe(true);
      expect(typeof m.online).toBe('boolean');
    }
    // The lifecycle words `nodes` and the app use: not checked by g8boot yet, and asking to join.
    expect(members.find((m) => m.nodeId === ready)).toMatchObject({ name: 'node-1', authorized: true, ips: ['10.147.17.1'], online: true, state: 'new' });
    expect(members.find((m) => m.nodeId === waiting)).toMatchObject({ authorized: false, state: 'waiting' });
    expect(run.stdout).not.toContain(sim.token);
  });

  test('members as a table shows state, online and last seen', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const waiting = sim.addNode();
    const run = await g8boot('zt', 'members', NWID);
    expect(run.stdout.split('\n')[0]).toMatch(/^NODE ID\s+NAME\s+STATE\s+ONLINE\s+LAST SEEN\s+IPS\s+PHYSICAL\s+VERSION$/);
    expect(run.stdout).toMatch(new RegExp(`${waiting}\\s+-\\s+waiting\\s+online\\s+\\d+ s ago`));
  });

  test('--controller local reads the self-hosted controller; it is also the default without a Central token', async () => {
    const sim = await testSimulator();
    await useSimulator(sim, { central: false });
    const node = sim.addNode({ authorized: true });
    const explicit = await g8boot('zt', 'members', NWID, '--json', '--controller', 'local');
    expect(JSON.parse(explicit.stdout)).toMatchObject([{ nodeId: node, authorized: true, ips: ['10.147.17.1'], online: true }]);
    const byDefault = await g8boot('zt', 'networks', '--json');
    expect(JSON.parse(byDefault.stdout)).toMatchObject([{ id: NWID }]);
    expect(sim.requests.every((r) => r.api === 'service')).toBe(true);
  });

  test('--central-token-file and --central-url', async () => {
    const sim = await testSimulator();
    await useSimulator(sim, { central: false });
    const file = join(await tempDir(), 'token');
    await writeFile(file, `${sim.token}\n`, { mode: 0o600 });
    const run = await g8boot('zt', 'networks', '--json', '--central-url', sim.centralBase, '--central-token-file', file);
    expect(run.code).toBe(0);
    expect(sim.requests.map((r) => r.api)).toEqual(['central']);
    const missing = await g8boot('zt', 'networks', '--central-url', sim.centralBase, '--central-token-file', join(file, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot read the ZeroTier Central token file');
  });
});

describe('g8boot authorize / deauthorize', () => {
  test('authorize one member, then deauthorize it', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const node = sim.addNode();
    const run = await g8boot('authorize', NWID, node);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Authorized ${node} on ${NWID}`);
    expect(sim.population.member(NWID, node)?.authorized).toBe(true);
    expect((await g8boot('deauthorize', NWID, node)).code).toBe(0);
    expect(sim.population.member(NWID, node)?.authorized).toBe(false);
  });

  test('--all-waiting authorizes every online unauthorized member, not the long-gone ones', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const waiting = [sim.addNode(), sim.addNode(), sim.addNode()];
    const gone = sim.addNode();
    sim.setOnline(gone, false, { lastSeenAgoMs: ONLINE_WINDOW_MS * 3 });
    const run = await g8boot('authorize', NWID, '--all-waiting', '--json');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { nodeId: string }[]).map((m) => m.nodeId).sort()).toEqual([...waiting].sort());
    expect(sim.population.member(NWID, gone)?.authorized).toBe(false);
  });

  test('an id that never asked to join: exit 2 and no phantom member; --force creates it authorized', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const asked = sim.addNode();
    const typo = 'abcdef0123';
    const run = await g8boot('authorize', NWID, asked, typo);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Node ${typo} never asked to join ${NWID}`);
    expect(run.stderr).toContain('Nothing was changed.');
    expect(sim.population.member(NWID, typo)).toBeUndefined();
    expect(sim.population.member(NWID, asked)?.authorized).toBe(false);
    expect((await g8boot('deauthorize', NWID, typo)).code).toBe(2);
    const forced = await g8boot('authorize', NWID, typo, '--force');
    expect(forced.code).toBe(0);
    expect(sim.population.member(NWID, typo)?.authorized).toBe(true);
  });

  test('some fail: the others are authorized, the failures reported, exit 1', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const ok = sim.addNode();
    const refused = sim.addNode();
    sim.faults.add({ method: 'POST', path: `/api/v1/network/${NWID}/member/${refused}`, fault: { kind: 'status', status: 403 } });
    const run = await g8boot('authorize', NWID, ok, refused);
    expect(run.code).toBe(1);
    expect(sim.population.member(NWID, ok)?.authorized).toBe(true);
    expect(run.stderr).toContain(`${refused}: ZeroTier Central refused this token access to member ${refused} on network ${NWID} (HTTP 403).`);
    expect(run.stderr).toContain('1 of 2 members were not authorized.');
  });
});

describe("g8boot zt status / join / leave (this machine's node)", () => {
  test('status, join --wait while someone authorizes it, leave', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const empty = await g8boot('zt', 'status');
    expect(empty.stdout).toContain('Node d569b5a474  online  ZeroTier 1.14.1');
    expect(empty.stderr).toContain('No network joined');
    setTimeout(() => sim.authorize(NWID, sim.localNodeId), 150);
    const joined = await g8boot('zt', 'join', NWID, '--wait', '--timeout', '10');
    expect(joined.code).toBe(0);
    expect(joined.stderr).toContain(`${NWID}: waiting for authorization`);
    expect(joined.stdout).toBe(`Joined ${NWID}: ready (10.147.17.1/24)\n`);
    const status = JSON.parse((await g8boot('zt', 'status', '--json')).stdout);
    expect(status).toMatchObject({ node: { address: 'd569b5a474', online: true }, networks: [{ id: NWID, status: 'OK', assignedAddresses: ['10.147.17.1/24'] }] });
    expect((await g8boot('zt', 'leave', NWID)).stdout).toBe(`Left ${NWID}.\n`);
    const again = await g8boot('zt', 'leave', NWID);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has not joined');
  });

  test('join --wait that times out: exit 1, the reason and what to do', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const run = await g8boot('zt', 'join', NWID, '--wait', '--timeout', '1');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`g8boot: Network ${NWID} was not ready after 1 s: waiting for authorization (ACCESS_DENIED).`);
    expect(run.stderr).toContain(`hint: Authorize this node: \`g8boot authorize ${NWID} d569b5a474\``);
  });

  test('no service running: exit 3 with how to start it; no token in ZEROTIER_HOME: exit 1, says so', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'authtoken.secret'), 'tok');
    await writeFile(join(root, 'zerotier-one.port'), String(await closedPort()));
    vi.stubEnv('ZEROTIER_HOME', root);
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    const stopped = await g8boot('zt', 'status');
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain('g8boot: ZeroTier One is not running');
    expect(stopped.stderr).toContain('hint: Start it with');
    vi.stubEnv('ZEROTIER_HOME', join(root, 'missing'));
    // The per-user copy is looked for in the home directory: keep the developer's own out of the test.
    vi.stubEnv('HOME', root);
    const noToken = await g8boot('zt', 'status');
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain(`No ZeroTier One token found; tried ${join(root, 'missing', 'authtoken.secret')} (not found)`);
  });
});

describe('bad input: a clear error each, exit 2, nothing sent', () => {
  test.each([
    [['zt', 'members', '123'], 'Invalid network id "123": it has 3 digits, not 16.'],
    [['zt', 'members', 'd569b5a47421c8bz'], '"z" is not a hexadecimal digit'],
    [['zt', 'join', 'xyz'], 'Invalid network id "xyz"'],
    [['zt', 'leave', ''], 'Invalid network id "": it is empty.'],
    [['authorize', NWID, 'abc'], 'Invalid node id "abc": it has 3 digits, not 10.'],
    [['deauthorize', NWID, 'd569b5a47g'], 'Invalid node id "d569b5a47g"'],
    [['authorize', NWID], 'Name the node ids to authorize, or pass --all-waiting.'],
    [['zt', 'networks', '--central-url', 'ftp://api.zerotier.com/api/v1'], 'only http and https are supported'],
    [['zt', 'networks', '--central-url', 'http://api.zerotier.com/api/v1'], 'plain http'],
    [['zt', 'networks', '--controller', 'cloud'], 'Unknown controller "cloud".'],
    [['demo', '--listen', '0.0.0.0:9994'], 'Invalid --listen "0.0.0.0:9994".'],
  ])('g8boot %j', async (args, message) => {
    const sim = await testSimulator();
    await useSimulator(sim);
    const run = await g8boot(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('hint:');
    expect(sim.requests).toEqual([]);
  });

  test('a --timeout out of range', async () => {
    const run = await g8boot('zt', 'join', NWID, '--wait', '--timeout', '0');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('g8boot: Invalid --timeout "0": expected a whole number from 1 to 86400.\n');
  });

  test('--controller central without a token: exit 2, how to configure one', async () => {
    vi.stubEnv('ZEROTIER_CENTRAL_TOKEN', undefined);
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    const run = await g8boot('zt', 'networks', '--controller', 'central', '--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: 'E_ZT_NO_CENTRAL_TOKEN', hint: expect.stringContaining('--central-token-file') } });
  });
});

describe('the token never shows', () => {
  test('a rejected token: error in words, in --json too, without the token', async () => {
    const sim = await testSimulator();
    await useSimulator(sim);
    vi.stubEnv('ZEROTIER_CENTRAL_TOKEN', 'wrongtoken0123456789');
    const run = await g8boot('zt', 'members', NWID, '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: 'E_ZT_UNAUTHORIZED' } });
    expect(run.stdout + run.stderr).not.toContain('wrongtoken0123456789');
  });

  test('the resolved configuration holds it, but neither prints nor serializes it', async () => {
    const config = await resolveControllerConfig({}, { ZEROTIER_CENTRAL_TOKEN: 'cfgtoken-abcdef' });
    expect(config).toMatchObject({ kind: 'central', baseUrl: 'https://api.zerotier.com/api/v1' });
    expect(config.kind === 'central' && config.token).toBe('cfgtoken-abcdef');
    expect(JSON.stringify(config) + inspect(config)).not.toContain('cfgtoken');
  });
});

describe('no Central token and no ZeroTier One on this computer', () => {
  // The OS's own ZeroTier home must be absent for this journey (it is on our test machines).
  test.skipIf(existsSync('/var/lib/zerotier-one'))('zt members (built CLI): exit 3, naming both ways to connect', async () => {
    const home = await tempDir();
    const env: NodeJS.ProcessEnv = { HOME: home, ZEROTIER_HOME: '', ZEROTIER_CENTRAL_TOKEN: '', G8BOOT_HOME: home };
    const run = await runCli(['zt', 'members', NWID], { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('No ZeroTier controller to ask: no ZeroTier Central API token is configured, and this computer has no ZeroTier One.');
    expect(run.stderr).toContain('ZEROTIER_CENTRAL_TOKEN');
    expect(run.stderr).toContain('g8boot zt create-network');
    expect(run.stderr).not.toContain('does not seem to be installed');
    // Asked for this computer's controller by name: the plain "not installed" answer is the right one.
    const local = await runCli(['zt', 'members', NWID, '--controller', 'local'], { env });
    expect(local.code).toBe(3);
    expect(local.stderr).toContain('ZeroTier One does not seem to be installed');
  });
});
