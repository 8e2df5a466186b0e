/**
 * A ZeroTier simulator: one real HTTP server on 127.0.0.1 that speaks
 * - ZeroTier Central API v1 under `/api/v1` (header `Authorization: token <token>`, 20 requests/s enforced),
 * - this machine's ZeroTier One service at the root (`/status`, `/network`, `/peer`, `/health`; `X-ZT1-Auth`),
 * - that service's network controller (`/controller/...`, `/unstable/controller/...` from 1.14 on),
 * all over one scriptable population (population.ts). Used by the tests, by `g8boot demo` and by the app's demo
 * mode. Answers follow ZeroTier's documents (fixtures.ts); every request is logged with its answer, so tests
 * can check both directions against the OpenAPI schemas.
 *
 * `version` picks the zerotier-one behaviour: 1.12.0-1.12.1 list members as an array of one-entry maps, before
 * 1.14 there are no /unstable routes, from 1.16 there is no controller.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sleep } from '../sleep.ts';
import { FaultTable, type Fault } from './faults.ts';
import { Population, type SimNetworkSpec, type SimNodeSpec } from './population.ts';
import * as answer from './responses.ts';

export type { Fault, FaultRule } from './faults.ts';
export type { SimNetworkSpec, SimNodeSpec } from './population.ts';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string | undefined;
  /** Default 0 (any free port). */
  port?: number | undefined;
  /** Central API token; default random. */
  token?: string | undefined;
  /** The local service's X-ZT1-Auth token; default random. */
  localToken?: string | undefined;
  /** zerotier-one version the service and controller behave as. Default 1.14.1. */
  version?: string | undefined;
  /** This machine's node id, also the controller's. Default d569b5a474 (the 1.14.1 samples' controller). */
  localNodeId?: string | undefined;
  /** Default one network, d569b5a47421c8b7 "test" on 10.147.17.0/24 (the samples' network). */
  networks?: SimNetworkSpec[] | undefined;
  /** Nodes present at start. */
  nodes?: SimNodeSpec[] | undefined;
  /** From authorization to the address (ms). Default 3000; tests use 0-200. */
  addressDelayMs?: number | undefined;
  /** From this machine's join to the controller's answer (ms). Default 500. */
  configDelayMs?: number | undefined;
  /** How often an online node checks in, so its lastSeen is at most this old. Default 20 s. */
  heartbeatMs?: number | undefined;
  /** Central's per-second limit (fixed one-second windows); null turns it off. Default 20 (free tier). */
  centralRequestsPerSecond?: number | null | undefined;
  /** Keep request and answer bodies in the request log. Default true. */
  recordBodies?: boolean | undefined;
}

/** One request as the simulator saw it. */
export interface SimRequest {
  /** Real time it arrived (ms since the epoch). */
  at: number;
  /** Real time the answer was fully sent; null while in flight, and for resets and hung requests. */
  doneAt: number | null;
  api: 'central' | 'service';
  method: string;
  path: string;
  /** The route as its OpenAPI document names it ("/network/{networkID}/member"); null for unknown routes. */
  route: string | null;
  /** How the request authenticated. */
  auth: 'ok' | 'missing' | 'rejected' | 'not-needed';
  /** Status answered; null when the connection was reset or the request hung. */
  status: number | null;
  fault: Fault['kind'] | null;
  requestBody: unknown;
  responseBody: unknown;
}

