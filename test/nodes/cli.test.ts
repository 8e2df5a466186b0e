/**
 * The CLI contract, run as people and scripts run it: the built `g8boot` in a child process, pointed at the
 * ZeroTier simulator by environment, with real redis-servers and hostile peers on the members' addresses.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { NODE_STATES } from '../../main/common/node-states.ts';
import { PROBE_STATES } from '../../main/common/nodes.ts';
import type { Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { BIN, ROOT, runCli } from '../helpers/cli.ts';
import { testSimulator } from '../zerotier/helpers.ts';
import { NWID } from './fixtures.ts';
import { hostile, selfSignedCertificate, startCore0Worker, startRedis, startTcpPeer, type Certificate, type Core0Worker, type Peer } from './peers.ts';

const A = { plain: '127.77.3.1', tls: '127.77.3.2', password: '127.77.3.3', silent: '127.77.3.4', closed: '127.77.3.5', http: '127.77.3.6', core0: '127.77.3.7' };
let cert: Certificate;
const peers: Peer[] = [];
let core0: Core0Worker;

beforeAll(async () => {
  cert = selfSignedCertificate();
  peers.push(
    ...(await Promise.all([
      startRedis({ address: A.plain }),
      startRedis({ address: A.tls, tls: cert }),
      startRedis({ address: A.password, password: 'jwt' }),
      startTcpPeer(A.silent, hostile.silent),
      startTcpPeer(A.http, hostile.http),
      startRedis({ address: A.core0 }),
    ])),
  );
  // A node as core0 runs it: a real redis-server, and core0 answering its command queue.
  core0 = await startCore0Worker(A.core0);
});

afterAll(async () => {
  await core0?.stop();
  await Promise.all(peers.map((p) => p.close()));
  cert?.cleanup();
});

function environment(sim: Simulator): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'g8boot-nodes-cli-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  return { G8BOOT_HOME: home, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(home, 'no-zerotier'), G8BOOT_REDIS_PASSWORD: '' };
}

/** One member per state, each on its own address. Returns node ids by the state each must land in. */
function population(sim: Simulator): Record<string, string> {
  const ids = {
    ready: sim.addNode({ authorized: true, address: A.plain, name: 'plain' }),
    readyTls: sim.addNode({ authorized: true, address: A.tls, name: 'tls' }),
    'auth-plaintext': sim.addNode({ authorized: true, address: A.password }),
    timeout: sim.addNode({ authorized: true, address: A.silent }),
    refused: sim.addNode({ authorized: true, address: A.closed }),
    'not-redis': sim.addNode({ authorized: true, address: A.http }),
    pending: sim.addNode({ address: '127.77.3.99' }),
    'no-address': sim.addNode({ name: 'waiting for its address' }),
  };
  // Authorized now, its address due in a minute (the simulator's clock): no address yet.
  sim.authorize(NWID, ids['no-address']);
  return ids;
}

