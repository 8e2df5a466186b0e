/**
 * The monitor against the ZeroTier simulator (over real HTTP, answers checked against ZeroTier's OpenAPI
 * documents) and real redis-server processes on the addresses the simulator assigns: the event story of a
 * node, each authorization policy, an API outage, restarts, the polling schedule and VM hints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { NOT_RECHECKED } from '../../main/common/node-states.ts';
import type { MonitorEvent, MonitorEventType } from '../../main/common/nodes.ts';
import { createMonitor, type MonitorOptions, type NodeMonitor } from '../../main/core/nodes/monitor.ts';
import { g8bootDirs, type G8bootDirs } from '../../main/core/paths.ts';
import { createConfStore } from '../../main/core/store/index.ts';
import type { KeyValueStore } from '../../main/core/store/key-value-store.ts';
import { recordVmStart } from '../../main/core/vm/expectations.ts';
import type { Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { centralOn, testSimulator } from '../zerotier/helpers.ts';
import { NWID } from './fixtures.ts';
import { hostile, startRedis, startTcpPeer, type Peer } from './peers.ts';

const NOBODY = '127.77.2.200';

interface Harness {
  sim: Simulator;
  monitor: NodeMonitor;
  store: KeyValueStore;
  dirs: G8bootDirs;
  events: MonitorEvent[];
  logs: string[];
  /** Types of the events since the last call (node events and policy actions). */
  take(): MonitorEventType[];
  /** Another monitor on the same store and simulator (a restart). */
  restart(options?: Partial<MonitorOptions>): NodeMonitor;
}