export interface Simulator {
  /** http://127.0.0.1:PORT: the local service's and controller's base URL. */
  readonly url: string;
  /** url + /api/v1: set as ZEROTIER_CENTRAL_URL. */
  readonly centralBase: string;
  readonly port: number;
  readonly token: string;
  readonly localToken: string;
  readonly localNodeId: string;
  readonly networkIds: string[];
  /** Full control over the world; the methods below cover the usual scripts. */
  readonly population: Population;
  readonly faults: FaultTable;
  /** Every request, oldest first. */
  readonly requests: SimRequest[];
  /** TCP connections accepted so far (to check connection reuse). */
  readonly connections: number;
  /** Returns the network id. */
  addNetwork(spec?: SimNetworkSpec): string;
  /** Returns the node id. */
  addNode(spec?: SimNodeSpec): string;
  join(nodeId: string, networkId: string): void;
  authorize(networkId: string, nodeId: string): void;
  deauthorize(networkId: string, nodeId: string): void;
  removeMember(networkId: string, nodeId: string): void;
  /** Going quiet freezes lastSeen (or sets it `lastSeenAgoMs` back); coming back makes it fresh. */
  setOnline(nodeId: string, online: boolean, options?: { lastSeenAgoMs?: number }): void;
  /** Force the status this machine's node reports for a joined network (e.g. PORT_ERROR); null to stop. */
  setLocalStatus(networkId: string, status: string | null): void;
  /** The simulated clock (real time plus advance()). */
  now(): number;
  /** Move the simulated clock forward: addresses arrive, lastSeen ages. */
  advance(ms: number): void;
  /** Write authtoken.secret and zerotier-one.port into `dir`, so ZEROTIER_HOME=dir finds this simulator. */
  writeZeroTierHome(dir: string): Promise<void>;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface RouteContext {
  params: Record<string, string>;
  body: unknown;
}

interface Route {
  api: 'central' | 'service';
  method: string;
  /** The OpenAPI path (Central's without the /api/v1 base). */
  template: string;
  pattern: RegExp;
  keys: string[];
  handle: (ctx: RouteContext) => Reply;
}

const MAX_REQUEST_BODY = 1024 * 1024;
const NOT_FOUND: Reply = { status: 404, body: {} };

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Resolves when the response can take more data or is gone, leaving no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const localToken = options.localToken ?? randomBytes(12).toString('hex');
  const version = options.version ?? '1.14.1';
  const hasController = compareVersions(version, '1.16.0') < 0;
  const hasUnstable = hasController && compareVersions(version, '1.14.0') >= 0;
  const memberListAsArray = compareVersions(version, '1.12.2') < 0;
  const recordBodies = options.recordBodies ?? true;
  const centralLimit = options.centralRequestsPerSecond === undefined ? 20 : options.centralRequestsPerSecond;
  let offset = 0;
  const population = new Population({
    now: () => Date.now() + offset,
    addressDelayMs: options.addressDelayMs ?? 3000,
    configDelayMs: options.configDelayMs ?? 500,
    heartbeatMs: options.heartbeatMs ?? 20_000,
    localNodeId: options.localNodeId ?? 'd569b5a474',
    localPhysicalAddress: '198.18.77.1',
  });
  for (const spec of options.networks ?? [{ id: 'd569b5a47421c8b7', name: 'test' }]) population.addNetwork(spec);
  for (const spec of options.nodes ?? []) population.addNode(spec);
  const faults = new FaultTable();
  const requests: SimRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let rateWindow = { second: 0, count: 0 };