describe('g8boot nodes <nwid> --json', () => {
  test('one object per member with the contract fields, each node in its state', async () => {
    const sim = await testSimulator({ addressDelayMs: 60_000 });
    const ids = population(sim);
    const run = await runCli(['nodes', NWID, '--json', '--timeout', '0.6'], { env: environment(sim) });
    expect(run.code, run.stderr).toBe(0);
    const nodes = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(nodes).toHaveLength(8);
    for (const node of nodes) {
      expect(typeof node.nodeId).toBe('string');
      expect(typeof node.name).toBe('string');
      expect(typeof node.authorized).toBe('boolean');
      expect(node.ip === null || typeof node.ip === 'string').toBe(true);
      expect(NODE_STATES).toContain(node.state);
      expect(PROBE_STATES).toContain(node.probe);
      expect(node.tls === null || typeof node.tls === 'boolean').toBe(true);
      expect(node.latencyMs === null || typeof node.latencyMs === 'number').toBe(true);
    }
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    // `state` is where the node stands (the words every face uses); `probe` what its Redis answered. The members
    // were authorized moments ago, so those whose Redis does not answer yet are starting, not failed.
    expect(byId.get(ids.ready)).toMatchObject({ name: 'plain', authorized: true, ip: A.plain, state: 'ready', probe: 'ready', tls: false, latencyMs: expect.any(Number) });
    expect(byId.get(ids.readyTls)).toMatchObject({ ip: A.tls, state: 'ready', tls: true });
    expect(byId.get(ids['auth-plaintext'])).toMatchObject({ state: 'degraded', probe: 'auth-plaintext', tls: false, latencyMs: null });
    expect(byId.get(ids.timeout)).toMatchObject({ state: 'starting', probe: 'timeout', tls: null, latencyMs: null });
    expect(byId.get(ids.refused)).toMatchObject({ state: 'starting', probe: 'refused' });
    expect(byId.get(ids['not-redis'])).toMatchObject({ state: 'degraded', probe: 'not-redis' });
    expect(byId.get(ids.pending)).toMatchObject({ authorized: false, state: 'waiting', probe: 'pending', tls: null });
    expect(byId.get(ids['no-address'])).toMatchObject({ authorized: true, ip: null, state: 'assigning', probe: 'no-address' });
  });

  test('`zt members` names every member with the word `nodes` used', async () => {
    const sim = await testSimulator({ addressDelayMs: 60_000 });
    population(sim);
    const env = environment(sim);
    const nodes = await runCli(['nodes', NWID, '--json', '--timeout', '0.6'], { env });
    expect(nodes.code, nodes.stderr).toBe(0);
    const members = await runCli(['zt', 'members', NWID, '--json'], { env });
    expect(members.code, members.stderr).toBe(0);
    const stateOf = (run: { stdout: string }) => Object.fromEntries((JSON.parse(run.stdout) as { nodeId: string; state: string }[]).map((n) => [n.nodeId, n.state]));
    expect(stateOf(members)).toEqual(stateOf(nodes));
    expect(new Set(Object.values(stateOf(nodes)))).toEqual(new Set(['ready', 'degraded', 'starting', 'waiting', 'assigning']));
  });

  test('--redis-port, a password from a file allowed over plain text, and the table', async () => {
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.password });
    const env = environment(sim);
    const file = join(env.G8BOOT_HOME!, 'jwt');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, 'jwt\n'));
    const table = await runCli(['nodes', NWID, '--redis-password-file', file, '--allow-plaintext-password'], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NODE ID\s+NAME\s+STATE\s+PROBE\s+TLS\s+LATENCY\s+IP/);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+-\\s+ready\\s+ready\\s+plain`));
    const otherPort = await runCli(['nodes', NWID, '--json', '--redis-port', '6380', '--timeout', '0.5'], { env });
    // Redis answered at this address a moment ago: nothing on the port now is a degraded node, not a starting one.
    expect((JSON.parse(otherPort.stdout) as { probe: string; state: string }[])[0]).toMatchObject({ probe: 'refused', state: 'degraded' });
  });

  test('bad input exits 2 before anything is contacted', async () => {
    const bad = await runCli(['nodes', 'not-a-network', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: { code: 'E_INVALID_NETWORK_ID' } });
    expect((await runCli(['nodes', NWID, '--redis-port', '70000'])).code).toBe(2);
    expect((await runCli(['watch', NWID, '--policy', 'sometimes'])).code).toBe(2);
    expect((await runCli(['export', NWID, '--format', 'xml'])).code).toBe(2);
  });
});

/** `g8boot watch` as a child: its stdout lines as they come, and a way to signal it. */
function watch(args: string[], env: NodeJS.ProcessEnv) {
  return spawnCli(['watch', ...args], env);
}

/** The built `g8boot` as a long-running child (watch, nodes --watch): stdout lines as they come, signals. */
function spawnCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const events = () => lines.map((l) => JSON.parse(l) as { type: string; action?: string; nodeId?: string; node?: { nodeId: string; state: string; probe: { core0Version: string | null } | null } });
  const waitFor = async (check: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${what} within ${timeoutMs} ms; stderr:\n${stderr}\nstdout:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, lines, events, exit, waitFor, stderr: () => stderr };
}

describe('g8boot watch <nwid> --json', () => {
  test('--policy auto: one JSON event per line, authorizes the node that joins, exits 0 on SIGTERM', async () => {
    const sim = await testSimulator();
    const id = sim.addNode({ address: A.plain });
    const run = watch([NWID, '--json', '--policy', 'auto', '--interval', '5'], environment(sim));
    // Node events stream out as each probe ends; the sweep's own line follows when all are in.
    await run.waitFor(() => run.events().some((e) => e.type === 'node-ready') && run.events().at(-1)?.type === 'sweep', 15_000, 'node-ready, then the sweep');
    expect(run.events().map((e) => e.type)).toEqual(['node-joined', 'policy-action', 'node-authorized', 'sweep', 'node-addressed', 'node-ready', 'sweep']);
    expect(run.events().find((e) => e.type === 'policy-action')).toMatchObject({ action: 'authorize', nodeId: id });
    expect(run.stderr()).toContain(`authorized ${id}: policy auto`);
    expect(sim.population.member(NWID, id)?.authorized).toBe(true);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  test('SIGINT during a sweep: the sweep finishes (its event is printed), then exit 0', async () => {
    const sim = await testSimulator();
    sim.addNode({ authorized: true, address: A.silent });
    const run = watch([NWID, '--json', '--timeout', '1.2'], environment(sim));
    await run.waitFor(() => run.stderr().includes('watching'), 10_000, 'start');
    await new Promise((r) => setTimeout(r, 400));
    expect(run.events().some((e) => e.type === 'sweep')).toBe(false);
    const signalled = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(Date.now() - signalled).toBeGreaterThan(300);
    expect(run.events().at(-1)).toMatchObject({ type: 'sweep', nodes: 1 });
  });
});

describe('policy actions belong to watch (and the app), never to a listing', () => {
  test('nodes after a stopped `watch --policy auto-verify` only mentions the check; the next watch finishes it with its own window', async () => {
    const sim = await testSimulator();
    // Nothing listens on its address: its Redis never answers, so auto-verify must deauthorize it in the end.
    const id = sim.addNode({ address: A.closed });
    const env = environment(sim);
    const first = watch([NWID, '--json', '--policy', 'auto-verify', '--verify-within', '0.1'], env);
    await first.waitFor(() => first.events().some((e) => e.type === 'policy-action' && e.action === 'authorize'), 15_000, 'the authorization');
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(sim.population.member(NWID, id)?.authorized).toBe(true);
    // The 6 s window ends while no watch runs.
    await new Promise((r) => setTimeout(r, 6_500));
    const listing = await runCli(['nodes', NWID, '--json', '--timeout', '0.5'], { env });
    expect(listing.code).toBe(0);
    expect(sim.population.member(NWID, id)?.authorized).toBe(true);
    expect(JSON.parse(listing.stdout)).toEqual([expect.objectContaining({ nodeId: id, authorized: true })]);
    expect(listing.stderr).toContain(`auto-verify is checking ${id}`);
    expect(listing.stderr).toContain('within 6 s of its authorization');
    expect(listing.stderr).not.toMatch(/deauthorized/);
    const table = await runCli(['nodes', NWID, '--timeout', '0.5'], { env });
    expect(table.code).toBe(0);
    expect(sim.population.member(NWID, id)?.authorized).toBe(true);
    // A watch (even one started with another window) carries the policy out, and says the window the node was given.
    const next = watch([NWID, '--json', '--policy', 'auto-verify'], env);
    await next.waitFor(() => next.events().some((e) => e.type === 'policy-action' && e.action === 'deauthorize'), 15_000, 'the deauthorization');
    expect(next.events().find((e) => e.type === 'policy-action')).toMatchObject({ nodeId: id, reason: expect.stringContaining('did not answer within 6 s') });
    expect(sim.population.member(NWID, id)?.authorized).toBe(false);
    next.child.kill('SIGTERM');
    expect(await next.exit).toBe(0);
  });
});

describe('--deep: core0 itself answers, through the built CLI (the bundle people run)', () => {
  test('nodes --deep: core0 answers core.ping on a real redis-server', async () => {
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.core0, name: 'core0' });
    const env = environment(sim);
    const run = await runCli(['nodes', NWID, '--deep', '--json', '--timeout', '1'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([expect.objectContaining({ nodeId: id, state: 'ready', probe: 'ready', core0Version: 'PONG 1.1.0-alpha-8' })]);
    const table = await runCli(['nodes', NWID, '--deep', '--timeout', '1'], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+core0\\s+ready\\s+ready\\s+plain.*PONG 1\\.1\\.0-alpha-8`));
    expect(core0.jobs.filter((job) => job.command === 'core.ping').length).toBeGreaterThanOrEqual(2);
  });

  test('watch --deep: node-ready carries what core0 answered', async () => {
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.core0 });
    const run = watch([NWID, '--json', '--deep', '--timeout', '1'], environment(sim));
    await run.waitFor(() => run.events().some((e) => e.type === 'node-ready'), 15_000, 'node-ready');
    expect(run.events().find((e) => e.type === 'node-ready')?.node).toMatchObject({ nodeId: id, state: 'ready', probe: { core0Version: 'PONG 1.1.0-alpha-8' } });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  test('nodes --watch --json --deep: one JSON array per sweep, Ctrl+C ends it with 0', async () => {
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.core0 });
    const run = spawnCli(['nodes', NWID, '--watch', '--json', '--deep', '--interval', '5', '--timeout', '1'], environment(sim));
    await run.waitFor(() => run.lines.length > 0, 15_000, 'a sweep');
    expect(JSON.parse(run.lines[0]!)).toEqual([expect.objectContaining({ nodeId: id, state: 'ready', core0Version: 'PONG 1.1.0-alpha-8' })]);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });
});

