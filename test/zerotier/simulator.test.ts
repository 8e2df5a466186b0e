/** The simulator itself, over plain HTTP: what later tests and demo mode rely on. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { startDemo } from '../../main/core/zerotier/simulator/demo.ts';
import { ONLINE_WINDOW_MS } from '../../main/core/zerotier/online.ts';
import { tempDir, testSimulator } from './helpers.ts';

const NWID = 'd569b5a47421c8b7';

async function central(sim: Simulator, path: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${sim.centralBase}${path}`, { ...init, headers: { authorization: `token ${sim.token}`, ...init.headers } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function local(sim: Simulator, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}${path}`, { ...init, headers: { 'x-zt1-auth': sim.localToken, ...init.headers } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('population', () => {
  test('a node that asks to join appears unauthorized, with its physical address and a fresh lastSeen', async () => {
    const sim = await testSimulator();
    const node = sim.addNode({ physicalAddress: '192.0.2.44', name: 'fresh' });
    const { body } = await central(sim, `/network/${NWID}/member/${node}`);
    expect(body).toMatchObject({ nodeId: node, name: 'fresh', physicalAddress: '192.0.2.44', config: { authorized: false, ipAssignments: [] } });
    expect(Math.abs(body.lastSeen - sim.now())).toBeLessThan(1000);
    expect(body.clock).toBeGreaterThanOrEqual(body.lastSeen);
  });

  test('after authorization the address arrives from the pool once the delay has passed', async () => {
    const sim = await testSimulator({ addressDelayMs: 5000 });
    const first = sim.addNode();
    const second = sim.addNode({ address: '127.0.9.9' });
    sim.authorize(NWID, first);
    sim.authorize(NWID, second);
    expect((await central(sim, `/network/${NWID}/member/${first}`)).body.config.ipAssignments).toEqual([]);
    // Real time passes too (a few ms): stop short of the delay by more than that.
    sim.advance(4900);
    expect((await central(sim, `/network/${NWID}/member/${first}`)).body.config.ipAssignments).toEqual([]);
    sim.advance(100);
    expect((await central(sim, `/network/${NWID}/member/${first}`)).body.config.ipAssignments).toEqual(['10.147.17.1']);
    expect((await central(sim, `/network/${NWID}/member/${second}`)).body.config.ipAssignments).toEqual(['127.0.9.9']);
  });

  test('the delay also runs in real time, without advance()', async () => {
    const sim = await testSimulator({ addressDelayMs: 80 });
    const node = sim.addNode();
    sim.authorize(NWID, node);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await central(sim, `/network/${NWID}/member/${node}`)).body.config.ipAssignments).toEqual(['10.147.17.1']);
  });

  test('a 127.x pool, for real services on the assigned addresses', async () => {
    const sim = await testSimulator({ networks: [{ id: NWID, subnet: '127.77.0.0/24', pool: { start: '127.77.0.10', end: '127.77.0.11' } }] });
    const nodes = [sim.addNode({ authorized: true }), sim.addNode({ authorized: true }), sim.addNode({ authorized: true })];
    const ips = await Promise.all(nodes.map(async (n) => (await central(sim, `/network/${NWID}/member/${n}`)).body.config.ipAssignments));
    // The pool holds two: the third waits for an address, as on a real full pool.
    expect(ips).toEqual([['127.77.0.10'], ['127.77.0.11'], []]);
  });

  test('a node goes quiet (lastSeen ages) and comes back (fresh again)', async () => {
    const sim = await testSimulator();
    const node = sim.addNode({ authorized: true });
    sim.setOnline(node, false);
    const quietAt = (await central(sim, `/network/${NWID}/member/${node}`)).body.lastSeen;
    sim.advance(ONLINE_WINDOW_MS * 2);
    const aged = (await central(sim, `/network/${NWID}/member/${node}`)).body;
    expect(aged.lastSeen).toBe(quietAt);
    expect(aged.clock - aged.lastSeen).toBeGreaterThan(ONLINE_WINDOW_MS);
    sim.setOnline(node, true);
    const back = (await central(sim, `/network/${NWID}/member/${node}`)).body;
    expect(back.clock - back.lastSeen).toBeLessThan(1000);
    expect((await local(sim, '/peer')).body.map((p: { address: string }) => p.address)).toEqual([node]);
  });

  test("this machine's node: join asks for the config, is denied until authorized, then is OK with an address", async () => {
    const sim = await testSimulator({ configDelayMs: 1000, addressDelayMs: 2000 });
    expect((await local(sim, `/network/${NWID}`, { method: 'POST', body: '{}' })).body.status).toBe('REQUESTING_CONFIGURATION');
    sim.advance(1000);
    expect((await local(sim, `/network/${NWID}`)).body.status).toBe('ACCESS_DENIED');
    const member = (await central(sim, `/network/${NWID}/member/${sim.localNodeId}`)).body;
    expect(member.config.authorized).toBe(false);
    sim.authorize(NWID, sim.localNodeId);
    sim.advance(2000);
    expect((await local(sim, `/network/${NWID}`)).body).toMatchObject({ status: 'OK', assignedAddresses: ['10.147.17.1/24'], name: 'test' });
    expect((await local(sim, `/network/${NWID}`, { method: 'DELETE' })).body).toEqual({ result: true });
    expect((await local(sim, '/network')).body).toEqual([]);
  });
});

describe('HTTP surface', () => {
  test('auth: Central wants `Authorization: token`, the service X-ZT1-Auth; /health needs nothing', async () => {
    const sim = await testSimulator();
    expect((await fetch(`${sim.centralBase}/network`)).status).toBe(401);
    expect((await central(sim, '/network', { headers: { authorization: 'token nope' } })).status).toBe(401);
    expect((await central(sim, '/network', { headers: { authorization: `bearer ${sim.token}` } })).status).toBe(200);
    expect((await fetch(`${sim.url}/status`)).status).toBe(401);
    expect(await (await fetch(`${sim.url}/status`, { headers: { 'x-zt1-auth': 'nope' } })).json()).toEqual({});
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    expect(sim.requests.map((r) => r.auth)).toEqual(['missing', 'rejected', 'ok', 'missing', 'rejected', 'not-needed']);
  });

  test("Central's 20 requests/s: beyond 20 in one second, 429 with the rate-limit headers", async () => {
    const sim = await testSimulator({ centralRequestsPerSecond: 20 });
    // Start just after a second boundary so most requests fall in one window.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    const answers = await Promise.all(Array.from({ length: 40 }, () => central(sim, '/network')));
    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    const windows = new Set(answers.map((a) => a.headers.get('x-ratelimit-reset')));
    expect(accepted.length + refused.length).toBe(40);
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(20 * windows.size);
    for (const answer of refused) {
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.headers.get('x-ratelimit-limit')).toBe('20');
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Math.abs(Number(answer.headers.get('x-ratelimit-reset')) - Date.now() / 1000)).toBeLessThan(3);
    }
  });

  test('faults apply per route and method, for a number of requests, in order', async () => {
    const sim = await testSimulator();
    const remove = sim.faults.add({ method: 'GET', path: '/api/v1/network/*', times: 2, fault: { kind: 'status', status: 502, body: { message: 'bad gateway' } } });
    expect((await central(sim, '/network')).status).toBe(200);
    expect((await central(sim, `/network/${NWID}`)).status).toBe(502);
    expect((await central(sim, `/network/${NWID}`)).status).toBe(502);
    expect((await central(sim, `/network/${NWID}`)).status).toBe(200);
    sim.faults.add({ path: /^\/api\/v1\/network$/, fault: { kind: 'status', status: 500 } });
    expect((await central(sim, '/network')).status).toBe(500);
    remove();
    sim.faults.clear();
    expect((await central(sim, '/network')).status).toBe(200);
    expect(sim.requests.map((r) => r.fault)).toEqual([null, 'status', 'status', null, 'status', null]);
  });

  test('zerotier-one versions: 1.16 has no controller, 1.12.0 lists members as an array of maps', async () => {
    const v116 = await testSimulator({ version: '1.16.0' });
    expect((await local(v116, '/controller')).status).toBe(404);
    expect((await local(v116, '/status')).body.version).toBe('1.16.0');
    const v112 = await testSimulator({ version: '1.12.0', checkSpec: false });
    const node = v112.addNode();
    expect((await local(v112, `/controller/network/${NWID}/member`)).body).toEqual([{ [node]: 1 }]);
    expect((await local(v112, `/unstable/controller/network/${NWID}/member`)).status).toBe(404);
  });

  test('writeZeroTierHome: a token only its owner can read, and the port', async () => {
    const sim = await testSimulator();
    const dir = await tempDir();
    await sim.writeZeroTierHome(dir);
    expect(await readFile(join(dir, 'authtoken.secret'), 'utf8')).toBe(sim.localToken);
    expect((await stat(join(dir, 'authtoken.secret'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'zerotier-one.port'), 'utf8')).toBe(String(sim.port));
  });
});

describe('demo mode', () => {
  test('a scripted population and the environment that points the CLI at it; stop() cleans up', async () => {
    const demo = await startDemo({ joinEveryMs: 30, flapEveryMs: 1000, maxNodes: 6, redisPort: { preferred: 0 }, simulator: { addressDelayMs: 0 } });
    try {
      expect(demo.env).toEqual({ ZEROTIER_CENTRAL_URL: demo.simulator.centralBase, ZEROTIER_CENTRAL_TOKEN: demo.simulator.token, ZEROTIER_HOME: demo.home });
      expect(await readFile(join(demo.home, 'zerotier-one.port'), 'utf8')).toBe(String(demo.simulator.port));
      const members = () => demo.simulator.population.members(demo.networkId);
      expect(members().filter((m) => m.authorized)).toHaveLength(3);
      const deadline = Date.now() + 2000;
      while (members().length < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(members()).toHaveLength(6);
      expect(members().filter((m) => !m.authorized).length).toBeGreaterThanOrEqual(3);
    } finally {
      await demo.stop();
    }
    await expect(stat(demo.home)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