  // ---- Central API v1 ---------------------------------------------------------------------------------------
  const centralNetworkOr = (id: string, then: (network: NonNullable<ReturnType<Population['network']>>) => Reply): Reply => {
    const network = population.network(id);
    if (!network) return { status: 404, body: { message: 'network not found' } };
    if (network.forbidden) return { status: 403, body: { message: 'forbidden' } };
    return then(network);
  };
  const central: Omit<Route, 'pattern' | 'keys' | 'api'>[] = [
    {
      method: 'GET',
      template: '/network',
      handle: () => ({
        status: 200,
        body: population
          .networks()
          .filter((n) => !n.forbidden)
          .map((n) => answer.centralNetwork(population, n)),
      }),
    },
    {
      method: 'GET',
      template: '/network/{networkID}',
      handle: ({ params }) => centralNetworkOr(params.networkID ?? '', (n) => ({ status: 200, body: answer.centralNetwork(population, n) })),
    },
    {
      method: 'GET',
      template: '/network/{networkID}/member',
      handle: ({ params }) =>
        centralNetworkOr(params.networkID ?? '', (n) => ({
          status: 200,
          body: population.members(n.id).map((m) => answer.centralMember(population, n, m)),
        })),
    },
    {
      method: 'GET',
      template: '/network/{networkID}/member/{memberID}',
      handle: ({ params }) =>
        centralNetworkOr(params.networkID ?? '', (n) => {
          const member = population.member(n.id, params.memberID ?? '');
          return member ? { status: 200, body: answer.centralMember(population, n, member) } : { status: 404, body: { message: 'member not found' } };
        }),
    },
    {
      method: 'POST',
      template: '/network/{networkID}/member/{memberID}',
      handle: ({ params, body }) =>
        centralNetworkOr(params.networkID ?? '', (n) => {
          if (!isRecord(body) || !/^[0-9a-f]{10}$/.test(params.memberID ?? '')) return { status: 400, body: { message: 'bad request' } };
          const config = isRecord(body.config) ? body.config : {};
          const member = population.updateMember(n.id, params.memberID ?? '', {
            ...(typeof config.authorized === 'boolean' ? { authorized: config.authorized } : {}),
            ...(typeof body.name === 'string' ? { name: body.name } : {}),
            ...(typeof body.description === 'string' ? { description: body.description } : {}),
            ...(typeof body.hidden === 'boolean' ? { hidden: body.hidden } : {}),
            ...(Array.isArray(config.ipAssignments) ? { ipAssignments: config.ipAssignments.filter((x) => typeof x === 'string') } : {}),
          });
          return { status: 200, body: answer.centralMember(population, n, member) };
        }),
    },
    {
      method: 'DELETE',
      template: '/network/{networkID}/member/{memberID}',
      handle: ({ params }) =>
        centralNetworkOr(params.networkID ?? '', (n) =>
          population.removeMember(n.id, params.memberID ?? '') ? { status: 200 } : { status: 404, body: { message: 'member not found' } },
        ),
    },
  ];