async function harness(options: Partial<MonitorOptions> = {}, sim?: Simulator): Promise<Harness> {
  const simulator = sim ?? (await testSimulator());
  const controller = centralOn(simulator);
  const home = mkdtempSync(join(tmpdir(), 'g8boot-nodes-monitor-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  const dirs = g8bootDirs({ G8BOOT_HOME: home });
  const store = createConfStore({ cwd: dirs.data });
  const events: MonitorEvent[] = [];
  const logs: string[] = [];
  let taken = 0;
  const make = (extra: Partial<MonitorOptions>) => {
    const monitor = createMonitor({
      controller,
      networkId: NWID,
      store,
      probe: { connectTimeoutMs: 300, timeoutMs: 400 },
      log: (line) => logs.push(line),
      vmStarts: { dirs },
      ...options,
      ...extra,
    });
    monitor.on((event) => events.push(event));
    onTestFinished(() => monitor.stop());
    return monitor;
  };
  return {
    sim: simulator,
    monitor: make({}),
    store,
    dirs,
    events,
    logs,
    take() {
      const fresh = events.slice(taken).filter((e) => e.type !== 'sweep');
      taken = events.length;
      return fresh.map((e) => e.type);
    },
    restart: (extra = {}) => make(extra),
  };
}

async function redisAt(address: string): Promise<Peer> {
  const redis = await startRedis({ address });
  onTestFinished(() => redis.close());
  return redis;
}

/** Wait (bounded) until `check` holds. */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stateOf = (h: Harness, nodeId: string) => h.monitor.nodes().find((n) => n.nodeId === nodeId)?.probe?.state;
const lifeOf = (h: Harness, nodeId: string) => h.monitor.nodes().find((n) => n.nodeId === nodeId)?.state;

describe('the story of a node: join → authorize → address → ready → lost → back → degraded', () => {
  test('manual policy: events in order, history kept, inventory persisted', async () => {
    const h = await harness();
    const redis = await redisAt('127.77.2.1');
    const node = h.sim.addNode({ address: redis.address, name: 'g8os-1' });

    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-joined']);
    expect(stateOf(h, node)).toBe('pending');
    expect(lifeOf(h, node)).toBe('waiting');

    const authorized = await h.monitor.authorize(node, true);
    expect(authorized).toMatchObject({ nodeId: node, authorized: true, ip: null, state: 'assigning' });
    expect(authorized.probe?.state).toBe('no-address');
    expect(h.take()).toEqual(['node-authorized']);
    expect(h.sim.population.member(NWID, node)?.authorized).toBe(true);

    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-addressed', 'node-ready']);
    expect(h.monitor.nodes()[0]).toMatchObject({ ip: redis.address, state: 'ready', probe: { state: 'ready', tls: false, address: redis.address } });

    h.sim.setOnline(node, false, { lastSeenAgoMs: 10 * 60_000 });
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-lost']);
    expect(h.monitor.nodes()[0]).toMatchObject({ online: false, state: 'lost' });

    h.sim.setOnline(node, true);
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-back', 'node-ready']);

    await redis.close();
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-degraded']);
    expect(stateOf(h, node)).toBe('refused');
    expect(lifeOf(h, node)).toBe('degraded');

    await h.monitor.sweepNow();
    expect(h.take()).toEqual([]);
    const record = h.monitor.nodes()[0];
    expect(record?.history.map((e) => e.state)).toEqual(['pending', 'no-address', 'ready', 'lost', 'back', 'refused']);
    expect(h.events.at(-1)).toMatchObject({ type: 'sweep', nodes: 1 });

    // A restart reads the same inventory and tells nothing twice.
    const again = h.restart();
    expect(again.nodes()).toEqual(h.monitor.nodes());
    await again.sweepNow();
    expect(h.take()).toEqual([]);
  });

  test('rename and a member deleted from the network', async () => {
    const h = await harness();
    const node = h.sim.addNode({ authorized: true, address: NOBODY });
    await h.monitor.sweepNow();
    expect((await h.monitor.rename(node, 'renamed')).name).toBe('renamed');
    expect(h.sim.population.member(NWID, node)?.name).toBe('renamed');
    h.take();
    h.sim.removeMember(NWID, node);
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-lost']);
    expect(h.monitor.nodes()).toEqual([]);
  });
});

describe('authorization policies', () => {
  test('auto authorizes every new node, says why, and does not undo a deauthorization', async () => {
    const h = await harness({ policy: 'auto' });
    const node = h.sim.addNode({ address: '127.77.2.2' });
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-joined', 'policy-action', 'node-authorized']);
    expect(h.events.find((e) => e.type === 'policy-action')).toMatchObject({ action: 'authorize', nodeId: node, reason: expect.stringContaining('policy auto') });
    expect(h.logs.join('\n')).toMatch(new RegExp(`authorized ${node}: policy auto: ${node} asked to join`));
    expect(h.sim.population.member(NWID, node)?.authorized).toBe(true);

    h.sim.deauthorize(NWID, node);
    await h.monitor.sweepNow();
    await h.monitor.sweepNow();
    expect(h.take()).toEqual([]);
    expect(h.sim.population.member(NWID, node)?.authorized).toBe(false);
    expect(stateOf(h, node)).toBe('pending');
  });

  test('manual only reports: nothing is authorized', async () => {
    const h = await harness();
    const node = h.sim.addNode();
    await h.monitor.sweepNow();
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-joined']);
    expect(h.sim.population.member(NWID, node)?.authorized).toBe(false);
    expect(h.logs).toEqual([]);
  });

  test('auto-verify keeps a node whose Redis answers', async () => {
    const h = await harness({ policy: 'auto-verify', verifyWithinMs: 60_000 });
    const redis = await redisAt('127.77.2.3');
    const node = h.sim.addNode({ address: redis.address });
    await h.monitor.sweepNow();
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-joined', 'policy-action', 'node-authorized', 'node-addressed', 'node-ready']);
    expect(h.logs.join('\n')).toContain(`policy auto-verify: ${node} verified`);
    await h.monitor.sweepNow();
    expect(h.take()).toEqual([]);
    expect(h.sim.population.member(NWID, node)?.authorized).toBe(true);
  });

  test('auto-verify deauthorizes a node whose Redis does not answer in time, says why, and does not loop', async () => {
    const h = await harness({ policy: 'auto-verify', verifyWithinMs: 300 });
    const node = h.sim.addNode({ address: NOBODY, name: 'broken' });
    await h.monitor.sweepNow();
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-joined', 'policy-action', 'node-authorized', 'node-addressed']);
    expect(h.sim.population.member(NWID, node)?.authorized).toBe(true);
    await new Promise((r) => setTimeout(r, 320));
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['policy-action']);
    const action = h.events.filter((e) => e.type === 'policy-action').at(-1);
    expect(action).toMatchObject({ action: 'deauthorize', nodeId: node });
    expect(action?.type === 'policy-action' && action.reason).toMatch(/did not answer within 0\.3 s \(last probe refused: connection refused/);
    expect(h.logs.join('\n')).toContain(`deauthorized ${node}: policy auto-verify: Redis on ${node} ("broken") did not answer`);
    expect(h.sim.population.member(NWID, node)?.authorized).toBe(false);
    expect(stateOf(h, node)).toBe('pending');

    await h.monitor.sweepNow();
    await h.monitor.sweepNow();
    expect(h.take()).toEqual([]);
  });

  test('a verification under way survives a restart', async () => {
    const h = await harness({ policy: 'auto-verify', verifyWithinMs: 300 });
    const node = h.sim.addNode({ address: NOBODY });
    await h.monitor.sweepNow();
    await h.monitor.stop();
    await new Promise((r) => setTimeout(r, 320));
    const again = h.restart();
    await again.sweepNow();
    expect(h.sim.population.member(NWID, node)?.authorized).toBe(false);
    expect(h.events.filter((e) => e.type === 'policy-action').map((e) => e.type === 'policy-action' && e.action)).toEqual(['authorize', 'deauthorize']);
  });

  test('an invalid policy or interval is refused', async () => {
    const h = await harness();
    expect(() => h.monitor.setPolicy('sometimes' as 'auto')).toThrow(expect.objectContaining({ code: 'E_INVALID_POLICY' }));
    expect(() => h.monitor.setIntervalMs(1000)).toThrow(expect.objectContaining({ code: 'E_INVALID_INTERVAL' }));
    expect(() => h.monitor.setIntervalMs(10 * 60_000)).toThrow(expect.objectContaining({ code: 'E_INVALID_INTERVAL' }));
    h.monitor.setIntervalMs(5 * 60_000);
    expect(h.monitor.status().intervalMs).toBe(5 * 60_000);
  });
});

describe('API outages', () => {
  test('sweepNow: the last known state is kept and marked stale, then recovers', async () => {
    const h = await harness();
    const node = h.sim.addNode({ authorized: true, address: NOBODY });
    await h.monitor.sweepNow();
    expect(h.take()).toEqual(['node-authorized', 'node-addressed']);
    const before = h.monitor.nodes();
    const removeFault = h.sim.faults.add({ path: `/api/v1/network/${NWID}/member`, fault: { kind: 'status', status: 500 } });
    await expect(h.monitor.sweepNow()).rejects.toMatchObject({ status: 500 });
    await expect(h.monitor.sweepNow()).rejects.toBeDefined();
    expect(h.monitor.nodes()).toEqual(before);
    expect(h.monitor.status()).toMatchObject({ stale: true, lastError: { code: expect.any(String) } });
    const stale = h.events.filter((e) => e.type === 'monitor-stale').map((e) => e.type === 'monitor-stale' && e.retryInMs);
    // The node was authorized moments ago, so the monitor polls fast (5 s): the backoff doubles from there.
    expect(stale).toEqual([10_000, 20_000]);
    removeFault();
    h.sim.setOnline(node, false, { lastSeenAgoMs: 10 * 60_000 });
    await h.monitor.sweepNow();
    expect(h.monitor.status()).toMatchObject({ stale: false, lastError: null });
    expect(h.take()).toEqual(['monitor-stale', 'monitor-stale', 'monitor-recovered', 'node-lost']);
  });

  test('running: backs off while the API fails, and carries on when it answers again', async () => {
    const h = await harness({ intervalMs: 100, timing: { minIntervalMs: 50, fastIntervalMs: 50, maxBackoffMs: 400 } });
    h.sim.addNode({ authorized: true, address: NOBODY });
    const removeFault = h.sim.faults.add({ path: `/api/v1/network/${NWID}/member`, fault: { kind: 'status', status: 503 } });
    h.monitor.start();
    await until(() => h.events.filter((e) => e.type === 'monitor-stale').length >= 3, 3000, 'three failed sweeps');
    const retries = h.events.flatMap((e) => (e.type === 'monitor-stale' ? [e.retryInMs] : []));
    expect(retries.slice(0, 3)).toEqual([200, 400, 400]);
    removeFault();
    await until(() => h.events.some((e) => e.type === 'monitor-recovered'), 2000, 'recovery');
    await until(() => h.monitor.nodes().length === 1, 2000, 'the node');
    const sweeps = h.events.filter((e) => e.type === 'sweep').length;
    await until(() => h.events.filter((e) => e.type === 'sweep').length >= sweeps + 2, 2000, 'regular sweeps again');
    expect(h.monitor.status()).toMatchObject({ running: true, stale: false });
  });
});

describe('schedule', () => {
  test('expectNode polls fast for a while, then the interval applies again', async () => {
    const h = await harness({ intervalMs: 300_000, timing: { fastIntervalMs: 60 } });
    const sweeps = () => h.events.filter((e) => e.type === 'sweep').length;
    h.monitor.start();
    await until(() => sweeps() === 1, 2000, 'the first sweep');
    await new Promise((r) => setTimeout(r, 200));
    expect(sweeps()).toBe(1);
    h.monitor.expectNode(500);
    expect(h.monitor.status().fastUntil).toBeGreaterThan(Date.now());
    await until(() => sweeps() >= 4, 2000, 'fast sweeps');
    await until(() => h.monitor.status().fastUntil === null, 2000, 'the end of the fast window');
    await new Promise((r) => setTimeout(r, 150));
    const settled = sweeps();
    await new Promise((r) => setTimeout(r, 300));
    expect(sweeps()).toBe(settled);
  });

  test('the auto policy authorizes, then polls fast until the node is ready (slow interval 5 min)', async () => {
    const sim = await testSimulator({ addressDelayMs: 300 });
    const h = await harness({ intervalMs: 300_000, policy: 'auto', timing: { fastIntervalMs: 100 } }, sim);
    const redis = await redisAt('127.77.2.30');
    h.monitor.start();
    await until(() => h.events.some((e) => e.type === 'sweep'), 2000, 'the first sweep');
    expect(h.monitor.status().fastUntil).toBeNull();
    // A node asks to join: the slow interval would find it in 5 min; a poke (as after `vm up`) finds it now.
    const node = h.sim.addNode({ address: redis.address });
    h.monitor.expectNode(300);
    await until(() => lifeOf(h, node) === 'ready', 5000, 'the node ready');
    expect(h.take()).toEqual(['node-joined', 'policy-action', 'node-authorized', 'node-addressed', 'node-ready']);
    // The policy's authorization opened a fast window of its own, well past the 300 ms poke.
    expect(h.monitor.status().fastUntil).toBeGreaterThan(Date.now() + 60_000);
  });

  test('at rest, a node that asks to join is seen by the next member-list check, not the next slow sweep', async () => {
    const h = await harness({ intervalMs: 300_000, timing: { changeCheckIntervalMs: 100 } });
    const sweeps = () => h.events.filter((e) => e.type === 'sweep').length;
    const lists = () => h.sim.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/member')).length;
    h.monitor.start();
    await until(() => sweeps() === 1, 2000, 'the first sweep');
    // Nothing changes: the list is checked, and no sweep (no probe) follows.
    const before = lists();
    await new Promise((r) => setTimeout(r, 350));
    expect(lists()).toBeGreaterThan(before);
    expect(sweeps()).toBe(1);
    const node = h.sim.addNode();
    await until(() => h.monitor.nodes().some((n) => n.nodeId === node), 1000, 'the join seen within a check');
    expect(lifeOf(h, node)).toBe('waiting');
    expect(h.take()).toContain('node-joined');
  });

  test('an authorization made elsewhere, and a node whose address is new, poll fast too', async () => {
    const h = await harness({ intervalMs: 300_000 });
    const node = h.sim.addNode({ address: NOBODY });
    await h.monitor.sweepNow();
    expect(h.monitor.status().fastUntil).toBeNull();
    // Authorized in Central's site or by another g8boot: the next sweep notices and watches closely.
    h.sim.authorize(NWID, node);
    await h.monitor.sweepNow();
    expect(lifeOf(h, node)).toBe('starting');
    expect(stateOf(h, node)).not.toBe('ready');
    expect(h.monitor.status().fastUntil).toBeGreaterThan(Date.now());
  });

  test('stop() finishes the sweep under way, and no sweep follows', async () => {
    const silent = await startTcpPeer('127.77.2.10', hostile.silent);
    onTestFinished(() => silent.close());
    const h = await harness({ intervalMs: 5000 });
    h.sim.addNode({ authorized: true, address: silent.address });
    h.monitor.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(h.events.some((e) => e.type === 'sweep')).toBe(false);
    const started = performance.now();
    await h.monitor.stop();
    expect(performance.now() - started).toBeGreaterThan(150);
    expect(h.events.filter((e) => e.type === 'sweep')).toHaveLength(1);
    expect(h.monitor.nodes()[0]?.probe?.state).toBe('timeout');
    expect(h.monitor.status().running).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.events.filter((e) => e.type === 'sweep')).toHaveLength(1);
  });

  test('a VM started by g8boot for the network: fast polling, and the node that joins gets the hint', async () => {
    const h = await harness({ intervalMs: 300_000, timing: { fastIntervalMs: 50 } });
    h.monitor.start();
    await until(() => h.events.some((e) => e.type === 'sweep'), 2000, 'the first sweep');
    const startedAt = new Date().toISOString();
    await recordVmStart({ vm: 'g8os-test', hypervisor: 'qemu', netid: NWID as never, startedAt }, h.dirs);
    await until(() => h.monitor.status().fastUntil !== null, 3000, 'fast polling after the VM start');
    const node = h.sim.addNode();
    await until(() => h.monitor.nodes().some((n) => n.nodeId === node), 2000, 'the new node');
    expect(h.monitor.nodes().find((n) => n.nodeId === node)?.vmHint).toEqual({ vm: 'g8os-test', hypervisor: 'qemu', startedAt: Date.parse(startedAt) });
    // One VM, one node: the next newcomer gets no hint.
    const other = h.sim.addNode();
    await until(() => h.monitor.nodes().some((n) => n.nodeId === other), 2000, 'the second node');
    expect(h.monitor.nodes().find((n) => n.nodeId === other)?.vmHint).toBeNull();
  });
});

describe('sweeps stream their results', () => {
  test('an answering node is ready at once; a hanging one is told when its deadline ends', async () => {
    const silent = await startTcpPeer('127.77.2.40', hostile.silent);
    onTestFinished(() => silent.close());
    const redis = await redisAt('127.77.2.41');
    const h = await harness({ probe: { connectTimeoutMs: 1500, timeoutMs: 1500 } });
    const ready = h.sim.addNode({ authorized: true, address: redis.address });
    const hanging = h.sim.addNode({ authorized: true, address: silent.address });
    const at = new Map<string, number>();
    const started = performance.now();
    h.monitor.on((event) => {
      if (event.type === 'node-ready') at.set(`ready ${event.node.nodeId}`, performance.now() - started);
      if (event.type === 'sweep-progress') at.set(`progress ${event.done}/${event.total}`, performance.now() - started);
      if (event.type === 'sweep') at.set('sweep', performance.now() - started);
    });
    await h.monitor.sweepNow();
    expect(at.get(`ready ${ready}`)).toBeLessThan(700);
    expect(at.get('sweep')).toBeGreaterThan(1400);
    // While the hanging node waits, the list already holds the answering one, and the progress says so.
    expect(at.get('progress 1/2')).toBeLessThan(700);
    expect(h.monitor.nodes().find((n) => n.nodeId === hanging)).toMatchObject({ probe: { state: 'timeout' } });
  });

  test('a node whose address is new is probed again before it is called timeout', async () => {
    // The ZeroTier path is not up yet on the first try (nothing comes back), then it carries Redis' answer.
    let connections = 0;
    const warming = await startTcpPeer('127.77.2.43', (socket) => {
      connections++;
      socket.on('error', () => undefined);
      if (connections > 1) socket.on('data', () => socket.write('+PONG\r\n'));
    });
    onTestFinished(() => warming.close());
    const h = await harness();
    // Authorized moments ago: its address is new.
    const node = h.sim.addNode({ authorized: true, address: warming.address });
    await h.monitor.sweepNow();
    expect(connections).toBe(2);
    expect(h.monitor.nodes()[0]).toMatchObject({ nodeId: node, state: 'ready', probe: { state: 'ready' } });
    // The next sweep: one probe, as for any node that answers.
    await h.monitor.sweepNow();
    expect(connections).toBe(3);
  });

  test('default cadence: the address is seen within ~1 s of its assignment, and Redis within ~1 s of answering', async () => {
    // The real journey's timing, with the default timing (fast sweeps every 5 s): the auto policy authorizes,
    // the controller assigns the address 1.2 s later, and core0's Redis starts 3 s after that (nothing listens
    // before: refused). Neither may wait for the next sweep.
    const sim = await testSimulator({ addressDelayMs: 1200 });
    const address = '127.77.2.45';
    const h = await harness({ policy: 'auto', probe: undefined, timing: {} }, sim);
    const node = h.sim.addNode({ address });
    const at = new Map<string, number>();
    h.monitor.on((event) => {
      const key = event.type === 'policy-action' ? 'authorized' : event.type;
      if (!at.has(key)) at.set(key, performance.now());
    });
    h.monitor.start();
    await until(() => at.has('node-addressed'), 6000, 'the address reported');
    const addressed = at.get('node-addressed')! - at.get('authorized')!;
    expect(addressed).toBeGreaterThanOrEqual(1000);
    expect(addressed).toBeLessThan(2600);
    await new Promise((r) => setTimeout(r, 3000));
    expect(lifeOf(h, node)).toBe('starting');
    const redis = await redisAt(address);
    const answering = performance.now();
    await until(() => lifeOf(h, node) === 'ready', 5000, 'the node ready');
    expect(performance.now() - answering).toBeLessThan(1000);
    // While it waited for its address, it was asked for alone (one member), not by listing the network every second.
    const from = h.events.find((e) => e.type === 'policy-action')!.at;
    const to = h.events.find((e) => e.type === 'node-addressed')!.at;
    const meanwhile = h.sim.requests.filter((r) => r.method === 'GET' && r.at >= from && r.at <= to);
    expect(meanwhile.filter((r) => r.path.endsWith(`/member/${node}`)).length).toBeGreaterThanOrEqual(1);
    // (Lists: at most the 2 s change check, and the sweep it starts when it sees the address too.)
    expect(meanwhile.filter((r) => r.path.endsWith('/member')).length).toBeLessThanOrEqual(2);
    expect(redis.address).toBe(address);
  });

  test("this computer's own node is marked, and never probed", async () => {
    const recording = await startTcpPeer('127.77.2.42', (socket) => socket.destroy());
    onTestFinished(() => recording.close());
    let connections = 0;
    recording.server.on('connection', () => connections++);
    const h = await harness();
    const self = h.sim.addNode({ authorized: true, address: recording.address });
    const monitor = h.restart({ thisComputer: () => self });
    await monitor.sweepNow();
    expect(monitor.nodes()[0]).toMatchObject({ nodeId: self, thisComputer: true, state: 'this-computer', probe: null });
    expect(connections).toBe(0);
  });

  test('off the network: no answer blames no node (last known state kept, marked not re-checked), and nothing is deauthorized', async () => {
    const redis = await startRedis({ address: '127.77.2.43' });
    const broken = await startTcpPeer('127.77.2.44', (socket) => socket.destroy());
    onTestFinished(() => broken.close());
    let off = false;
    const h = await harness({ policy: 'auto-verify', verifyWithinMs: 300, offNetwork: () => off });
    const ready = h.sim.addNode({ authorized: true, address: redis.address, name: 'ready' });
    await h.monitor.sweepNow();
    expect(lifeOf(h, ready)).toBe('ready');
    // A node that asks to join now is authorized by the policy; its Redis never answers as it should.
    const doubtful = h.sim.addNode({ address: broken.address, name: 'doubtful' });
    await h.monitor.sweepNow();
    await h.monitor.sweepNow();
    expect(h.sim.population.member(NWID, doubtful)?.authorized).toBe(true);
    const checked = h.monitor.nodes().find((n) => n.nodeId === ready)!.probe!.checkedAt;

    // This computer leaves the network: from here the ready node's address now swallows connections (what a
    // ZeroTier address does when this computer is off the network: no answer).
    off = true;
    await redis.close();
    const silent = await startTcpPeer(redis.address, () => undefined);
    onTestFinished(() => silent.close());
    await new Promise((r) => setTimeout(r, 320));
    await h.monitor.sweepNow();
    await h.monitor.sweepNow();
    const after = h.monitor.nodes().find((n) => n.nodeId === ready)!;
    expect(after).toMatchObject({ state: 'ready', probe: { state: 'ready', checkedAt: checked } });
    expect(after.probe!.detail.startsWith(NOT_RECHECKED)).toBe(true);
    expect(after.history.map((e) => e.state)).not.toContain('timeout');
    // Its verification is past due, but a Redis checked while this computer is off the network is no reason to deauthorize.
    expect(h.sim.population.member(NWID, doubtful)?.authorized).toBe(true);
    expect(h.events.filter((e) => e.type === 'policy-action' && e.action === 'deauthorize')).toEqual([]);
    expect(h.logs.join('\n')).toContain(`not deauthorizing ${doubtful} while this computer is not on the network`);

    // Back on the network: probed again and told as it is (here: no answer), the mark gone.
    off = false;
    await h.monitor.sweepNow();
    const back = h.monitor.nodes().find((n) => n.nodeId === ready)!;
    expect(back.probe).toMatchObject({ state: 'timeout' });
    expect(back.probe!.detail).not.toContain(NOT_RECHECKED);
    expect(back.state).toBe('degraded');
  });
});
