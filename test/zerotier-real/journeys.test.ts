/**
 * The ZeroTier journeys against a real zerotier-one 1.14.1 and its controller, offline in network namespaces
 * (network.ts): the controller node is "this computer" and g8boot runs inside its namespace, as a person runs it
 * on their own machine; members are other computers, one with a redis-server on its ZeroTier address standing in
 * for core0's. Every step goes through the built CLI. One network serves the whole file (starting nodes and
 * waiting for ZeroTier's own delays is what costs time), so the tests run in order and build on each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_RECHECKED } from '../../main/common/node-states.ts';
import { startZeroTierNetwork, waitUntilReachable, zeroTierOneAvailability, type WatchEvent, type ZtNetworkHarness, type ZtNode } from './network.ts';

const availability = zeroTierOneAvailability();
if ('skip' in availability) process.stderr.write(`test/zerotier-real skipped: ${availability.skip}\n`);

interface NodeJson {
  nodeId: string;
  authorized: boolean;
  ip: string | null;
  state: string | null;
  probe: string | null;
  detail: string | null;
}

describe.skipIf('skip' in availability)('real zerotier-one: this computer runs the controller, members in their own namespaces', () => {
  let net: ZtNetworkHarness;
  let here: ZtNode;
  let m1: ZtNode;
  let m2: ZtNode;
  let m3: ZtNode;
  let m4: ZtNode;
  let nwid = '';
  const addresses = new Map<string, string>();
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    if (!('binary' in availability)) return;
    net = await startZeroTierNetwork(availability.binary, 4);
    here = net.controller;
    [m1, m2, m3, m4] = net.members as [ZtNode, ZtNode, ZtNode, ZtNode];
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
    await net?.stop();
  }, 60_000);

  it('zt status shows this computer\'s node; zt create-network makes the lab network on its controller', async () => {
    const status = await net.runCliIn(here, ['zt', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`Node ${here.id}`);
    expect(status.stdout).toContain('ZeroTier 1.14.1');
    expect(status.stderr).toContain('No network joined; join one with `g8boot zt join <nwid>`.');

    const created = await net.runCliIn(here, ['zt', 'create-network', '--subnet', '172.30.77.0/24', '--name', 'real-lab']);
    expect(created.code, created.stderr).toBe(0);
    const id = /Created ([0-9a-f]{16}) \(real-lab\)\./.exec(created.stdout)?.[1];
    expect(id, created.stdout).toMatch(new RegExp(`^${here.id}`));
    nwid = id ?? '';

    const networks = await net.runCliIn(here, ['zt', 'networks', '--json']);
    expect(networks.code, networks.stderr).toBe(0);
    expect(JSON.parse(networks.stdout)).toEqual([expect.objectContaining({ id: nwid, name: 'real-lab', private: true })]);
  });

  it('zt join --wait on a member: waiting for authorization, then ready once authorize lets it in', async () => {
    // This computer joins its own network too (it is a member, so it reaches the nodes over ZeroTier).
    const joinHere = await net.runCliIn(here, ['zt', 'join', nwid]);
    expect(joinHere.code, joinHere.stderr).toBe(0);
    expect(joinHere.stdout).toContain(`Joined ${nwid}`);

    const join = net.startCliIn(m1, ['zt', 'join', nwid, '--wait', '--timeout', '60']);
    // The others ask to join through their own service (they are not the subject of this test).
    for (const member of [m2, m3]) expect((await net.api(member, 'POST', `/network/${nwid}`, {})).status).toBe(200);
    await expect.poll(() => join.output().stderr, { timeout: 20_000, interval: 200 }).toContain(`${nwid}: waiting for authorization`);

    // A join reaches the controller 0.7-5 s after it is made: until then it has no such member.
    const asked = async () => {
      const listed = await net.runCliIn(here, ['zt', 'members', nwid, '--json']);
      return (JSON.parse(listed.stdout) as { nodeId: string }[]).map((m) => m.nodeId);
    };
    await expect.poll(asked, { timeout: 15_000, interval: 500 }).toEqual(expect.arrayContaining([here.id, m1.id, m2.id, m3.id]));
    const members = await net.runCliIn(here, ['zt', 'members', nwid]);
    expect(members.code, members.stderr).toBe(0);
    const rowOf = (id: string) => members.stdout.split('\n').find((line) => line.startsWith(id)) ?? '';
    expect(rowOf(m1.id), members.stdout).toMatch(/waiting/);
    // This computer's row reads "this-computer"; that it waits for authorization too is said in words.
    expect(rowOf(here.id), members.stdout).toMatch(/this-computer/);
    expect(members.stderr).toContain(`This computer (${here.id}) asked to join ${nwid} and is waiting for authorization`);
    // A person looks at `nodes` too; it records this computer's node as such in the inventory.
    const nodesNow = await net.runCliIn(here, ['nodes', nwid, '--timeout', '1']);
    expect(nodesNow.stderr).toContain(`This computer (${here.id}) asked to join ${nwid} and is waiting for authorization`);

    // "Every unauthorized member seen in the last 5 minutes" (--help): this computer's own node is one of them.
    const authorized = await net.runCliIn(here, ['authorize', nwid, '--all-waiting']);
    expect(authorized.code, authorized.stderr).toBe(0);
    for (const node of [here, m1, m2, m3]) expect(authorized.stderr).toContain(`Authorized ${node.id} on ${nwid}`);

    const result = await join.done;
    expect(result.code, result.stderr).toBe(0);
    const joined = new RegExp(`Joined ${nwid}: ready \\((172\\.30\\.77\\.\\d+)/24`).exec(result.stdout);
    expect(joined, result.stdout).not.toBeNull();
    addresses.set(m1.id, joined?.[1] ?? '');
    for (const node of [here, m2, m3]) addresses.set(node.id, await net.waitForAddress(node, nwid));

    const after = await net.runCliIn(here, ['zt', 'members', nwid, '--json']);
    const listed = JSON.parse(after.stdout) as { nodeId: string; authorized: boolean; ipAssignments: string[]; state: string }[];
    expect(listed.find((m) => m.nodeId === m1.id)).toMatchObject({ authorized: true, ipAssignments: [addresses.get(m1.id)] });
    // This computer's own node, named as `nodes` names it (not a G8OS node "new" on the network).
    expect(listed.find((m) => m.nodeId === here.id)).toMatchObject({ authorized: true, state: 'this-computer' });
  }, 60_000);

  it('nodes: a member with Redis is ready, one without is refused, one gone silent times out; this computer is itself', async () => {
    const m1Address = addresses.get(m1.id) ?? '';
    const redis = await net.startRedis(m1, m1Address);
    stops.push(redis.stop);
    // m3 answers nothing from now on: its packets go nowhere.
    await net.killNode(m3);
    // ZeroTier needs a few seconds after the address before the path carries packets (its README's figure).
    await waitUntilReachable(here, m1Address);
    await waitUntilReachable(here, addresses.get(m2.id) ?? '');

    const result = await net.runCliIn(here, ['nodes', nwid, '--json', '--timeout', '2']);
    expect(result.code, result.stderr).toBe(0);
    const nodes = JSON.parse(result.stdout) as NodeJson[];
    const stateOf = (node: ZtNode) => nodes.find((n) => n.nodeId === node.id);
    expect(stateOf(m1)).toMatchObject({ authorized: true, ip: m1Address, state: 'ready' });
    // `probe` is what answered; `state` where the node stands (starting while its address is new, then degraded).
    const comingUpOrDegraded = expect.stringMatching(/^(starting|degraded)$/);
    expect(stateOf(m2)).toMatchObject({ authorized: true, ip: addresses.get(m2.id), probe: 'refused', state: comingUpOrDegraded });
    expect(stateOf(m3)).toMatchObject({ authorized: true, ip: addresses.get(m3.id), probe: 'timeout', state: comingUpOrDegraded });
    // This computer's own node (the controller's) is a member too: marked, and not probed as a G8OS node.
    expect(stateOf(here)).toMatchObject({ authorized: true, ip: addresses.get(here.id), state: 'this-computer', probe: null });

    const table = await net.runCliIn(here, ['nodes', nwid, '--timeout', '2']);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.split('\n');
    expect(rows.find((line) => line.startsWith(m1.id))).toMatch(/ready\s+ready\s+plain/);
    expect(rows.find((line) => line.startsWith(here.id))).toMatch(/this-computer\s+-\s+-\s+-\s+172\.30\.77\./);
    expect(table.stderr).not.toContain('not on network');
  }, 60_000);

  it('watch --policy auto: a node that asks to join is authorized, gets its address and turns ready', async () => {
    // Default settings: its interval is 30 s, and any authorization (the policy's included) makes it poll fast.
    const watch = net.startCliIn(here, ['watch', nwid, '--policy', 'auto', '--json', '--timeout', '2']);
    stops.push(async () => void (await watch.stop()));
    await watch.waitFor(/"type":"sweep"/, 20_000);

    expect((await net.api(m4, 'POST', `/network/${nwid}`, {})).status).toBe(200);
    // core0 serves Redis on its ZeroTier address as soon as it has one: so does the stand-in.
    let redisUp = 0;
    let pathUp = 0;
    const redis = net.waitForAddress(m4, nwid, 60_000).then(async (address) => {
      const server = await net.startRedis(m4, address);
      redisUp = Date.now();
      stops.push(server.stop);
      // When a connection from this computer first gets through (ZeroTier's path needs a few seconds).
      await waitUntilReachable(here, address, 6379, 30_000);
      pathUp = Date.now();
      return address;
    });
    await watch.waitFor(new RegExp(`"type":"node-ready","at":\\d+,"node":\\{[^\\n]*"nodeId":"${m4.id}"`), 60_000);
    const address = await redis;

    const result = await watch.stop();
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as WatchEvent);
    const about = (type: string) => events.findIndex((e) => e.type === type && (e.nodeId ?? e.node?.nodeId) === m4.id);
    const policy = events.findIndex((e) => e.type === 'policy-action' && e.action === 'authorize' && e.nodeId === m4.id);
    expect(policy, result.stdout).toBeGreaterThanOrEqual(0);
    expect(about('node-joined')).toBeLessThan(policy);
    expect(about('node-addressed')).toBeGreaterThan(policy);
    expect(about('node-ready')).toBeGreaterThan(about('node-addressed'));
    expect(result.stdout).toContain(address);
    // Ready soon after Redis can be reached (the node is probed alone every 0.5 s while its path warms up), not
    // at the next 5 s sweep. pathUp is seen by a 250 ms poll, so the watch may even be a little earlier.
    const readyAt = events[about('node-ready')]!.at;
    expect(readyAt - Math.max(pathUp, redisUp), result.stdout).toBeLessThan(2_500);
  }, 90_000);

  it('authorize of an id that never asked to join is refused (exit 2, nothing created); --force lets it in ahead', async () => {
    const stranger = 'abcdef0123';
    const refused = await net.runCliIn(here, ['authorize', nwid, stranger]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`Node ${stranger} never asked to join ${nwid}`);
    expect(refused.stderr).toContain('--force');
    const before = await net.api<Record<string, number>>(here, 'GET', `/controller/network/${nwid}/member`);
    expect(Object.keys(before.body)).not.toContain(stranger);

    const forced = await net.runCliIn(here, ['authorize', nwid, stranger, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    const after = await net.api<{ authorized: boolean }>(here, 'GET', `/controller/network/${nwid}/member/${stranger}`);
    expect(after).toMatchObject({ status: 200, body: { authorized: true } });
  });

  it('zt join --wait of a network its controller does not know: NOT_FOUND, and g8boot leaves it again', async () => {
    const unknownNetwork = `${here.id}abcdef`;
    const result = await net.runCliIn(m2, ['zt', 'join', unknownNetwork, '--wait', '--timeout', '30'], { timeoutMs: 40_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`Cannot use network ${unknownNetwork}: no such network`);
    expect(result.stderr).toContain('g8boot left it again');
    expect((await net.api(m2, 'GET', `/network/${unknownNetwork}`)).status).toBe(404);
  }, 45_000);

  it('zt leave: "Left" the first time, "has not joined" (exit 1) the second', async () => {
    const first = await net.runCliIn(m1, ['zt', 'leave', nwid]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`Left ${nwid}.\n`);
    expect((await net.api(m1, 'GET', `/network/${nwid}`)).status).toBe(404);
    const second = await net.runCliIn(m1, ['zt', 'leave', nwid]);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain(`This machine has not joined network ${nwid}, so there is nothing to leave.`);
  });

  it('nodes when this computer left the network: says so in words, and what to run', async () => {
    expect((await net.runCliIn(here, ['zt', 'leave', nwid])).code).toBe(0);
    const result = await net.runCliIn(here, ['nodes', nwid, '--timeout', '1']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`This computer (${here.id}) is not on network ${nwid}, so its nodes cannot be reached from here. Join it with \`g8boot zt join ${nwid} --wait\`.`);
    // Still recognized among the members (the controller keeps its record): never probed.
    const json = JSON.parse((await net.runCliIn(here, ['nodes', nwid, '--json', '--timeout', '1'])).stdout) as NodeJson[];
    expect(json.find((n) => n.nodeId === here.id)).toMatchObject({ state: 'this-computer', probe: null });
    // The nodes are not blamed for what this computer cannot reach: m4 (ready when watch stopped) is still ready,
    // its last probe kept and marked as not re-checked; no node is called unreachable.
    expect(json.find((n) => n.nodeId === m4.id)).toMatchObject({ state: 'ready', probe: 'ready', detail: expect.stringMatching(new RegExp(`^${NOT_RECHECKED}`)) });
    expect(json.filter((n) => n.probe === 'unreachable'), result.stdout).toEqual([]);
    for (const node of json) if (node.ip !== null && node.probe !== null && node.nodeId !== here.id) expect(node.detail, node.nodeId).toMatch(new RegExp(`^${NOT_RECHECKED}`));
    const table = result.stdout.split('\n').find((line) => line.startsWith(m4.id));
    expect(table).toMatch(/ready\s+ready/);
  });
});
