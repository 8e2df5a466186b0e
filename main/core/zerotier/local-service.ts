/**
 * This machine's ZeroTier One service: its node status, the networks it joined, joining and leaving, and waiting
 * after a join until the network is usable. HTTP on 127.0.0.1:<port> with the token in `X-ZT1-Auth`.
 */
import * as v from 'valibot';
import { ExitCode, G8bootError } from '../../common/errors.ts';
import { parseNetworkId, type NetworkId, type NodeId } from '../../common/validate.ts';
import { createHttpClient, formatSeconds, type FailureWords, type HttpClient, type HttpFailure, type HttpTuning } from './http.ts';
import {
  discoverLocalService,
  startHint,
  tokenCopyHint,
  zeroTierPaths,
  type DiscoveredService,
  type DiscoveryOptions,
  type LocalServiceLocation,
} from './local-discovery.ts';
import { sleep } from './sleep.ts';
import type { CallOptions } from './types.ts';
import { badAnswer, flag, parseAnswer, strings, text, wireNetworkId, wireNodeId } from './wire.ts';

/** The `status` of a joined network, as the service reports it. */
export type JoinedNetworkStatus =
  | 'REQUESTING_CONFIGURATION'
  | 'OK'
  | 'ACCESS_DENIED'
  | 'NOT_FOUND'
  | 'PORT_ERROR'
  | 'CLIENT_TOO_OLD'
  | 'AUTHENTICATION_REQUIRED';

export interface NodeStatus {
  /** This machine's ZeroTier address (node id). */
  address: NodeId;
  /** Whether the node reaches ZeroTier's root servers. */
  online: boolean;
  version: string;
  /** Relaying over TCP because UDP is blocked: slow but working. */
  tcpFallbackActive: boolean;
}

export interface JoinedNetwork {
  id: NetworkId;
  /** '' until the controller sent the network config. */
  name: string;
  /** One of JoinedNetworkStatus; kept as a string so a status added by a later ZeroTier still shows. */
  status: string;
  /** This machine's addresses on the network, CIDR form ("10.147.17.13/24"). */
  assignedAddresses: string[];
  /** The virtual interface ("ztoeozi3gd"), or null before it exists. */
  device: string | null;
  /** PUBLIC or PRIVATE. */
  type: string;
}

/** What a joined network's status means, in words a person understands. */
export function describeJoinStatus(network: Pick<JoinedNetwork, 'status' | 'assignedAddresses'>): string {
  switch (network.status) {
    case 'OK':
      return network.assignedAddresses.length > 0 ? 'ready' : 'authorized, waiting for an address';
    case 'REQUESTING_CONFIGURATION':
      return 'asking the network controller for the configuration';
    case 'ACCESS_DENIED':
      return 'waiting for authorization';
    case 'NOT_FOUND':
      return 'no such network: its controller does not know it';
    case 'PORT_ERROR':
      return 'the virtual network port could not be created';
    case 'CLIENT_TOO_OLD':
      return 'this ZeroTier One is too old for the network';
    case 'AUTHENTICATION_REQUIRED':
      return 'the network requires a single sign-on login';
    default:
      return `status ${network.status}`;
  }
}

/** Statuses that will not change by waiting. */
const FINAL_FAILURES: Record<string, string> = {
  NOT_FOUND: 'Check the network id; `g8boot zt networks` lists the networks of your controller.',
  PORT_ERROR:
    'ZeroTier One could not create its virtual interface: on Linux check that /dev/net/tun exists and the service runs as root (containers need --cap-add=NET_ADMIN --device /dev/net/tun); on macOS allow its network extension; on Windows reinstall ZeroTier to restore its virtual adapter.',
  CLIENT_TOO_OLD: 'Update ZeroTier One (https://www.zerotier.com/download/).',
};

export interface JoinSettings {
  /** Let the controller assign addresses and routes (default true, as `zerotier-cli join`). */
  allowManaged?: boolean | undefined;
  allowGlobal?: boolean | undefined;
  allowDefault?: boolean | undefined;
  allowDNS?: boolean | undefined;
}

