/**
 * The network controller built into zerotier-one (what ztncui drives), as a Controller. It lives in this
 * machine's ZeroTier One service, under `/controller` (and `/unstable/controller` from 1.14 on).
 *
 * Differences from Central this module absorbs:
 * - Members are listed as an id → revision map (`{"<nodeId>": 3}`; 1.12.0-1.12.1 sent an array of one-entry maps)
 *   and fetched one by one with bounded concurrency, unless `/unstable/controller/network/{nwid}/member`
 *   (1.14+) returns them all in one call.
 * - Member changes take a flat body: `{"authorized": true}`, `{"name": "…"}`. There is no description.
 * - The controller keeps no last-seen time or physical address. The controller's node does: every online member
 *   asks it for its network config every minute, so it is a peer with a fresh path. `lastSeen` is that path's
 *   last receive time, `physicalAddress` its IP, and `online` the usual window over them (null / false for a
 *   member that is not a peer). The controller's own node is online when the service says it is.
 * - 1.16.0 (Aug 2025) and later default builds ship without the controller: `GET /controller` is 404.
 */
import * as v from 'valibot';
import pLimit from 'p-limit';
import { InvalidInputError, MissingDependencyError } from '../../common/errors.ts';
import { parseNetworkId, parseNodeId, quote, type NetworkId, type NodeId } from '../../common/validate.ts';
import { computedAddresses, validAddresses } from './addresses.ts';
import type { FailureWords, HttpFailure, HttpTuning } from './http.ts';
import { parseIpv4Subnet } from './ipv4.ts';
import type { DiscoveredService } from './local-discovery.ts';
import { createLocalHttpClient, localServiceName, localServiceWords } from './local-service.ts';
import { checkApplied, checkMemberUpdate } from './member-update.ts';
import { createNetworkCache } from './network-cache.ts';
import { isOnline } from './online.ts';
import type { CallOptions, Controller, Member, MemberUpdate, Network } from './types.ts';
import {
  badAnswer,
  flag,
  ipRanges,
  label,
  lenient,
  num,
  parseAnswer,
  routes,
  strings,
  text,
  timeOrNull,
  v4AssignMode,
  v6AssignMode,
  wireNetworkId,
  wireNodeId,
} from './wire.ts';

export interface LabNetworkSpec {
  /** Shown in `g8boot zt networks`. */
  name: string;
  /** IPv4 network in CIDR form (/8 to /30); members get addresses from all its hosts, e.g. 10.147.17.0/24. */
  subnet: string;
}

export interface SelfHostedController extends Controller {
  readonly kind: 'local';
  /** The controller's node id: the first 10 hex digits of every network it creates. */
  readonly controllerId: NodeId;
  /** Create a private network with an IPv4 pool and a route for its subnet (a developer's own lab network). */
  createNetwork(spec: LabNetworkSpec, options?: CallOptions): Promise<Network>;
}

export interface SelfHostedOptions {
  http?: HttpTuning | undefined;
  /** Member records fetched at once when the controller lists ids only. Default 8. */
  memberConcurrency?: number | undefined;
}

const controllerStatus = v.object({ controller: flag, apiVersion: num });
const controllerNetwork = v.object({
  id: text,
  nwid: text,
  name: text,
  private: flag,
  creationTime: num,
  ipAssignmentPools: ipRanges,
  routes,
  v4AssignMode,
  v6AssignMode,
  meta: lenient(v.object({ authorizedMemberCount: num, totalMemberCount: num })),
});
const controllerMember = v.object({
  id: text,
  address: text,
  name: text,
  authorized: flag,
  ipAssignments: strings,
  creationTime: num,
  lastAuthorizedTime: num,
  vMajor: num,
  vMinor: num,
  vRev: num,
});
type ControllerMember = v.InferOutput<typeof controllerMember>;
const fullMemberList = v.object({ data: v.array(controllerMember) });
const fullNetworkList = v.object({ data: v.array(controllerNetwork) });
const peers = v.array(
  v.object({
    address: text,
    paths: lenient(v.array(v.object({ address: text, lastReceive: num, active: flag, preferred: flag }))),
  }),
);
const nodeStatus = v.object({ address: text, online: flag, clock: num });

/** When and from where a node was last heard, as the controller's node sees it. */
interface Presence {
  lastSeen: number | null;
  physicalAddress: string | null;
  online: boolean;
}