  // ---- This machine's service and its controller ---------------------------------------------------------------
  const controllerNetworkOr = (id: string, then: (network: NonNullable<ReturnType<Population['network']>>) => Reply): Reply => {
    const network = population.network(id);
    return network ? then(network) : NOT_FOUND;
  };
  const localNetworkReply = (id: string): Reply => {
    const state = population.localNetwork(id);
    return state ? { status: 200, body: answer.localNetwork(population, id, state) } : NOT_FOUND;
  };
  const service: Omit<Route, 'pattern' | 'keys' | 'api'>[] = [
    { method: 'GET', template: '/status', handle: () => ({ status: 200, body: answer.localStatus(population, version) }) },
    {
      method: 'GET',
      template: '/network',
      handle: () => ({
        status: 200,
        body: population.localNetworkIds().flatMap((id) => {
          const state = population.localNetwork(id);
          return state ? [answer.localNetwork(population, id, state)] : [];
        }),
      }),
    },
    { method: 'GET', template: '/network/{network_id}', handle: ({ params }) => localNetworkReply(params.network_id ?? '') },
    {
      method: 'POST',
      template: '/network/{network_id}',
      handle: ({ params }) => {
        const id = params.network_id ?? '';
        if (!/^[0-9a-f]{16}$/.test(id)) return { status: 400, body: {} };
        population.localJoin(id);
        return localNetworkReply(id);
      },
    },
    {
      method: 'DELETE',
      template: '/network/{network_id}',
      // As zerotier-one 1.14.1: 200 either way, `{}` when this node had not joined (never 404).
      handle: ({ params }) => ({ status: 200, body: population.localLeave(params.network_id ?? '') ? { result: true } : {} }),
    },
    { method: 'GET', template: '/peer', handle: () => ({ status: 200, body: population.peers().map((node) => answer.localPeer(population, node)) }) },
  ];
  const controller: Omit<Route, 'pattern' | 'keys' | 'api'>[] = [
    { method: 'GET', template: '/controller', handle: () => ({ status: 200, body: answer.controllerStatus(population) }) },
    { method: 'GET', template: '/controller/network', handle: () => ({ status: 200, body: population.networks().map((n) => n.id) }) },
    {
      method: 'GET',
      template: '/controller/network/{network_id}',
      handle: ({ params }) => controllerNetworkOr(params.network_id ?? '', (n) => ({ status: 200, body: answer.controllerNetwork(n) })),
    },
    {
      method: 'POST',
      template: '/controller/network/{network_id}',
      handle: ({ params, body }) => {
        const id = params.network_id ?? '';
        if (!isRecord(body)) return { status: 400, body: {} };
        const existing = population.network(id);
        if (existing) {
          if (typeof body.name === 'string') existing.name = body.name;
          if (typeof body.private === 'boolean') existing.private = body.private;
          existing.revision++;
          return { status: 200, body: answer.controllerNetwork(existing) };
        }
        // `<controller id>______`: the controller picks the last six digits.
        if (id !== `${population.localNodeId}______`) return NOT_FOUND;
        const pool = Array.isArray(body.ipAssignmentPools) && isRecord(body.ipAssignmentPools[0]) ? body.ipAssignmentPools[0] : undefined;
        const route = Array.isArray(body.routes) && isRecord(body.routes[0]) ? body.routes[0] : undefined;
        const v6 = isRecord(body.v6AssignMode) ? body.v6AssignMode : {};
        try {
          const created = population.addNetwork({
            name: typeof body.name === 'string' ? body.name : '',
            private: typeof body.private === 'boolean' ? body.private : true,
            subnet: typeof route?.target === 'string' ? route.target : undefined,
            pool: typeof pool?.ipRangeStart === 'string' && typeof pool.ipRangeEnd === 'string' ? { start: pool.ipRangeStart, end: pool.ipRangeEnd } : undefined,
            rfc4193: v6.rfc4193 === true,
            sixPlane: v6['6plane'] === true,
          });
          return { status: 200, body: answer.controllerNetwork(created) };
        } catch {
          return { status: 400, body: {} };
        }
      },
    },
    {
      method: 'GET',
      template: '/controller/network/{network_id}/member',
      handle: ({ params }) =>
        controllerNetworkOr(params.network_id ?? '', (n) => {
          const members = population.members(n.id);
          const body = memberListAsArray
            ? members.map((m) => ({ [m.nodeId]: m.revision }))
            : Object.fromEntries(members.map((m) => [m.nodeId, m.revision]));
          return { status: 200, body };
        }),
    },
    {
      method: 'GET',
      template: '/controller/network/{network_id}/member/{node_id}',
      handle: ({ params }) =>
        controllerNetworkOr(params.network_id ?? '', (n) => {
          const member = population.member(n.id, params.node_id ?? '');
          return member ? { status: 200, body: answer.controllerMember(population, n, member) } : NOT_FOUND;
        }),
    },
    {
      method: 'POST',
      template: '/controller/network/{network_id}/member/{node_id}',
      handle: ({ params, body }) =>
        controllerNetworkOr(params.network_id ?? '', (n) => {
          if (!isRecord(body) || !/^[0-9a-f]{10}$/.test(params.node_id ?? '')) return { status: 400, body: {} };
          const member = population.updateMember(n.id, params.node_id ?? '', {
            ...(typeof body.authorized === 'boolean' ? { authorized: body.authorized } : {}),
            ...(typeof body.name === 'string' ? { name: body.name } : {}),
            ...(Array.isArray(body.ipAssignments) ? { ipAssignments: body.ipAssignments.filter((x) => typeof x === 'string') } : {}),
          });
          return { status: 200, body: answer.controllerMember(population, n, member) };
        }),
    },
    {
      method: 'DELETE',
      template: '/controller/network/{network_id}/member/{node_id}',
      handle: ({ params }) =>
        controllerNetworkOr(params.network_id ?? '', (n) => {
          const member = population.member(n.id, params.node_id ?? '');
          if (!member) return NOT_FOUND;
          const body = answer.controllerMember(population, n, member);
          population.removeMember(n.id, member.nodeId);
          return { status: 200, body };
        }),
    },
  ];
  const unstable: Omit<Route, 'pattern' | 'keys' | 'api'>[] = [
    {
      method: 'GET',
      template: '/unstable/controller/network',
      handle: () => {
        const data = population.networks().map((n) => answer.controllerNetwork(n, population.members(n.id)));
        return { status: 200, body: { data, meta: { networkCount: data.length } } };
      },
    },
    {
      method: 'GET',
      template: '/unstable/controller/network/{network_id}/member',
      handle: ({ params }) =>
        controllerNetworkOr(params.network_id ?? '', (n) => {
          const members = population.members(n.id);
          return {
            status: 200,
            body: {
              data: members.map((m) => answer.controllerMember(population, n, m)),
              meta: { authorizedCount: members.filter((m) => m.authorized).length, totalCount: members.length },
            },
          };
        }),
    },
  ];