describe('nodes --watch in a terminal: the live table', () => {
  test.skipIf(!existsSync('/usr/bin/script'))('answering nodes show at once; a hanging one when its deadline ends', async () => {
    const sim = await testSimulator();
    const ready = sim.addNode({ authorized: true, address: A.plain, name: 'answers' });
    const hanging = sim.addNode({ authorized: true, address: A.silent, name: 'hangs' });
    // Established nodes (a node authorized moments ago would be probed twice while its address is new).
    for (const id of [ready, hanging]) sim.population.member(NWID, id)!.lastAuthorizedTime = Date.now() - 3_600_000;
    // util-linux `script` gives the built CLI a terminal, as a person's shell does.
    const command = [process.execPath, BIN, 'nodes', NWID, '--watch', '--timeout', '3'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...environment(sim) }, stdio: ['pipe', 'pipe', 'pipe'] });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let screen = '';
    const started = Date.now();
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const waitFor = async (pattern: RegExp, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(screen)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${screen}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return Date.now() - started;
    };
    // While the sweep waits for the hanging node, the table already shows the answering one ready.
    const partial = await waitFor(new RegExp(`checking… 1 of 2 nodes so far`), 15_000);
    expect(screen).toMatch(new RegExp(`${ready}\\s+answers\\s+ready\\s+ready`));
    const complete = await waitFor(new RegExp(`${hanging}\\s+hangs\\s+degraded\\s+timeout[\\s\\S]*2 nodes in \\d+ ms`), 15_000);
    expect(complete - partial).toBeGreaterThan(1500);
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  });
});

