import { describe, expect, test } from 'vitest';
import { checkCentralToken, createCentralController, parseCentralUrl } from '../../main/core/zerotier/central.ts';
import { rfc4193Address, sixPlaneAddress } from '../../main/core/zerotier/addresses.ts';
import { ONLINE_WINDOW_MS } from '../../main/core/zerotier/online.ts';
import type { Member } from '../../main/core/zerotier/types.ts';
import { centralOn, rejection, testSimulator } from './helpers.ts';

const NWID = 'd569b5a47421c8b7';

describe('Central API v1 against the simulator', () => {
  test('lists and gets networks, with pools, modes and member counts', async () => {
    const sim = await testSimulator({
      networks: [{ id: NWID, name: 'lab', subnet: '10.147.17.0/24', rfc4193: true }, { id: '8056c2e21c000001', name: 'other', forbidden: true }],
    });
    sim.addNode({ authorized: true });
    sim.addNode();
    const central = centralOn(sim);
    const networks = await central.listNetworks();
    expect(networks.map((n) => n.id)).toEqual([NWID]);
    const network = await central.getNetwork(NWID.toUpperCase());
    expect(network).toMatchObject({
      id: NWID,
      name: 'lab',
      private: true,
      ipAssignmentPools: [{ start: '10.147.17.1', end: '10.147.17.254' }],
      routes: [{ target: '10.147.17.0/24', via: null }],
      v4AssignMode: { zt: true },
      v6AssignMode: { zt: false, rfc4193: true, sixPlane: false },
      authorizedMemberCount: 1,
      totalMemberCount: 2,
    });
    expect(typeof network.creationTime).toBe('number');
    expect(sim.requests.every((r) => r.auth === 'ok')).toBe(true);
  });

  test('lists members, unauthorized ones included, with addresses, physical address, lastSeen and online', async () => {
    const sim = await testSimulator({ networks: [{ id: NWID, rfc4193: true, sixPlane: true }] });
    const ready = sim.addNode({ name: 'node-1', authorized: true, address: '127.0.5.3', physicalAddress: '198.51.100.7' });
    const waiting = sim.addNode({ name: 'asks' });
    const quiet = sim.addNode({ authorized: true });
    sim.setOnline(quiet, false, { lastSeenAgoMs: ONLINE_WINDOW_MS + 60_000 });
    const members = await centralOn(sim).listMembers(NWID);
    const byId = new Map<string, Member>(members.map((m) => [m.nodeId, m]));
    expect(members).toHaveLength(3);
    expect(byId.get(ready)).toMatchObject({
      networkId: NWID,
      name: 'node-1',
      authorized: true,
      ipAssignments: ['127.0.5.3'],
      ips: ['127.0.5.3', rfc4193Address(NWID, ready), sixPlaneAddress(NWID, ready)],
      physicalAddress: '198.51.100.7',
      clientVersion: '1.14.1',
      online: true,
    });
    expect(byId.get(waiting)).toMatchObject({ authorized: false, ipAssignments: [], online: true, lastAuthorizedTime: null });
    expect(Math.abs((byId.get(waiting)?.lastSeen ?? 0) - sim.now())).toBeLessThan(1000);
    expect(byId.get(quiet)).toMatchObject({ online: false });
    expect(sim.now() - (byId.get(quiet)?.lastSeen ?? 0)).toBeGreaterThan(ONLINE_WINDOW_MS);
  });

  test('a member created by authorizing it in advance has never been seen: lastSeen null, offline', async () => {
    const sim = await testSimulator();
    const member = await centralOn(sim).updateMember(NWID, 'abcdef0123', { authorized: true });
    expect(member).toMatchObject({ nodeId: 'abcdef0123', authorized: true, lastSeen: null, online: false, physicalAddress: null, clientVersion: null });
  });

  test('authorize, rename, describe, deauthorize and delete a member with partial bodies', async () => {
    const sim = await testSimulator({ addressDelayMs: 60_000 });
    const node = sim.addNode();
    const central = centralOn(sim);
    const authorized = await central.updateMember(NWID, node, { authorized: true });
    expect(authorized).toMatchObject({ authorized: true, ips: [] });
    expect(authorized.lastAuthorizedTime).not.toBeNull();
    // The address arrives some time after authorization.
    sim.advance(60_000);
    expect((await central.getMember(NWID, node)).ipAssignments).toEqual(['10.147.17.1']);
    const renamed = await central.updateMember(NWID, node, { name: 'g8os-525400123456', description: 'rack 3' });
    expect(renamed).toMatchObject({ name: 'g8os-525400123456', description: 'rack 3', authorized: true });
    expect((await central.updateMember(NWID, node, { authorized: false })).authorized).toBe(false);
    await central.deleteMember(NWID, node);
    expect(await central.listMembers(NWID)).toEqual([]);
    const posts = sim.requests.filter((r) => r.method === 'POST').map((r) => r.requestBody);
    expect(posts).toEqual([{ config: { authorized: true } }, { name: 'g8os-525400123456', description: 'rack 3' }, { config: { authorized: false } }]);
  });

  test('online follows the controller clock: a quiet node goes offline as lastSeen ages, and comes back', async () => {
    const sim = await testSimulator();
    const node = sim.addNode({ authorized: true });
    const central = centralOn(sim);
    sim.setOnline(node, false);
    expect((await central.getMember(NWID, node)).online).toBe(true);
    sim.advance(ONLINE_WINDOW_MS + 1000);
    expect((await central.getMember(NWID, node)).online).toBe(false);
    sim.setOnline(node, true);
    const back = await central.getMember(NWID, node);
    expect(back.online).toBe(true);
    expect(Math.abs((back.lastSeen ?? 0) - sim.now())).toBeLessThan(1000);
  });

  test('the network is fetched once a minute, not once per member change', async () => {
    const sim = await testSimulator();
    const nodes = [sim.addNode(), sim.addNode(), sim.addNode()];
    const central = centralOn(sim);
    for (const node of nodes) await central.updateMember(NWID, node, { authorized: true });
    expect(sim.requests.filter((r) => r.route === '/network/{networkID}')).toHaveLength(1);
  });
});

