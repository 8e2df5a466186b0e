/**
 * ZeroTier Central API v1 ("Legacy Central", the one free accounts can use) as a Controller.
 *
 * Base URL `https://api.zerotier.com/api/v1`, header `Authorization: token <token>`. Members come in one
 * unpaged list, unauthorized ones included; a partial POST changes a member (`{"config":{"authorized":true}}`,
 * top-level `name` / `description`). Every request of one controller goes through one rate limiter (20/s).
 */
import * as v from 'valibot';
import { InvalidInputError } from '../../common/errors.ts';
import { isLoopbackHost, parseBaseUrl, parseNetworkId, parseNodeId, quote, type NetworkId } from '../../common/validate.ts';
import { computedAddresses, validAddresses } from './addresses.ts';
import { createHttpClient, type FailureWords, type HttpFailure, type HttpTuning } from './http.ts';
import { checkApplied, checkMemberUpdate } from './member-update.ts';
import { createNetworkCache } from './network-cache.ts';
import { isOnline } from './online.ts';
import { createRateLimiter } from './rate-limit.ts';
import type { CallOptions, Controller, Member, MemberUpdate, Network } from './types.ts';
import {
  badAnswer,
  convertEach,
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

export const CENTRAL_DEFAULT_URL = 'https://api.zerotier.com/api/v1';
const SERVICE = 'ZeroTier Central';

export const CENTRAL_TOKEN_HINT =
  'Create an API token at https://my.zerotier.com/account (API Access Tokens), then set ZEROTIER_CENTRAL_TOKEN or save it in a file (chmod 600) and pass --central-token-file <path>.';

export interface CentralOptions extends HttpTuning {
  /** Default CENTRAL_DEFAULT_URL; includes `/api/v1` (as ZEROTIER_CENTRAL_URL does for ZeroTier's Terraform provider). */
  baseUrl?: string | undefined;
  token: string;
  /** Pace of requests; default 20 (free tier). Paid accounts may set 100. */
  requestsPerSecond?: number | undefined;
}

/**
 * Check a Central base URL. Plain http is accepted only for loopback addresses (the simulator): anything else
 * would send the token in clear text.
 */
export function parseCentralUrl(input: string): string {
  const url = parseBaseUrl(input, 'ZeroTier Central URL');
  const { protocol, hostname } = new URL(url);
  if (protocol === 'http:' && !isLoopbackHost(hostname)) {
    throw new InvalidInputError('E_INVALID_URL', `The ZeroTier Central URL ${quote(input)} uses plain http, which would send the API token unencrypted.`, {
      hint: `Use https (the default is ${CENTRAL_DEFAULT_URL}); plain http is only accepted for 127.0.0.1, ::1 or localhost.`,
    });
  }
  return url;
}

/** Check a Central API token without ever quoting it. Returns it trimmed. */
export function checkCentralToken(token: string, source: string): string {
  const value = token.trim();
  if (value === '') throw new InvalidInputError('E_ZT_NO_CENTRAL_TOKEN', `The ZeroTier Central API token from ${source} is empty.`, { hint: CENTRAL_TOKEN_HINT });
  if (/[\s\u0000-\u001f\u007f]/u.test(value) || value.length > 1024) {
    throw new InvalidInputError('E_ZT_BAD_CENTRAL_TOKEN', `The ZeroTier Central API token from ${source} contains spaces or control characters, or is too long.`, {
      hint: 'A token is one word of letters and digits; check that the file or variable holds only the token.',
    });
  }
  return value;
}

const centralNetwork = v.object({
  id: text,
  description: text,
  authorizedMemberCount: num,
  totalMemberCount: num,
  config: lenient(
    v.object({
      id: text,
      name: text,
      private: flag,
      creationTime: num,
      ipAssignmentPools: ipRanges,
      routes,
      v4AssignMode,
      v6AssignMode,
    }),
  ),
});
type CentralNetwork = v.InferOutput<typeof centralNetwork>;

const centralMember = v.object({
  id: text,
  nodeId: text,
  name: text,
  description: text,
  hidden: flag,
  clock: num,
  lastSeen: num,
  lastOnline: num,
  physicalAddress: text,
  clientVersion: text,
  config: lenient(v.object({ id: text, authorized: flag, ipAssignments: strings, creationTime: num, lastAuthorizedTime: num })),
});
type CentralMember = v.InferOutput<typeof centralMember>;

function toNetwork(raw: CentralNetwork, what: string): Network {
  const id = wireNetworkId(raw.id) ?? wireNetworkId(raw.config?.id);
  if (!id) throw badAnswer(SERVICE, what, 'a network without a valid id');
  const config = raw.config;
  return {
    id,
    name: config?.name ?? '',
    description: raw.description ?? '',
    private: config?.private ?? true,
    ipAssignmentPools: config?.ipAssignmentPools ?? [],
    routes: config?.routes ?? [],
    v4AssignMode: config?.v4AssignMode ?? { zt: false },
    v6AssignMode: config?.v6AssignMode ?? { zt: false, rfc4193: false, sixPlane: false },
    creationTime: timeOrNull(config?.creationTime),
    authorizedMemberCount: raw.authorizedMemberCount ?? null,
    totalMemberCount: raw.totalMemberCount ?? null,
  };
}

/** `now` is used only when Central omits its `clock`. */
function toMember(raw: CentralMember, network: Network, now: number, what: string): Member {
  // `nodeId` is the documented field; older answers only had the `<nwid>-<nodeId>` id or config.id.
  const nodeId = wireNodeId(raw.nodeId) ?? wireNodeId(raw.config?.id) ?? wireNodeId(raw.id?.split('-')[1]);
  if (!nodeId) throw badAnswer(SERVICE, what, 'a member without a valid node id');
  const ipAssignments = validAddresses(raw.config?.ipAssignments ?? []);
  // `lastOnline` is the deprecated name of the same time; both "may be reset to 0".
  const lastSeen = timeOrNull(raw.lastSeen) ?? timeOrNull(raw.lastOnline);
  return {
    networkId: network.id,
    nodeId,
    name: label(raw.name),
    description: label(raw.description),
    authorized: raw.config?.authorized === true,
    hidden: raw.hidden === true,
    ips: [...ipAssignments, ...computedAddresses(network, nodeId)],
    ipAssignments,
    physicalAddress: raw.physicalAddress || null,
    clientVersion: raw.clientVersion || null,
    lastSeen,
    online: isOnline(lastSeen, raw.clock ?? now),
    creationTime: timeOrNull(raw.config?.creationTime),
    lastAuthorizedTime: timeOrNull(raw.config?.lastAuthorizedTime),
  };
}

function describeFailure(origin: string) {
  return (failure: HttpFailure): FailureWords | undefined => {
    if (failure.kind === 'unreachable') {
      return {
        message: `Cannot reach ZeroTier Central at ${origin} (${failure.detail}).`,
        hint: 'Check the internet connection, and ZEROTIER_CENTRAL_URL or --central-url if you set one.',
      };
    }
    const subject = failure.subject ?? 'that';
    switch (failure.status) {
      case 401:
        return { code: 'E_ZT_UNAUTHORIZED', message: 'ZeroTier Central rejected the API token (HTTP 401).', hint: CENTRAL_TOKEN_HINT };
      case 403:
        return failure.subject === undefined
          ? { code: 'E_ZT_UNAUTHORIZED', message: 'ZeroTier Central rejected the API token (HTTP 403).', hint: CENTRAL_TOKEN_HINT }
          : {
              code: 'E_ZT_FORBIDDEN',
              message: `ZeroTier Central refused this token access to ${subject} (HTTP 403).`,
              hint: "The token's account must own the network or have been given access to it. `g8boot zt networks` lists the networks this token can see.",
            };
      case 404:
        return {
          code: 'E_ZT_NOT_FOUND',
          message: `ZeroTier Central has no ${subject} (HTTP 404).`,
          hint: '`g8boot zt networks` lists the networks this token can see, `g8boot zt members <nwid>` their members.',
        };
      default:
        return undefined;
    }
  };
}

export function createCentralController(options: CentralOptions): Controller {
  const baseUrl = parseCentralUrl(options.baseUrl ?? CENTRAL_DEFAULT_URL);
  const token = checkCentralToken(options.token, 'the configuration');
  const http = createHttpClient({
    ...options,
    baseUrl,
    service: SERVICE,
    authHeaders: { authorization: `token ${token}` },
    secret: token,
    rateLimiter: createRateLimiter({ requestsPerSecond: options.requestsPerSecond ?? 20 }),
    describe: describeFailure(new URL(baseUrl).origin),
  });
  const networks = createNetworkCache(async (nwid: NetworkId, signal: AbortSignal | undefined) => {
    const what = `network ${nwid}`;
    const { body } = await http.request({ method: 'GET', path: `/network/${nwid}`, signal, subject: what });
    return toNetwork(parseAnswer(centralNetwork, body, SERVICE, what), what);
  });

  function memberPath(nwid: NetworkId, nodeId: string) {
    return { path: `/network/${nwid}/member/${nodeId}`, subject: `member ${nodeId} on network ${nwid}` };
  }

  async function memberCall(
    nwid: NetworkId,
    nodeId: string,
    request: { method: 'GET' | 'POST'; body?: unknown; idempotent?: boolean },
    signal: AbortSignal | undefined,
  ): Promise<Member> {
    const { path, subject } = memberPath(nwid, nodeId);
    const [network, answer] = await Promise.all([networks.recent(nwid, signal), http.request({ ...request, path, subject, signal })]);
    return toMember(parseAnswer(centralMember, answer.body, SERVICE, subject), network, Date.now(), subject);
  }

  return {
    kind: 'central',
    endpoint: baseUrl,

    async listNetworks({ signal }: CallOptions = {}) {
      const { body } = await http.request({ method: 'GET', path: '/network', signal });
      const list = parseAnswer(v.array(centralNetwork), body, SERVICE, 'the network list');
      return list.map((raw) => toNetwork(raw, 'the network list'));
    },

    async getNetwork(networkId, { signal }: CallOptions = {}) {
      return networks.fetch(parseNetworkId(networkId), signal);
    },

    async listMembers(networkId, { signal }: CallOptions = {}) {
      const nwid = parseNetworkId(networkId);
      const what = `the members of network ${nwid}`;
      const [network, answer] = await Promise.all([
        // The network's IPv6 modes decide which addresses members get computed.
        networks.recent(nwid, signal),
        http.request({ method: 'GET', path: `/network/${nwid}/member`, signal, subject: `network ${nwid}` }),
      ]);
      const now = Date.now();
      return convertEach(centralMember, answer.body, SERVICE, what, (raw) => toMember(raw, network, now, what));
    },

    async getMember(networkId, nodeId, { signal }: CallOptions = {}) {
      return memberCall(parseNetworkId(networkId), parseNodeId(nodeId), { method: 'GET' }, signal);
    },

    async updateMember(networkId, nodeId, update: MemberUpdate, { signal }: CallOptions = {}) {
      const nwid = parseNetworkId(networkId);
      const node = parseNodeId(nodeId);
      const { authorized, name, description } = checkMemberUpdate(update);
      const body = {
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(authorized !== undefined ? { config: { authorized } } : {}),
      };
      // The body sets absolute values, so sending it twice after a lost answer changes nothing more.
      return checkApplied({ authorized }, await memberCall(nwid, node, { method: 'POST', body, idempotent: true }, signal), SERVICE, { networkId: nwid, nodeId: node });
    },

    async deleteMember(networkId, nodeId, { signal }: CallOptions = {}) {
      const { path, subject } = memberPath(parseNetworkId(networkId), parseNodeId(nodeId));
      await http.request({ method: 'DELETE', path, subject, signal });
    },

    close: () => http.close(),
  };
}