function toNetwork(raw: v.InferOutput<typeof controllerNetwork>, service: string, what: string): Network {
  const id = wireNetworkId(raw.id) ?? wireNetworkId(raw.nwid);
  if (!id) throw badAnswer(service, what, 'a network without a valid id');
  return {
    id,
    name: label(raw.name),
    description: '',
    private: raw.private ?? true,
    ipAssignmentPools: raw.ipAssignmentPools,
    routes: raw.routes,
    v4AssignMode: raw.v4AssignMode,
    v6AssignMode: raw.v6AssignMode,
    creationTime: timeOrNull(raw.creationTime),
    authorizedMemberCount: raw.meta?.authorizedMemberCount ?? null,
    totalMemberCount: raw.meta?.totalMemberCount ?? null,
  };
}

function toMember(
  raw: ControllerMember,
  network: Network,
  presenceOf: (nodeId: NodeId) => Presence | undefined,
  service: string,
  what: string,
): Member {
  const nodeId = wireNodeId(raw.address) ?? wireNodeId(raw.id);
  if (!nodeId) throw badAnswer(service, what, 'a member without a valid node id');
  const presence = presenceOf(nodeId);
  const ipAssignments = validAddresses(raw.ipAssignments);
  // The version is -1.-1.-1 until the member has fetched its config.
  const version = [raw.vMajor, raw.vMinor, raw.vRev];
  return {
    networkId: network.id,
    nodeId,
    name: label(raw.name),
    description: '',
    authorized: raw.authorized === true,
    hidden: false,
    ips: [...ipAssignments, ...computedAddresses(network, nodeId)],
    ipAssignments,
    physicalAddress: presence?.physicalAddress ?? null,
    clientVersion: version.every((v) => typeof v === 'number' && v >= 0) ? version.join('.') : null,
    lastSeen: presence?.lastSeen ?? null,
    online: presence?.online ?? false,
    creationTime: timeOrNull(raw.creationTime),
    lastAuthorizedTime: timeOrNull(raw.lastAuthorizedTime),
  };
}

/**
 * Member ids from `GET /controller/network/{nwid}/member`: `{"<nodeId>": revision}`, or in 1.12.0-1.12.1
 * `[{"<nodeId>": revision}, …]`.
 */
export function memberIdsOf(body: unknown, service: string, what: string): NodeId[] {
  const maps = Array.isArray(body) ? body : [body];
  const ids: NodeId[] = [];
  for (const map of maps) {
    if (!map || typeof map !== 'object' || Array.isArray(map)) throw badAnswer(service, what, 'expected a map of member ids');
    for (const key of Object.keys(map)) {
      const id = wireNodeId(key);
      if (id) ids.push(id);
    }
  }
  return ids;
}

/** "198.18.77.2/19994" → "198.18.77.2": the service writes a path's address as IP/port. */
function withoutPort(address: string): string {
  const slash = address.lastIndexOf('/');
  return slash > 0 ? address.slice(0, slash) : address;
}

/**
 * Connect to the controller of this machine's service. Fails with E_ZT_NO_CONTROLLER (exit 3) when the service
 * has none.
 */