describe('Central errors in words', () => {
  test('401: the token was rejected, with how to make one', async () => {
    const sim = await testSimulator();
    const central = createCentralController({ baseUrl: sim.centralBase, token: 'not-the-token', attempts: 1 });
    const error = await rejection(central.listNetworks());
    await central.close();
    expect(error).toMatchObject({ code: 'E_ZT_UNAUTHORIZED', status: 401 });
    expect(error.message).toBe('ZeroTier Central rejected the API token (HTTP 401).');
    expect(error.hint).toContain('ZEROTIER_CENTRAL_TOKEN');
  });

  test('403: no access to that network', async () => {
    const sim = await testSimulator({ networks: [{ id: NWID }, { id: '8056c2e21c000001', forbidden: true }] });
    const error = await rejection(centralOn(sim).listMembers('8056c2e21c000001'));
    expect(error).toMatchObject({ code: 'E_ZT_FORBIDDEN', status: 403 });
    expect(error.message).toContain('refused this token access to network 8056c2e21c000001');
  });

  test('404: no such network, no such member', async () => {
    const sim = await testSimulator();
    const central = centralOn(sim);
    const network = await rejection(central.getNetwork('0123456789abcdef'));
    expect(network).toMatchObject({ code: 'E_ZT_NOT_FOUND', message: 'ZeroTier Central has no network 0123456789abcdef (HTTP 404).' });
    const member = await rejection(central.getMember(NWID, '0123456789'));
    expect(member.message).toBe(`ZeroTier Central has no member 0123456789 on network ${NWID} (HTTP 404).`);
    expect(member.hint).toContain('g8boot zt members');
  });

  test('malformed ids are refused before any request, each with its own error', async () => {
    const sim = await testSimulator();
    const central = centralOn(sim);
    await expect(central.getNetwork('8056c2e21c00001')).rejects.toMatchObject({ code: 'E_INVALID_NETWORK_ID', exitCode: 2 });
    await expect(central.listMembers('8056c2e21c00000g')).rejects.toThrow(/"g" is not a hexadecimal digit/);
    await expect(central.getMember(NWID, 'abcdef012')).rejects.toMatchObject({ code: 'E_INVALID_NODE_ID' });
    await expect(central.updateMember(NWID, 'abcdef01234', { authorized: true })).rejects.toThrow(/11 digits, not 10/);
    await expect(central.deleteMember('', 'abcdef0123')).rejects.toThrow(/it is empty/);
    await expect(central.updateMember(NWID, 'abcdef0123', {})).rejects.toMatchObject({ code: 'E_INVALID_UPDATE' });
    await expect(central.updateMember(NWID, 'abcdef0123', { name: 'two\nlines' })).rejects.toMatchObject({ code: 'E_INVALID_UPDATE' });
    expect(sim.requests).toEqual([]);
  });
});

describe('Central configuration checks', () => {
  test('URLs: https anywhere, plain http only on loopback, nothing else', () => {
    expect(parseCentralUrl('https://api.zerotier.com/api/v1/')).toBe('https://api.zerotier.com/api/v1');
    expect(parseCentralUrl('http://127.0.0.1:9994/api/v1')).toBe('http://127.0.0.1:9994/api/v1');
    expect(parseCentralUrl('http://localhost:1/api/v1')).toBe('http://localhost:1/api/v1');
    expect(() => parseCentralUrl('http://api.zerotier.com/api/v1')).toThrow(/plain http/);
    expect(() => parseCentralUrl('ftp://api.zerotier.com')).toThrow(/only http and https/);
    expect(() => parseCentralUrl('not a url')).toThrow(/spaces or control characters/);
    expect(() => parseCentralUrl('https://api.zerotier.com/api/v1?x=1')).toThrow(/query string/);
  });

  test('tokens: trimmed; empty or with spaces refused without being quoted', () => {
    expect(checkCentralToken('  abc123\n', 'a file')).toBe('abc123');
    expect(() => checkCentralToken(' \n', 'ZEROTIER_CENTRAL_TOKEN')).toThrow(/from ZEROTIER_CENTRAL_TOKEN is empty/);
    const error = (() => {
      try {
        checkCentralToken('secret part two', 'a file');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toContain('contains spaces');
    expect(error?.message).not.toContain('secret');
  });
});
