import { describe, expect, test } from 'vitest';
import { connectSelfHostedController, memberIdsOf, type SelfHostedController } from '../../main/core/zerotier/self-hosted.ts';
import type { SimRequest, Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { ONLINE_WINDOW_MS } from '../../main/core/zerotier/online.ts';
import { rfc4193Address } from '../../main/core/zerotier/addresses.ts';
import { FAST, localOn, readSample, rejection, testSimulator } from './helpers.ts';
import { onTestFinished } from 'vitest';

const NWID = 'd569b5a47421c8b7';

async function controllerOn(sim: Simulator, memberConcurrency?: number): Promise<SelfHostedController> {
  const controller = await connectSelfHostedController(await localOn(sim), { http: FAST, memberConcurrency });
  onTestFinished(() => controller.close());
  return controller;
}

/** The most requests the simulator had in flight at once, among those matching. */
function maxInFlight(requests: readonly SimRequest[]): number {
  return Math.max(0, ...requests.map((r) => requests.filter((o) => o.at <= r.at && (o.doneAt ?? Infinity) > r.at).length));
}

describe('self-hosted controller (zerotier-one) against the simulator', () => {
  test('1.14+: members come in one call from /unstable, with online state from the peer list', async () => {
    const sim = await testSimulator({ networks: [{ id: NWID, rfc4193: true }] });
    const up = sim.addNode({ authorized: true, name: 'node-1', physicalAddress: '198.51.100.9' });
    const waiting = sim.addNode();
    const quiet = sim.addNode({ authorized: true });
    sim.setOnline(quiet, false, { lastSeenAgoMs: ONLINE_WINDOW_MS + 1000 });
    const controller = await controllerOn(sim);
    expect(controller).toMatchObject({ kind: 'local', controllerId: 'd569b5a474', endpoint: sim.url });
    const members = await controller.listMembers(NWID);
    const byId = new Map<string, (typeof members)[number]>(members.map((m) => [m.nodeId, m]));
    expect(byId.get(up)).toMatchObject({
      name: 'node-1',
      authorized: true,
      ipAssignments: ['10.147.17.1'],
      ips: ['10.147.17.1', rfc4193Address(NWID, up)],
      physicalAddress: '198.51.100.9',
      clientVersion: '1.14.1',
      online: true,
      description: '',
    });
    // A member that asked but was never authorized has not fetched its config: the controller has no version.
    expect(byId.get(waiting)).toMatchObject({ authorized: false, clientVersion: null, online: true, ips: [rfc4193Address(NWID, waiting)] });
    expect(byId.get(quiet)).toMatchObject({ online: false });
    expect(sim.requests.filter((r) => r.path.includes('/member')).map((r) => r.route)).toEqual(['/unstable/controller/network/{network_id}/member']);
  });

  test('1.12.2-1.13: the id → revision map, then each member, at most `memberConcurrency` at once', async () => {
    const sim = await testSimulator({ version: '1.12.2' });
    for (let i = 0; i < 9; i++) sim.addNode({ authorized: i % 2 === 0 });
    sim.faults.add({ method: 'GET', path: `/controller/network/${NWID}/member/*`, fault: { kind: 'delay', ms: 20 } });
    const members = await (await controllerOn(sim, 3)).listMembers(NWID);
    expect(members).toHaveLength(9);
    expect(members.filter((m) => m.authorized)).toHaveLength(5);
    const fetches = sim.requests.filter((r) => r.route === '/controller/network/{network_id}/member/{node_id}');
    expect(fetches).toHaveLength(9);
    expect(maxInFlight(fetches)).toBeLessThanOrEqual(3);
    expect(maxInFlight(fetches)).toBeGreaterThanOrEqual(2);
    const list = sim.requests.find((r) => r.route === '/controller/network/{network_id}/member');
    expect(list?.responseBody).not.toBeInstanceOf(Array);
  });

  test('1.12.0-1.12.1: the member list is an array of one-entry maps', async () => {
    // The array shape predates the v1.2.0 document, which describes the map: that one answer is exempt.
    const sim = await testSimulator({ version: '1.12.0', checkSpec: (r) => r.route !== '/controller/network/{network_id}/member' });
    const ids = [sim.addNode(), sim.addNode({ authorized: true })];
    const members = await (await controllerOn(sim)).listMembers(NWID);
    expect(members.map((m) => m.nodeId).sort()).toEqual([...ids].sort());
    const list = sim.requests.find((r) => r.route === '/controller/network/{network_id}/member');
    expect(list?.responseBody).toBeInstanceOf(Array);
  });

  test('a member deleted between the list and its fetch is left out', async () => {
    const sim = await testSimulator({ version: '1.12.2' });
    const gone = sim.addNode();
    const kept = sim.addNode();
    sim.faults.add({ path: `/controller/network/${NWID}/member/${gone}`, times: 1, fault: { kind: 'status', status: 404 } });
    const members = await (await controllerOn(sim)).listMembers(NWID);
    expect(members.map((m) => m.nodeId)).toEqual([kept]);
  });

  test('the three member-list shapes, and anything else refused', () => {
    expect(memberIdsOf(readSample('controller-GET-member-list.json'), 's', 'w')).toEqual(['867dd449f4', 'd569b5a474']);
    expect(memberIdsOf([{ '867dd449f4': 3 }, { d569b5a474: 1 }], 's', 'w')).toEqual(['867dd449f4', 'd569b5a474']);
    expect(memberIdsOf({}, 's', 'w')).toEqual([]);
    expect(() => memberIdsOf('867dd449f4', 'ZeroTier One', 'the members')).toThrow(/unexpected answer for the members/);
    expect(() => memberIdsOf([5], 's', 'w')).toThrow(/map of member ids/);
  });

  test('authorize with the flat body; the address follows; deauthorize; name; delete', async () => {
    const sim = await testSimulator({ addressDelayMs: 30_000 });
    const node = sim.addNode();
    const controller = await controllerOn(sim);
    expect(await controller.updateMember(NWID, node, { authorized: true })).toMatchObject({ authorized: true, ips: [] });
    sim.advance(30_000);
    expect((await controller.getMember(NWID, node)).ips).toEqual(['10.147.17.1']);
    expect(await controller.updateMember(NWID, node, { name: 'lab-1', authorized: false })).toMatchObject({ name: 'lab-1', authorized: false });
    await controller.deleteMember(NWID, node);
    expect(await controller.listMembers(NWID)).toEqual([]);
    const posts = sim.requests.filter((r) => r.method === 'POST').map((r) => r.requestBody);
    expect(posts).toEqual([{ authorized: true }, { authorized: false, name: 'lab-1' }]);
  });

  test('descriptions are refused before any request: the controller keeps none', async () => {
    const sim = await testSimulator();
    const controller = await controllerOn(sim);
    const before = sim.requests.length;
    await expect(controller.updateMember(NWID, 'abcdef0123', { description: 'x' })).rejects.toMatchObject({ code: 'E_ZT_UNSUPPORTED', exitCode: 2 });
    expect(sim.requests).toHaveLength(before);
  });

  test('networks: from /unstable with counts on 1.14+, id list plus fetches before', async () => {
    const current = await testSimulator();
    current.addNode({ authorized: true });
    const [withCounts] = await (await controllerOn(current)).listNetworks();
    expect(withCounts).toMatchObject({ id: NWID, name: 'test', authorizedMemberCount: 1, totalMemberCount: 1 });
    const older = await testSimulator({ version: '1.12.2' });
    const [plain] = await (await controllerOn(older)).listNetworks();
    expect(plain).toMatchObject({ id: NWID, authorizedMemberCount: null, ipAssignmentPools: [{ start: '10.147.17.1', end: '10.147.17.254' }] });
  });

  test('creates a lab network with an IPv4 pool and a route for its subnet', async () => {
    const sim = await testSimulator();
    const controller = await controllerOn(sim);
    const created = await controller.createNetwork({ name: 'lab', subnet: '10.244.0.0/16' });
    expect(created.id).toMatch(/^d569b5a474[0-9a-f]{6}$/);
    expect(created).toMatchObject({
      name: 'lab',
      private: true,
      ipAssignmentPools: [{ start: '10.244.0.1', end: '10.244.255.254' }],
      routes: [{ target: '10.244.0.0/16', via: null }],
      v4AssignMode: { zt: true },
    });
    expect((await controller.listNetworks()).map((n) => n.id)).toContain(created.id);
    await expect(controller.createNetwork({ name: 'lab', subnet: '10.244.0.1/16' })).rejects.toThrow(/host bits are set/);
    await expect(controller.createNetwork({ name: 'lab', subnet: '10.244.0.0/31' })).rejects.toMatchObject({ code: 'E_INVALID_SUBNET' });
    await expect(controller.createNetwork({ name: ' ', subnet: '10.1.0.0/24' })).rejects.toMatchObject({ code: 'E_INVALID_NAME' });
  });

  test('no controller (zerotier-one 1.16+): E_ZT_NO_CONTROLLER, exit 3, with what to use instead', async () => {
    const sim = await testSimulator({ version: '1.16.0' });
    const error = await rejection(connectSelfHostedController(await localOn(sim), { http: FAST }));
    expect(error).toMatchObject({ code: 'E_ZT_NO_CONTROLLER', exitCode: 3 });
    expect(error.message).toContain('has no network controller (GET /controller answered 404)');
    expect(error.hint).toContain('ZEROTIER_CENTRAL_TOKEN');
  });

  test('errors in words: unknown network and member', async () => {
    const sim = await testSimulator();
    const controller = await controllerOn(sim);
    const network = await rejection(controller.listMembers('d569b5a474000000'));
    expect(network).toMatchObject({ code: 'E_ZT_NOT_FOUND' });
    expect(network.message).toBe(`The ZeroTier One controller at 127.0.0.1:${sim.port} has no network d569b5a474000000 (HTTP 404).`);
    const member = await rejection(controller.getMember(NWID, '0000000001'));
    expect(member.message).toContain(`has no member 0000000001 on network ${NWID}`);
  });
});