export async function connectSelfHostedController(
  discovered: DiscoveredService,
  options: SelfHostedOptions = {},
  { signal }: CallOptions = {},
): Promise<SelfHostedController> {
  const { location } = discovered;
  const service = localServiceName(location);
  const controllerName = `The ZeroTier One controller at 127.0.0.1:${location.port}`;
  const serviceWords = localServiceWords(location);
  const describe = (failure: HttpFailure): FailureWords | undefined => {
    if (failure.kind === 'status' && failure.status === 404 && failure.subject) {
      return {
        code: 'E_ZT_NOT_FOUND',
        message: `${controllerName} has no ${failure.subject} (HTTP 404).`,
        hint: '`g8boot zt networks --controller local` lists its networks, `g8boot zt members <nwid> --controller local` their members.',
      };
    }
    return serviceWords(failure);
  };
  const http = createLocalHttpClient(discovered, options.http, describe);
  const limit = pLimit(Math.max(1, options.memberConcurrency ?? 8));
  // Whether /unstable/controller/... exists (1.14+); unknown until the first list.
  let unstableRoutes: boolean | undefined;

  let controllerId: NodeId;
  try {
    const probe = await http.request({ method: 'GET', path: '/controller', signal, accept: [404] });
    const status = probe.status === 200 ? v.safeParse(controllerStatus, probe.body) : undefined;
    if (!status?.success || status.output.controller !== true) {
      throw new MissingDependencyError('E_ZT_NO_CONTROLLER', `${service} has no network controller (GET /controller answered ${probe.status}).`, {
        hint: 'zerotier-one 1.16 and later ship without it by default. Use ZeroTier Central (set ZEROTIER_CENTRAL_TOKEN), or a zerotier-one build that includes the controller (1.14/1.15, or 1.16+ built with it).',
      });
    }
    const { body } = await http.request({ method: 'GET', path: '/status', signal });
    const address = wireNodeId(parseAnswer(nodeStatus, body, service, 'the node status').address);
    if (!address) throw badAnswer(service, 'the node status', 'no valid node address');
    controllerId = address;
  } catch (error) {
    await http.close();
    throw error;
  }

  const networks = createNetworkCache(async (nwid: NetworkId, signal: AbortSignal | undefined) => {
    const what = `network ${nwid}`;
    const { body } = await http.request({ method: 'GET', path: `/controller/network/${nwid}`, signal, subject: what });
    return toNetwork(parseAnswer(controllerNetwork, body, service, what), service, what);
  });

  async function presence(signal: AbortSignal | undefined): Promise<(nodeId: NodeId) => Presence | undefined> {
    const [peerAnswer, statusAnswer] = await Promise.all([
      http.request({ method: 'GET', path: '/peer', signal }),
      http.request({ method: 'GET', path: '/status', signal }),
    ]);
    const self = parseAnswer(nodeStatus, statusAnswer.body, service, 'the node status');
    const clock = self.clock ?? Date.now();
    const seen = new Map<string, Presence>();
    for (const peer of parseAnswer(peers, peerAnswer.body, service, 'the peer list')) {
      const id = wireNodeId(peer.address);
      if (!id) continue;
      const paths = peer.paths ?? [];
      let lastSeen: number | null = null;
      let latest: (typeof paths)[number] | undefined;
      for (const path of paths) {
        const at = timeOrNull(path.lastReceive);
        if (at !== null && (lastSeen === null || at > lastSeen)) {
          lastSeen = at;
          latest = path;
        }
      }
      // The preferred active path is the one the peer talks over; without one, the most recently heard.
      const talking = paths.find((path) => path.preferred === true && path.active !== false) ?? latest;
      const physicalAddress = talking?.address ? withoutPort(talking.address) : null;
      seen.set(id, { lastSeen, physicalAddress, online: isOnline(lastSeen, clock) });
    }
    const selfId = wireNodeId(self.address);
    if (selfId) seen.set(selfId, { lastSeen: self.online === true ? clock : null, physicalAddress: null, online: self.online === true });
    return (nodeId) => seen.get(nodeId);
  }

  async function memberRecords(nwid: NetworkId, signal: AbortSignal | undefined): Promise<ControllerMember[]> {
    const what = `the members of network ${nwid}`;
    if (unstableRoutes !== false) {
      const full = await http.request({ method: 'GET', path: `/unstable/controller/network/${nwid}/member`, signal, accept: [404] });
      if (full.status === 200) {
        unstableRoutes = true;
        return parseAnswer(fullMemberList, full.body, service, what).data;
      }
    }
    // A 404 above means a controller older than 1.14, or no such network: this route tells which.
    const list = await http.request({ method: 'GET', path: `/controller/network/${nwid}/member`, signal, subject: `network ${nwid}` });
    unstableRoutes = false;
    const ids = memberIdsOf(list.body, service, what);
    const records = await Promise.all(
      ids.map((id) =>
        limit(async () => {
          const one = await http.request({ method: 'GET', path: `/controller/network/${nwid}/member/${id}`, signal, accept: [404] });
          // Deleted between the list and this fetch: it is no longer a member.
          return one.status === 404 ? undefined : parseAnswer(controllerMember, one.body, service, `member ${id} on network ${nwid}`);
        }),
      ),
    );
    return records.filter((r): r is ControllerMember => r !== undefined);
  }

  async function memberCall(
    nwid: NetworkId,
    nodeId: NodeId,
    request: { method: 'GET' | 'POST'; body?: unknown; idempotent?: boolean },
    signal: AbortSignal | undefined,
  ): Promise<Member> {
    const what = `member ${nodeId} on network ${nwid}`;
    const [network, answer, seen] = await Promise.all([
      networks.recent(nwid, signal),
      http.request({ ...request, path: `/controller/network/${nwid}/member/${nodeId}`, signal, subject: what }),
      presence(signal),
    ]);
    return toMember(parseAnswer(controllerMember, answer.body, service, what), network, seen, service, what);
  }

  return {
    kind: 'local',
    endpoint: location.url,
    controllerId,

    async listNetworks({ signal }: CallOptions = {}) {
      const what = 'the network list';
      if (unstableRoutes !== false) {
        const full = await http.request({ method: 'GET', path: '/unstable/controller/network', signal, accept: [404] });
        if (full.status === 200) {
          unstableRoutes = true;
          return parseAnswer(fullNetworkList, full.body, service, what).data.map((raw) => toNetwork(raw, service, what));
        }
        unstableRoutes = false;
      }
      const { body } = await http.request({ method: 'GET', path: '/controller/network', signal });
      const ids = parseAnswer(v.array(v.string()), body, service, what).flatMap((id) => wireNetworkId(id) ?? []);
      return Promise.all(ids.map((id) => limit(() => networks.fetch(id, signal))));
    },

    async getNetwork(networkId, { signal }: CallOptions = {}) {
      return networks.fetch(parseNetworkId(networkId), signal);
    },

    async listMembers(networkId, { signal }: CallOptions = {}) {
      const nwid = parseNetworkId(networkId);
      const what = `the members of network ${nwid}`;
      const [network, records, seen] = await Promise.all([networks.fetch(nwid, signal), memberRecords(nwid, signal), presence(signal)]);
      return records.map((raw) => toMember(raw, network, seen, service, what));
    },

    async getMember(networkId, nodeId, { signal }: CallOptions = {}) {
      return memberCall(parseNetworkId(networkId), parseNodeId(nodeId), { method: 'GET' }, signal);
    },

    async updateMember(networkId, nodeId, update: MemberUpdate, { signal }: CallOptions = {}) {
      const nwid = parseNetworkId(networkId);
      const node = parseNodeId(nodeId);
      const { authorized, name, description } = checkMemberUpdate(update);
      if (description !== undefined) {
        throw new InvalidInputError('E_ZT_UNSUPPORTED', 'A self-hosted ZeroTier controller keeps no member description.', {
          hint: 'Set the name instead, or use ZeroTier Central.',
        });
      }
      const body = { ...(authorized !== undefined ? { authorized } : {}), ...(name !== undefined ? { name } : {}) };
      // Absolute values: sending the body twice after a lost answer changes nothing more.
      return checkApplied({ authorized }, await memberCall(nwid, node, { method: 'POST', body, idempotent: true }, signal), service, { networkId: nwid, nodeId: node });
    },

    async deleteMember(networkId, nodeId, { signal }: CallOptions = {}) {
      const nwid = parseNetworkId(networkId);
      const node = parseNodeId(nodeId);
      await http.request({
        method: 'DELETE',
        path: `/controller/network/${nwid}/member/${node}`,
        signal,
        subject: `member ${node} on network ${nwid}`,
      });
    },

    async createNetwork(spec: LabNetworkSpec, { signal }: CallOptions = {}) {
      const subnet = parseIpv4Subnet(spec.subnet);
      const name = spec.name.trim();
      if (name === '' || name.length > 255 || /[\u0000-\u001f\u007f-\u009f]/u.test(name)) {
        throw new InvalidInputError('E_INVALID_NAME', `Invalid network name ${quote(spec.name)}.`, {
          hint: 'Give one line of text, 1 to 255 characters.',
        });
      }
      const body = {
        name,
        private: true,
        v4AssignMode: { zt: true },
        ipAssignmentPools: [{ ipRangeStart: subnet.firstHost, ipRangeEnd: subnet.lastHost }],
        routes: [{ target: subnet.cidr, via: null }],
      };
      // `<controller id>______` asks the controller to pick the last six digits at random; not idempotent.
      const { body: created } = await http.request({ method: 'POST', path: `/controller/network/${controllerId}______`, body, signal });
      return toNetwork(parseAnswer(controllerNetwork, created, service, 'the new network'), service, 'the new network');
    },

    close: () => http.close(),
  };
}