describe('g8boot export <nwid>', () => {
  test('blueprint to a file, csv and json to stdout, --state and --cached', async () => {
    const sim = await testSimulator();
    const ready = sim.addNode({ authorized: true, address: A.plain });
    const refused = sim.addNode({ authorized: true, address: A.closed });
    const env = environment(sim);
    const file = join(env.G8BOOT_HOME!, 'nodes.yaml');
    const blueprint = await runCli(['export', NWID, '--format', 'blueprint', '-o', file, '--timeout', '0.5'], { env });
    expect(blueprint.code, blueprint.stderr).toBe(0);
    expect(blueprint.stderr).toContain('Exported 2 nodes');
    expect(parseYaml(readFileSync(file, 'utf8'))).toEqual({
      [`node.g8os__${ready}`]: { redisAddr: A.plain, redisPort: 6379 },
      [`node.g8os__${refused}`]: { redisAddr: A.closed, redisPort: 6379 },
    });

    const csv = await runCli(['export', NWID, '--format', 'csv', '--state', 'ready', '--timeout', '0.5'], { env });
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(new RegExp(`^${ready},`));

    // The inventory as last seen, without asking anyone: the simulator is gone.
    await sim.close();
    const cached = await runCli(['export', NWID, '--format', 'json', '--cached'], { env });
    expect(cached.code, cached.stderr).toBe(0);
    expect((JSON.parse(cached.stdout) as { nodeId: string }[]).map((n) => n.nodeId).sort()).toEqual([ready, refused].sort());
  });
});