  const compile = (api: Route['api'], prefix: string) => (route: Omit<Route, 'pattern' | 'keys' | 'api'>): Route => {
    const keys: string[] = [];
    const source = (prefix + route.template).replace(/\{(\w+)\}/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    return { ...route, api, keys, pattern: new RegExp(`^${source}$`) };
  };
  const routes: Route[] = [
    ...central.map(compile('central', '/api/v1')),
    ...service.map(compile('service', '')),
    ...(hasController ? controller.map(compile('service', '')) : []),
    ...(hasUnstable ? unstable.map(compile('service', '')) : []),
  ];

  function match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1] ?? '').toLowerCase();
      });
      return { route, params };
    }
    return undefined;
  }

  function authenticate(api: Route['api'], req: IncomingMessage): SimRequest['auth'] {
    if (api === 'central') {
      const header = req.headers.authorization;
      if (!header) return 'missing';
      const m = /^(token|bearer)\s+(\S+)$/i.exec(header);
      return m?.[2] === token ? 'ok' : 'rejected';
    }
    const header = req.headers['x-zt1-auth'];
    if (header === undefined) return 'missing';
    return header === localToken ? 'ok' : 'rejected';
  }

  /** Central's limit, in fixed one-second windows of real time; headers like the ones Central sends. */
  function rateLimit(): { headers: Record<string, string>; exceeded: boolean } | undefined {
    if (centralLimit === null) return undefined;
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (rateWindow.second !== second) rateWindow = { second, count: 0 };
    const exceeded = rateWindow.count >= centralLimit;
    if (!exceeded) rateWindow.count++;
    return {
      exceeded,
      headers: {
        'x-ratelimit-limit': String(centralLimit),
        'x-ratelimit-remaining': String(centralLimit - rateWindow.count),
        'x-ratelimit-reset': String(second + 1),
      },
    };
  }

  function send(res: ServerResponse, record: SimRequest, reply: Reply): void {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    record.status = reply.status;
    if (recordBodies) record.responseBody = reply.body;
    res.writeHead(reply.status, {
      ...(text ? { 'content-type': 'application/json' } : {}),
      'content-length': Buffer.byteLength(text),
      ...reply.headers,
    });
    res.end(text);
  }

  /** Apply a fault. Returns true when the request has been dealt with. */
  async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, record: SimRequest): Promise<boolean> {
    record.fault = fault.kind;
    switch (fault.kind) {
      case 'status':
        send(res, record, { status: fault.status, body: fault.body ?? {}, ...(fault.headers ? { headers: fault.headers } : {}) });
        return true;
      case 'delay':
        await sleep(fault.ms);
        return false;
      case 'hang':
        return true;
      case 'reset':
        req.socket.resetAndDestroy();
        return true;
      case 'invalid-json':
        record.status = 200;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"networks": [');
        return true;
      case 'rate-limit': {
        const headers: Record<string, string> = { 'x-ratelimit-remaining': '0' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        if (fault.reset !== undefined) headers['x-ratelimit-reset'] = fault.reset;
        send(res, record, { status: 429, body: { message: 'rate limit exceeded' }, headers });
        return true;
      }
      case 'oversized': {
        record.status = 200;
        const body = Buffer.from(`["${'x'.repeat(Math.max(0, fault.bytes - 4))}"]`);
        res.writeHead(200, { 'content-type': 'application/json', ...(fault.chunked ? {} : { 'content-length': String(body.length) }) });
        // The client hangs up once it has had enough; that is the point.
        res.on('error', () => {});
        if (fault.chunked) {
          for (let i = 0; i < body.length && !res.destroyed; i += 65536) {
            if (!res.write(body.subarray(i, i + 65536))) await drainedOrClosed(res);
          }
          res.end();
        } else {
          res.end(body);
        }
        return true;
      }
    }
  }

  async function readBody(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; reply: Reply }> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY) return { ok: false, reply: { status: 413, body: {} } };
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return { ok: true, value: undefined };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false, reply: { status: 400, body: { message: 'invalid JSON' } } };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const api: Route['api'] = path === '/api/v1' || path.startsWith('/api/v1/') ? 'central' : 'service';
    const found = match(method, path);
    const record: SimRequest = {
      at: Date.now(),
      doneAt: null,
      api,
      method,
      path,
      route: path === '/health' ? '/health' : (found?.route.template ?? null),
      auth: 'not-needed',
      status: null,
      fault: null,
      requestBody: undefined,
      responseBody: undefined,
    };
    requests.push(record);
    res.once('finish', () => {
      record.doneAt = Date.now();
    });
    const body = await readBody(req);
    if (body.ok && recordBodies) record.requestBody = body.value;
    const fault = faults.take(method, path);
    if (fault && (await applyFault(fault, req, res, record))) return;
    if (path === '/health' && method === 'GET') return send(res, record, { status: 200, body: answer.localHealth(population, version) });
    record.auth = authenticate(api, req);
    if (record.auth !== 'ok') return send(res, record, { status: 401, body: api === 'central' ? { message: 'unauthorized' } : {} });
    const limit = api === 'central' ? rateLimit() : undefined;
    if (limit?.exceeded) {
      return send(res, record, { status: 429, body: { message: 'rate limit exceeded' }, headers: { ...limit.headers, 'retry-after': '1' } });
    }
    if (!body.ok) return send(res, record, body.reply);
    const reply = found ? found.route.handle({ params: found.params, body: body.value }) : NOT_FOUND;
    send(res, record, limit ? { ...reply, headers: { ...reply.headers, ...limit.headers } } : reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: error instanceof Error ? error.message : String(error) }));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    centralBase: `${url}/api/v1`,
    port,
    token,
    localToken,
    localNodeId: population.localNodeId,
    get networkIds() {
      return population.networks().map((n) => n.id);
    },
    population,
    faults,
    requests,
    get connections() {
      return connections;
    },
    addNetwork: (spec) => population.addNetwork(spec).id,
    addNode: (spec) => population.addNode(spec).nodeId,
    join: (nodeId, networkId) => void population.join(nodeId, networkId),
    authorize: (networkId, nodeId) => void population.updateMember(networkId, nodeId, { authorized: true }),
    deauthorize: (networkId, nodeId) => void population.updateMember(networkId, nodeId, { authorized: false }),
    removeMember: (networkId, nodeId) => void population.removeMember(networkId, nodeId),
    setOnline: (nodeId, online, opts) => population.setOnline(nodeId, online, opts),
    setLocalStatus: (networkId, status) => population.setLocalStatus(networkId, status),
    now: () => population.now(),
    advance: (ms) => {
      offset += ms;
    },
    async writeZeroTierHome(dir) {
      await mkdir(dir, { recursive: true });
      const secret = join(dir, 'authtoken.secret');
      await writeFile(secret, localToken, { mode: 0o600 });
      await chmod(secret, 0o600);
      await writeFile(join(dir, 'zerotier-one.port'), String(port));
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