export interface WaitOptions extends CallOptions {
  /** Give up after this long. Default 120 s (an address usually arrives 15-20 s after authorization). */
  timeoutMs?: number | undefined;
  /** Time between polls. Default 0.5 s (a local call; the node itself re-asks its controller every ~5 s). */
  intervalMs?: number | undefined;
  /** Called whenever the status (in words) changes. */
  onProgress?: ((network: JoinedNetwork, words: string) => void) | undefined;
}

export interface LocalService {
  readonly location: LocalServiceLocation;
  status(options?: CallOptions): Promise<NodeStatus>;
  listNetworks(options?: CallOptions): Promise<JoinedNetwork[]>;
  /** Throws E_ZT_NOT_JOINED when this machine has not joined it. */
  getNetwork(networkId: string, options?: CallOptions): Promise<JoinedNetwork>;
  join(networkId: string, settings?: JoinSettings, options?: CallOptions): Promise<JoinedNetwork>;
  /** Throws E_ZT_NOT_JOINED when this machine had not joined it (nothing changed). */
  leave(networkId: string, options?: CallOptions): Promise<void>;
  /**
   * Poll until the network is `OK` with an address. Fails at once on statuses waiting cannot fix (NOT_FOUND,
   * PORT_ERROR, CLIENT_TOO_OLD) and after the timeout with the last status in words (E_ZT_JOIN_TIMEOUT).
   */
  waitUntilReady(networkId: string, options?: WaitOptions): Promise<JoinedNetwork>;
  close(): Promise<void>;
}

const nodeStatus = v.object({ address: text, online: flag, version: text, tcpFallbackActive: flag });
const joinedNetwork = v.object({
  id: text,
  nwid: text,
  name: text,
  status: text,
  assignedAddresses: strings,
  portDeviceName: text,
  type: text,
});

function toJoinedNetwork(raw: v.InferOutput<typeof joinedNetwork>, service: string, what: string): JoinedNetwork {
  const id = wireNetworkId(raw.id) ?? wireNetworkId(raw.nwid);
  if (!id) throw badAnswer(service, what, 'a network without a valid id');
  return {
    id,
    name: raw.name ?? '',
    status: raw.status ?? 'REQUESTING_CONFIGURATION',
    assignedAddresses: raw.assignedAddresses,
    device: raw.portDeviceName || null,
    type: raw.type ?? 'PRIVATE',
  };
}

/** How messages name this machine's service. */
export function localServiceName(location: LocalServiceLocation): string {
  return `ZeroTier One (127.0.0.1:${location.port})`;
}

/** Words for the failures every call to the local service can meet: not running, token rejected. */
export function localServiceWords(location: LocalServiceLocation): (failure: HttpFailure) => FailureWords | undefined {
  return (failure) => {
    if (failure.kind === 'unreachable') {
      return {
        code: 'E_ZT_NOT_RUNNING',
        exitCode: ExitCode.missingDependency,
        message: `ZeroTier One is not running: nothing answers on 127.0.0.1:${location.port} (${failure.detail}).`,
        hint: startHint(location.platform),
      };
    }
    if (failure.status === 401 || failure.status === 403) {
      const paths = zeroTierPaths({ platform: location.platform, ztHome: location.home });
      return {
        code: 'E_ZT_UNAUTHORIZED',
        message: `${localServiceName(location)} rejected the token read from ${location.tokenPath} (HTTP ${failure.status}).`,
        hint: location.tokenIsUserCopy
          ? `That per-user copy is stale (ZeroTier was reinstalled or its token changed). ${tokenCopyHint({ ...paths, userTokenCopy: location.tokenPath })}`
          : `Check that ${location.home} is the home of the service listening on port ${location.port} (ZEROTIER_HOME, --zt-home).`,
      };
    }
    return undefined;
  };
}

/** The HTTP client for this machine's service (also used by the self-hosted controller, which lives in it). */
export function createLocalHttpClient(
  discovered: DiscoveredService,
  tuning: HttpTuning = {},
  describe: (failure: HttpFailure) => FailureWords | undefined = localServiceWords(discovered.location),
): HttpClient {
  const { location, token } = discovered;
  return createHttpClient({
    // Local calls answer in milliseconds; a service that hangs should not hold a command for long.
    timeoutMs: 5_000,
    retryBaseDelayMs: 100,
    ...tuning,
    baseUrl: location.url,
    service: localServiceName(location),
    authHeaders: { 'x-zt1-auth': token },
    secret: token,
    describe,
  });
}

