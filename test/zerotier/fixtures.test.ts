/**
 * The simulator's templates come from ZeroTier's documents, the documents' schemas accept the real answers (with
 * the adaptations spec.ts lists), the conformance check catches drift, and the clients read every real answer.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, onTestFinished, test } from 'vitest';
import * as fixtures from '../../main/core/zerotier/simulator/fixtures.ts';
import { connectSelfHostedController } from '../../main/core/zerotier/self-hosted.ts';
import { createLocalService } from '../../main/core/zerotier/local-service.ts';
import type { Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { centralMember } from '../../main/core/zerotier/simulator/responses.ts';
import { FAST, localOn, readSample, rejection, spec, specViolations, testSimulator } from './helpers.ts';
import { SAMPLES_DIR, UNDESCRIBED_BUT_REAL } from './spec.ts';

type Json = Record<string, unknown>;

/** An object built from the `example` of every property of a schema, following $refs (null examples left out). */
function exampleOf(schema: Json, schemas: Json): unknown {
  if (typeof schema.$ref === 'string') return exampleOf(schemas[schema.$ref.split('/').pop() ?? ''] as Json, schemas);
  if (schema.example !== undefined && schema.example !== null) return schema.example;
  if (schema.type === 'object' && schema.properties) {
    const out: Json = {};
    for (const [name, property] of Object.entries(schema.properties as Json)) {
      const value = exampleOf(property as Json, schemas);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  if (schema.type === 'array' && schema.items) {
    const item = exampleOf(schema.items as Json, schemas);
    return item === undefined ? undefined : [item];
  }
  return undefined;
}

describe('fixtures come from the documents', () => {
  const centralSchemas = (spec().documents.central.components as Json).schemas as Json;

  test('Central network and member templates are the examples of central-v1.openapi.json', () => {
    expect(fixtures.CENTRAL_NETWORK_EXAMPLE).toEqual(exampleOf(centralSchemas.Network as Json, centralSchemas));
    expect(fixtures.CENTRAL_MEMBER_EXAMPLE).toEqual(exampleOf(centralSchemas.Member as Json, centralSchemas));
    expect(spec().schema('central', 'Network', fixtures.CENTRAL_NETWORK_EXAMPLE)).toEqual([]);
    expect(spec().schema('central', 'Member', fixtures.CENTRAL_MEMBER_EXAMPLE)).toEqual([]);
  });

  test('service and controller templates are the real 1.14.1 answers', () => {
    expect(fixtures.CONTROLLER_STATUS_SAMPLE).toEqual(readSample('controller-GET-controller.json'));
    expect(fixtures.CONTROLLER_NETWORK_SAMPLE).toEqual(readSample('controller-GET-network-id.json'));
    expect(fixtures.CONTROLLER_MEMBER_SAMPLE).toEqual(readSample('controller-GET-member-authorized.json'));
    expect(fixtures.LOCAL_STATUS_SAMPLE).toEqual(readSample('local-GET-status.json'));
    expect(fixtures.LOCAL_NETWORK_SAMPLE).toEqual(readSample('local-GET-network-id-OK.json'));
    expect([fixtures.LOCAL_PEER_SAMPLE]).toEqual(readSample('local-GET-peer.json'));
    expect(fixtures.LOCAL_HEALTH_SAMPLE).toEqual(readSample('local-GET-health.json'));
  });
});

describe('the documents against the real answers', () => {
  const routes: Record<string, [string, string, number]> = {
    'controller-GET-controller.json': ['GET', '/controller', 200],
    'controller-GET-network-id.json': ['GET', '/controller/network/{network_id}', 200],
    'controller-GET-network-list.json': ['GET', '/controller/network', 200],
    'controller-GET-member-list.json': ['GET', '/controller/network/{network_id}/member', 200],
    'controller-GET-member-authorized.json': ['GET', '/controller/network/{network_id}/member/{node_id}', 200],
    'controller-GET-member-unauthorized.json': ['GET', '/controller/network/{network_id}/member/{node_id}', 200],
    'controller-POST-member-authorize.json': ['POST', '/controller/network/{network_id}/member/{node_id}', 200],
    'controller-POST-network-create.json': ['POST', '/controller/network/{network_id}', 200],
    'controller-GET-unstable-member-list.json': ['GET', '/unstable/controller/network/{network_id}/member', 200],
    'controller-GET-unstable-network-list.json': ['GET', '/unstable/controller/network', 200],
    'local-GET-network-id-ACCESS_DENIED.json': ['GET', '/network/{network_id}', 200],
    'local-GET-network-id-OK.json': ['GET', '/network/{network_id}', 200],
    'local-GET-network.json': ['GET', '/network', 200],
    'local-GET-peer.json': ['GET', '/peer', 200],
    'local-GET-status.json': ['GET', '/status', 200],
    'local-GET-status-401-body.json': ['GET', '/status', 401],
    'local-POST-network-join.json': ['POST', '/network/{network_id}', 200],
  };

  test('every sample validates against its route in the adapted document', () => {
    const samples = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.json') && f !== 'local-GET-health.json');
    expect(samples.sort()).toEqual(Object.keys(routes).sort());
    for (const [file, [method, route, status]] of Object.entries(routes)) {
      expect({ file, errors: spec().response('service', method, route, status, readSample(file)) }).toEqual({ file, errors: [] });
    }
  });

  test('each field allowed beyond the document really occurs in a sample', () => {
    const all = readdirSync(SAMPLES_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.stringify(readSample(f)))
      .join('\n');
    for (const field of Object.values(UNDESCRIBED_BUT_REAL).flat()) expect(all).toContain(`"${field}":`);
  });

  test("the documented IP type rejects the CIDR route targets real controllers send (why spec.ts adapts it)", () => {
    expect(spec().schema('service', 'IP', '10.147.17.0/24')).not.toEqual([]);
    expect(spec().schema('service', 'IP', '10.147.17.1')).toEqual([]);
  });
});

describe('the conformance check catches drift', () => {
  async function logWith(
    body: unknown,
    route = '/network/{networkID}/member/{memberID}',
    api: 'central' | 'service' = 'central',
    request: { method: string; body: unknown } = { method: 'GET', body: undefined },
  ): Promise<string[]> {
    const sim = await testSimulator({ checkSpec: false });
    sim.requests.push({
      at: Date.now(),
      doneAt: Date.now(),
      api,
      method: request.method,
      path: '/x',
      route,
      auth: 'ok',
      status: 200,
      fault: null,
      requestBody: request.body,
      responseBody: body,
    });
    return specViolations(sim);
  }

  test('an invented field, a renamed field, a wrong type', async () => {
    const sim = await testSimulator({ checkSpec: false });
    const node = sim.addNode();
    const network = sim.population.network(sim.networkIds[0] ?? '');
    const member = sim.population.member(network?.id ?? '', node);
    if (!network || !member) throw new Error('setup');
    const good = centralMember(sim.population, network, member);
    expect(await logWith(good)).toEqual([]);
    expect((await logWith({ ...good, online: true })).join()).toContain('"additionalProperty":"online"');
    const { lastSeen, ...renamed } = good;
    expect((await logWith({ ...renamed, last_seen: lastSeen })).join()).toContain('"additionalProperty":"last_seen"');
    expect((await logWith({ ...good, config: { ...good.config, authorized: 'yes' } })).join()).toContain('/config/authorized must be boolean');
    expect((await logWith({ ...readSample('local-GET-network-id-OK.json') as Json, status: 'FINE' }, '/network/{network_id}', 'service')).join()).toContain('allowed values');
  });

  test('requests too: a server-managed (readOnly) field, an invented one, a flat body sent to Central', async () => {
    const post = (body: unknown) => ({ method: 'POST', body });
    const answer = fixtures.CENTRAL_MEMBER_EXAMPLE;
    expect(await logWith(answer, undefined, 'central', post({ config: { authorized: true }, name: 'n' }))).toEqual([]);
    expect((await logWith(answer, undefined, 'central', post({ nodeId: 'abcdef0123', config: { authorized: true } }))).join()).toContain('request /nodeId');
    expect((await logWith(answer, undefined, 'central', post({ config: { authorized: true, approved: true } }))).join()).toContain('"additionalProperty":"approved"');
    expect((await logWith(answer, undefined, 'central', post({ authorized: true }))).join()).toContain('"additionalProperty":"authorized"');
    const controllerRoute = '/controller/network/{network_id}/member/{node_id}';
    const member = readSample('controller-POST-member-authorize.json');
    expect(await logWith(member, controllerRoute, 'service', post({ authorized: true }))).toEqual([]);
    expect((await logWith(member, controllerRoute, 'service', post({ config: { authorized: true } }))).join()).toContain('"additionalProperty":"config"');
  });
});

describe('the clients read every real 1.14.1 answer', () => {
  const NWID = 'd569b5a47421c8b7';

  function serve(sim: Simulator, method: string, path: string, file: string, status = 200): void {
    sim.faults.add({ method, path, fault: { kind: 'status', status, body: readSample(file) } });
  }

  test('controller: status, network, member map, both member samples, peers', async () => {
    const sim = await testSimulator({ version: '1.12.2' });
    serve(sim, 'GET', '/controller', 'controller-GET-controller.json');
    serve(sim, 'GET', '/status', 'local-GET-status.json');
    serve(sim, 'GET', '/peer', 'local-GET-peer.json');
    serve(sim, 'GET', `/controller/network/${NWID}`, 'controller-GET-network-id.json');
    serve(sim, 'GET', '/controller/network', 'controller-GET-network-list.json');
    serve(sim, 'GET', `/controller/network/${NWID}/member`, 'controller-GET-member-list.json');
    serve(sim, 'GET', `/controller/network/${NWID}/member/867dd449f4`, 'controller-GET-member-authorized.json');
    serve(sim, 'GET', `/controller/network/${NWID}/member/d569b5a474`, 'controller-GET-member-unauthorized.json');
    const controller = await connectSelfHostedController(await localOn(sim), { http: FAST });
    onTestFinished(() => controller.close());
    expect(await controller.listNetworks()).toEqual([
      {
        id: NWID,
        name: 'test',
        description: '',
        private: true,
        ipAssignmentPools: [{ start: '10.147.17.1', end: '10.147.17.254' }],
        routes: [{ target: '10.147.17.0/24', via: null }],
        v4AssignMode: { zt: true },
        v6AssignMode: { zt: false, rfc4193: false, sixPlane: false },
        creationTime: 1795666440956,
        authorizedMemberCount: null,
        totalMemberCount: null,
      },
    ]);
    const members = await controller.listMembers(NWID);
    expect(members).toEqual([
      {
        networkId: NWID,
        nodeId: '867dd449f4',
        name: '',
        description: '',
        authorized: true,
        hidden: false,
        ips: ['10.147.17.181'],
        ipAssignments: ['10.147.17.181'],
        physicalAddress: '198.18.77.2',
        clientVersion: '1.14.1',
        lastSeen: 1795666747602,
        online: true,
        creationTime: 1795666505881,
        lastAuthorizedTime: 1795666510691,
      },
      {
        networkId: NWID,
        nodeId: 'd569b5a474',
        name: '',
        description: '',
        authorized: false,
        hidden: false,
        ips: [],
        ipAssignments: [],
        physicalAddress: null,
        clientVersion: null,
        // The controller's own node: online as its service says, seen "now" by its own clock.
        lastSeen: 1795666749142,
        online: true,
        creationTime: 1795666444985,
        lastAuthorizedTime: null,
      },
    ]);
  });

  test('controller: /unstable lists, the authorize answer, the create answer', async () => {
    const sim = await testSimulator();
    serve(sim, 'GET', `/unstable/controller/network/${NWID}/member`, 'controller-GET-unstable-member-list.json');
    serve(sim, 'GET', '/unstable/controller/network', 'controller-GET-unstable-network-list.json');
    serve(sim, 'POST', `/controller/network/${NWID}/member/d569b5a474`, 'controller-POST-member-authorize.json');
    serve(sim, 'POST', '/controller/network/d569b5a474______', 'controller-POST-network-create.json');
    const controller = await connectSelfHostedController(await localOn(sim), { http: FAST });
    onTestFinished(() => controller.close());
    expect((await controller.listMembers(NWID)).map((m) => [m.nodeId, m.authorized, m.ips])).toEqual([
      ['867dd449f4', true, ['10.147.17.181']],
      ['d569b5a474', true, ['10.147.17.13']],
    ]);
    expect(await controller.listNetworks()).toMatchObject([{ id: NWID, authorizedMemberCount: 2, totalMemberCount: 2 }]);
    expect(await controller.updateMember(NWID, 'd569b5a474', { authorized: true })).toMatchObject({ authorized: true, ips: [], clientVersion: null });
    expect(await controller.createNetwork({ name: 'test', subnet: '10.147.17.0/24' })).toMatchObject({ id: NWID, name: 'test' });
  });

  test("this machine's service: status, networks (OK, ACCESS_DENIED), join, and the 401 body", async () => {
    const sim = await testSimulator();
    const service = createLocalService(await localOn(sim), FAST);
    onTestFinished(() => service.close());
    serve(sim, 'GET', '/status', 'local-GET-status.json');
    expect(await service.status()).toEqual({ address: 'd569b5a474', online: true, version: '1.14.1', tcpFallbackActive: false });
    serve(sim, 'GET', '/network', 'local-GET-network.json');
    expect(await service.listNetworks()).toEqual([
      { id: NWID, name: 'test', status: 'OK', assignedAddresses: ['10.147.17.13/24'], device: 'ztoeozi3gd', type: 'PRIVATE' },
    ]);
    sim.faults.add({ path: `/network/${NWID}`, method: 'GET', times: 1, fault: { kind: 'status', status: 200, body: readSample('local-GET-network-id-ACCESS_DENIED.json') } });
    serve(sim, 'GET', `/network/${NWID}`, 'local-GET-network-id-OK.json');
    expect(await service.getNetwork(NWID)).toMatchObject({ status: 'ACCESS_DENIED', assignedAddresses: [], name: '' });
    expect(await service.getNetwork(NWID)).toMatchObject({ status: 'OK', assignedAddresses: ['10.147.17.13/24'] });
    serve(sim, 'POST', `/network/${NWID}`, 'local-POST-network-join.json');
    expect(await service.join(NWID)).toMatchObject({ status: 'REQUESTING_CONFIGURATION', device: 'ztoeozi3gd' });
    sim.faults.clear();
    serve(sim, 'GET', '/status', 'local-GET-status-401-body.json', 401);
    await expect(rejection(service.status())).resolves.toMatchObject({ code: 'E_ZT_UNAUTHORIZED' });
  });
});