export function createLocalService(discovered: DiscoveredService, tuning: HttpTuning = {}): LocalService {
  const { location } = discovered;
  const service = localServiceName(location);
  const http = createLocalHttpClient(discovered, tuning);

  async function status({ signal }: CallOptions = {}): Promise<NodeStatus> {
    const { body } = await http.request({ method: 'GET', path: '/status', signal });
    const raw = parseAnswer(nodeStatus, body, service, 'the node status');
    const address = wireNodeId(raw.address);
    if (!address) throw badAnswer(service, 'the node status', 'no valid node address');
    return { address, online: raw.online === true, version: raw.version ?? 'unknown', tcpFallbackActive: raw.tcpFallbackActive === true };
  }

  async function getNetwork(networkId: string, { signal }: CallOptions = {}): Promise<JoinedNetwork> {
    const nwid = parseNetworkId(networkId);
    const what = `network ${nwid}`;
    const { status: code, body } = await http.request({ method: 'GET', path: `/network/${nwid}`, signal, subject: what, accept: [404] });
    if (code === 404) {
      throw new G8bootError('E_ZT_NOT_JOINED', `This machine has not joined network ${nwid}.`, { hint: `Join it with \`g8boot zt join ${nwid}\`.` });
    }
    return toJoinedNetwork(parseAnswer(joinedNetwork, body, service, what), service, what);
  }

  /** A hint for a wait that timed out, naming this node so the person can authorize it. */
  async function timeoutHint(nwid: NetworkId, last: JoinedNetwork): Promise<string> {
    if (last.status !== 'ACCESS_DENIED') return 'The controller may be slow; try again, or check the network on its controller.';
    const address = await status().then(
      (s) => s.address,
      () => '<this node>',
    );
    return `Authorize this node: \`g8boot authorize ${nwid} ${address}\` (or in ZeroTier Central), then wait again with \`g8boot zt join ${nwid} --wait\`.`;
  }

  return {
    location,
    status,
    getNetwork,

    async listNetworks({ signal }: CallOptions = {}) {
      const { body } = await http.request({ method: 'GET', path: '/network', signal });
      return parseAnswer(v.array(joinedNetwork), body, service, 'the joined networks').map((raw) =>
        toJoinedNetwork(raw, service, 'the joined networks'),
      );
    },

    async join(networkId, settings: JoinSettings = {}, { signal }: CallOptions = {}) {
      const nwid = parseNetworkId(networkId);
      const what = `network ${nwid}`;
      const body = {
        allowManaged: settings.allowManaged ?? true,
        ...(settings.allowGlobal !== undefined ? { allowGlobal: settings.allowGlobal } : {}),
        ...(settings.allowDefault !== undefined ? { allowDefault: settings.allowDefault } : {}),
        ...(settings.allowDNS !== undefined ? { allowDNS: settings.allowDNS } : {}),
      };
      // Joining twice is the same as joining once.
      const answer = await http.request({ method: 'POST', path: `/network/${nwid}`, body, signal, subject: what, idempotent: true });
      return toJoinedNetwork(parseAnswer(joinedNetwork, answer.body, service, what), service, what);
    },

    async leave(networkId, { signal }: CallOptions = {}) {
      const nwid = parseNetworkId(networkId);
      const { status: code, body } = await http.request({ method: 'DELETE', path: `/network/${nwid}`, signal, subject: `network ${nwid}`, accept: [404] });
      // zerotier-one answers 200 either way: `{"result":true}` when it left, `{}` when it had not joined.
      const left = code !== 404 && typeof body === 'object' && body !== null && (body as { result?: unknown }).result === true;
      if (!left) {
        throw new G8bootError('E_ZT_NOT_JOINED', `This machine has not joined network ${nwid}, so there is nothing to leave.`, {
          hint: '`g8boot zt status` lists the networks it has joined.',
        });
      }
    },

    async waitUntilReady(networkId, options: WaitOptions = {}) {
      const nwid = parseNetworkId(networkId);
      const timeoutMs = options.timeoutMs ?? 120_000;
      const intervalMs = options.intervalMs ?? 500;
      const deadline = Date.now() + timeoutMs;
      let lastWords: string | undefined;
      for (;;) {
        const network = await getNetwork(nwid, options);
        const words = describeJoinStatus(network);
        if (network.status === 'OK' && network.assignedAddresses.length > 0) return network;
        const finalHint = FINAL_FAILURES[network.status];
        if (finalHint !== undefined) {
          throw new G8bootError(`E_ZT_JOIN_${network.status}`, `Cannot use network ${nwid}: ${words} (${network.status}).`, { hint: finalHint });
        }
        if (words !== lastWords) {
          lastWords = words;
          options.onProgress?.(network, words);
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new G8bootError('E_ZT_JOIN_TIMEOUT', `Network ${nwid} was not ready after ${formatSeconds(timeoutMs)}: ${words} (${network.status}).`, {
            hint: await timeoutHint(nwid, network),
          });
        }
        await sleep(Math.min(intervalMs, left), options.signal);
      }
    },

    close: () => http.close(),
  };
}

/** The errors of waitUntilReady for statuses waiting cannot fix. */
const HOPELESS_JOIN_CODES = new Set(Object.keys(FINAL_FAILURES).map((status) => `E_ZT_JOIN_${status}`));

export interface JoinUntilReadyResult {
  network: JoinedNetwork;
  /** Whether this call made the join (the machine was not on the network before). */
  startedJoin: boolean;
}

/**
 * Join and wait until the network is usable. A network that can never work (NOT_FOUND, PORT_ERROR,
 * CLIENT_TOO_OLD) would otherwise stay joined — zerotier-one keeps asking a dead id forever — so when this call
 * made the join it leaves again and says so; when the machine was on the network before, it stays and the hint
 * says how to leave. A timeout leaves nothing: the node may still be authorized later.
 */
export async function joinUntilReady(
  service: LocalService,
  networkId: string,
  options: WaitOptions & { settings?: JoinSettings | undefined } = {},
): Promise<JoinUntilReadyResult> {
  const { startedJoin } = await startJoin(service, networkId, options.settings, options);
  return { network: await waitOrUndoJoin(service, networkId, startedJoin, options), startedJoin };
}

/** Join, noting whether this call made the join (the machine was not on the network before). */
export async function startJoin(
  service: LocalService,
  networkId: string,
  settings?: JoinSettings,
  options: CallOptions = {},
): Promise<JoinUntilReadyResult> {
  const nwid = parseNetworkId(networkId);
  const startedJoin = await service.getNetwork(nwid, options).then(
    () => false,
    (error: unknown) => {
      if (error instanceof G8bootError && error.code === 'E_ZT_NOT_JOINED') return true;
      throw error;
    },
  );
  return { network: await service.join(nwid, settings, options), startedJoin };
}

/** The second half of joinUntilReady: wait, and leave again when the join was ours and can never work. */
export async function waitOrUndoJoin(service: LocalService, networkId: string, startedJoin: boolean, options: WaitOptions = {}): Promise<JoinedNetwork> {
  const nwid = parseNetworkId(networkId);
  try {
    return await service.waitUntilReady(nwid, options);
  } catch (error) {
    if (!(error instanceof G8bootError) || !HOPELESS_JOIN_CODES.has(error.code)) throw error;
    if (!startedJoin) {
      throw new G8bootError(error.code, `${error.message} This machine was on it before and stays joined.`, {
        hint: `${error.hint ?? ''} Leave it with \`g8boot zt leave ${nwid}\`.`.trim(),
        cause: error,
      });
    }
    const undone = await service.leave(nwid).then(
      () => 'g8boot left it again, so ZeroTier One does not keep asking for it.',
      (leaveError: unknown) => `Leaving it again failed (${(leaveError as Error).message}): leave it with \`g8boot zt leave ${nwid}\`.`,
    );
    throw new G8bootError(error.code, `${error.message} ${undone}`, { hint: error.hint, cause: error });
  }
}

/** Find this machine's service (local-discovery.ts) and make a client for it. */
export async function connectLocalService(options: DiscoveryOptions & { http?: HttpTuning | undefined } = {}): Promise<LocalService> {
  return createLocalService(await discoverLocalService(options), options.http);
}
