/**
 * The simulator's world: networks hosted by one controller, ZeroTier nodes that join them, and this machine's
 * own node. No HTTP here (server.ts serves this state through Central's, the service's and the controller's APIs).
 *
 * Behaviour modelled on what FIELD-NOTES §4 and the 1.14.1 samples show:
 * - a node that asks to join appears at once, unauthorized, with its physical address and a fresh lastSeen;
 * - after authorization it re-asks for its config and receives an address from the pool some seconds later
 *   (`addressDelayMs`); until then it has none, and its controller-side version stays -1;
 * - a node that goes quiet keeps its last lastSeen, which ages; when it comes back lastSeen is fresh again;
 * - this machine's node, after a join, asks for the config (`configDelayMs`), then is ACCESS_DENIED until
 *   authorized, then OK with its address; an unknown network ends as NOT_FOUND.
 * State changes are evaluated lazily against the clock when read, so the simulator needs no timers and works the
 * same with real time and with `advance()`.
 */
import { randomBytes } from 'node:crypto';
import { rfc4193Address, sixPlaneAddress } from '../addresses.ts';
import { ipv4ToNumber, numberToIpv4, parseIpv4Subnet } from '../ipv4.ts';
import { parseNetworkId, parseNodeId } from '../../../common/validate.ts';
import { InvalidInputError } from '../../../common/errors.ts';

export interface SimNetworkSpec {
  /** Default: the controller's node id + 6 random hex digits (how zerotier-one makes ids). */
  id?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  /** IPv4 subnet of the pool and the managed route. Default 10.147.17.0/24 (the 1.14.1 sample's). */
  subnet?: string | undefined;
  /** Part of the subnet to assign from; default every host of it. */
  pool?: { start: string; end: string } | undefined;
  rfc4193?: boolean | undefined;
  sixPlane?: boolean | undefined;
  /** Default true. Public networks admit every node without authorization. */
  private?: boolean | undefined;
  /** Central answers 403 for this network, as for a network of another account. */
  forbidden?: boolean | undefined;
}

export interface SimNodeSpec {
  /** Default: 10 random hex digits. */
  nodeId?: string | undefined;
  /** The IPv4 address it receives once authorized, instead of the next free one (e.g. 127.0.5.3 for a local Redis). */
  address?: string | undefined;
  /** Public address it reaches the controller from. Default 203.0.113.<n> (TEST-NET-3). */
  physicalAddress?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  /** ZeroTier version it runs. Default 1.14.1. */
  clientVersion?: string | undefined;
  /** The network it joins; default the first one. */
  networkId?: string | undefined;
  /** Ask to join right away (default true). */
  joinNow?: boolean | undefined;
  /** Start authorized, its address already assigned (default false). */
  authorized?: boolean | undefined;
}

export interface SimNetwork {
  id: string;
  name: string;
  description: string;
  subnet: string;
  prefixLength: number;
  poolStart: number;
  poolEnd: number;
  rfc4193: boolean;
  sixPlane: boolean;
  private: boolean;
  forbidden: boolean;
  creationTime: number;
  revision: number;
  members: Map<string, SimMember>;
}

export interface SimMember {
  nodeId: string;
  name: string;
  description: string;
  hidden: boolean;
  authorized: boolean;
  ipAssignments: string[];
  creationTime: number;
  lastAuthorizedTime: number;
  lastDeauthorizedTime: number;
  revision: number;
  /** When an authorized member that has no config yet will have fetched it (and its address). */
  configDueAt: number | null;
  /** Has fetched its network config since it was authorized (its version is then known to the controller). */
  configured: boolean;
}

export interface SimNode {
  nodeId: string;
  physicalAddress: string | null;
  clientVersion: string;
  wantedAddress: string | null;
  online: boolean;
  /** Ever heard from; false for members created through the API only (pre-authorized). */
  seen: boolean;
  onlineSince: number;
  /** lastSeen while quiet. */
  quietLastSeen: number | null;
}

/** How this machine's node sees a network it joined. */
export interface LocalNetworkState {
  status: string;
  name: string;
  /** CIDR form. */
  assignedAddresses: string[];
  network: SimNetwork | undefined;
}

export interface PopulationOptions {
  now: () => number;
  addressDelayMs: number;
  configDelayMs: number;
  /** How often an online node checks in (its lastSeen is at most this old). */
  heartbeatMs: number;
  localNodeId: string;
  localPhysicalAddress: string;
}

const DEFAULT_SUBNET = '10.147.17.0/24';

export class Population {
  readonly localNodeId: string;
  readonly #options: PopulationOptions;
  readonly #networks = new Map<string, SimNetwork>();
  readonly #nodes = new Map<string, SimNode>();
  readonly #localJoins = new Map<string, { joinedAt: number; forcedStatus: string | null }>();
  #physicalCounter = 0;

  constructor(options: PopulationOptions) {
    this.#options = options;
    this.localNodeId = parseNodeId(options.localNodeId);
    this.#nodes.set(this.localNodeId, {
      nodeId: this.localNodeId,
      physicalAddress: options.localPhysicalAddress,
      clientVersion: '1.14.1',
      wantedAddress: null,
      online: true,
      seen: true,
      onlineSince: options.now(),
      quietLastSeen: null,
    });
  }

  now(): number {
    return this.#options.now();
  }

  addNetwork(spec: SimNetworkSpec = {}): SimNetwork {
    const id = spec.id ? parseNetworkId(spec.id) : `${this.localNodeId}${randomBytes(3).toString('hex')}`;
    if (this.#networks.has(id)) throw new InvalidInputError('E_SIM_DUPLICATE', `The simulator already has network ${id}.`);
    const subnet = parseIpv4Subnet(spec.subnet ?? DEFAULT_SUBNET);
    const poolStart = ipv4ToNumber(spec.pool?.start ?? subnet.firstHost);
    const poolEnd = ipv4ToNumber(spec.pool?.end ?? subnet.lastHost);
    if (poolStart === null || poolEnd === null || poolStart > poolEnd) {
      throw new InvalidInputError('E_SIM_POOL', `Invalid simulator pool ${JSON.stringify(spec.pool)}.`);
    }
    const network: SimNetwork = {
      id,
      name: spec.name ?? 'test',
      description: spec.description ?? '',
      subnet: subnet.cidr,
      prefixLength: subnet.prefixLength,
      poolStart,
      poolEnd,
      rfc4193: spec.rfc4193 ?? false,
      sixPlane: spec.sixPlane ?? false,
      private: spec.private ?? true,
      forbidden: spec.forbidden ?? false,
      creationTime: this.now(),
      revision: 1,
      members: new Map(),
    };
    this.#networks.set(id, network);
    return network;
  }

  network(id: string): SimNetwork | undefined {
    return this.#networks.get(id.toLowerCase());
  }

  networks(): SimNetwork[] {
    return [...this.#networks.values()];
  }

  addNode(spec: SimNodeSpec = {}): SimNode {
    const nodeId = spec.nodeId ? parseNodeId(spec.nodeId) : randomBytes(5).toString('hex');
    const existing = this.#nodes.get(nodeId);
    const node: SimNode = existing ?? {
      nodeId,
      physicalAddress: spec.physicalAddress ?? `203.0.113.${(this.#physicalCounter++ % 254) + 1}`,
      clientVersion: spec.clientVersion ?? '1.14.1',
      wantedAddress: spec.address ?? null,
      online: false,
      seen: false,
      onlineSince: this.now(),
      quietLastSeen: null,
    };
    this.#nodes.set(nodeId, node);
    if (spec.joinNow ?? true) {
      const networkId = spec.networkId ?? this.networks()[0]?.id;
      if (!networkId) throw new InvalidInputError('E_SIM_NO_NETWORK', 'The simulator has no network for the node to join.');
      const member = this.join(nodeId, networkId);
      if (spec.name !== undefined) member.name = spec.name;
      if (spec.description !== undefined) member.description = spec.description;
      if (spec.authorized) {
        this.updateMember(networkId, nodeId, { authorized: true });
        member.configDueAt = this.now();
      }
    }
    return node;
  }

  node(nodeId: string): SimNode | undefined {
    return this.#nodes.get(nodeId.toLowerCase());
  }

  /** The node asks to join: it is online, and a member (unauthorized unless the network is public). */
  join(nodeId: string, networkId: string): SimMember {
    const node = this.#requireNode(nodeId);
    const network = this.#requireNetwork(networkId);
    if (!node.online) this.setOnline(node.nodeId, true);
    const existing = network.members.get(node.nodeId);
    if (existing) return existing;
    const member = this.#newMember(node.nodeId);
    network.members.set(node.nodeId, member);
    if (!network.private) this.updateMember(network.id, node.nodeId, { authorized: true });
    return member;
  }

  member(networkId: string, nodeId: string): SimMember | undefined {
    const network = this.network(networkId);
    const member = network?.members.get(nodeId.toLowerCase());
    if (network && member) this.#settle(network, member);
    return member;
  }

  members(networkId: string): SimMember[] {
    const network = this.network(networkId);
    if (!network) return [];
    for (const member of network.members.values()) this.#settle(network, member);
    return [...network.members.values()];
  }

  /** What Central's and the controller's member POSTs do. Creates the member when missing (pre-authorization). */
  updateMember(
    networkId: string,
    nodeId: string,
    change: { authorized?: boolean; name?: string; description?: string; hidden?: boolean; ipAssignments?: string[] },
  ): SimMember {
    const network = this.#requireNetwork(networkId);
    const id = parseNodeId(nodeId);
    let member = network.members.get(id);
    if (!member) {
      member = this.#newMember(id);
      network.members.set(id, member);
      if (!this.#nodes.has(id)) this.addNode({ nodeId: id, joinNow: false });
    }
    this.#settle(network, member);
    const now = this.now();
    if (change.authorized === true && !member.authorized) {
      member.authorized = true;
      member.lastAuthorizedTime = now;
      member.configDueAt = now + this.#options.addressDelayMs;
    } else if (change.authorized === false && member.authorized) {
      member.authorized = false;
      member.lastDeauthorizedTime = now;
      member.configDueAt = null;
    }
    if (change.name !== undefined) member.name = change.name;
    if (change.description !== undefined) member.description = change.description;
    if (change.hidden !== undefined) member.hidden = change.hidden;
    if (change.ipAssignments !== undefined) member.ipAssignments = [...change.ipAssignments];
    member.revision++;
    return member;
  }

  removeMember(networkId: string, nodeId: string): boolean {
    return this.network(networkId)?.members.delete(nodeId.toLowerCase()) ?? false;
  }

  /**
   * A node goes quiet (its lastSeen stops, `lastSeenAgoMs` ago or now) or comes back (fresh lastSeen).
   */
  setOnline(nodeId: string, online: boolean, options: { lastSeenAgoMs?: number | undefined } = {}): void {
    const node = this.#requireNode(nodeId);
    const now = this.now();
    if (online) {
      node.online = true;
      node.seen = true;
      node.onlineSince = now;
      node.quietLastSeen = null;
    } else {
      node.quietLastSeen = options.lastSeenAgoMs !== undefined ? now - options.lastSeenAgoMs : (this.lastSeen(node.nodeId) ?? now);
      node.online = false;
      node.seen = true;
    }
  }

  /** When the controller last heard from the node (ms), null if never. Online nodes check in every heartbeat. */
  lastSeen(nodeId: string): number | null {
    const node = this.#nodes.get(nodeId);
    if (!node?.seen) return null;
    if (!node.online) return node.quietLastSeen;
    const now = this.now();
    return now - ((now - node.onlineSince) % this.#options.heartbeatMs);
  }

  /** Nodes the controller's node has heard from (its peers), itself excluded. */
  peers(): SimNode[] {
    return [...this.#nodes.values()].filter((node) => node.seen && node.nodeId !== this.localNodeId);
  }

  localJoin(networkId: string): void {
    const id = parseNetworkId(networkId);
    if (!this.#localJoins.has(id)) this.#localJoins.set(id, { joinedAt: this.now(), forcedStatus: null });
    if (this.network(id)) this.join(this.localNodeId, id);
  }

  localLeave(networkId: string): boolean {
    return this.#localJoins.delete(networkId.toLowerCase());
  }

  localNetworkIds(): string[] {
    return [...this.#localJoins.keys()];
  }

  /** Force a joined network's status (e.g. PORT_ERROR); null returns to the modelled behaviour. */
  setLocalStatus(networkId: string, status: string | null): void {
    const join = this.#localJoins.get(networkId.toLowerCase());
    if (!join) throw new InvalidInputError('E_SIM_NOT_JOINED', `The simulated local node has not joined ${networkId}.`);
    join.forcedStatus = status;
  }

  localNetwork(networkId: string): LocalNetworkState | undefined {
    const id = networkId.toLowerCase();
    const join = this.#localJoins.get(id);
    if (!join) return undefined;
    const network = this.network(id);
    const pending = { name: '', assignedAddresses: [], network };
    if (join.forcedStatus) return { ...pending, status: join.forcedStatus };
    if (this.now() - join.joinedAt < this.#options.configDelayMs) return { ...pending, status: 'REQUESTING_CONFIGURATION' };
    if (!network) return { ...pending, status: 'NOT_FOUND' };
    // A member the controller deleted asks again and is a new, unauthorized member.
    const member = this.member(id, this.localNodeId) ?? this.join(this.localNodeId, id);
    if (!member.authorized || !member.configured) return { ...pending, status: 'ACCESS_DENIED' };
    const assignedAddresses = member.ipAssignments.map((ip) => `${ip}/${network.prefixLength}`);
    if (network.rfc4193) assignedAddresses.push(`${rfc4193Address(network.id, this.localNodeId)}/88`);
    if (network.sixPlane) assignedAddresses.push(`${sixPlaneAddress(network.id, this.localNodeId)}/40`);
    return { status: 'OK', name: network.name, assignedAddresses, network };
  }

  #newMember(nodeId: string): SimMember {
    return {
      nodeId,
      name: '',
      description: '',
      hidden: false,
      authorized: false,
      ipAssignments: [],
      creationTime: this.now(),
      lastAuthorizedTime: 0,
      lastDeauthorizedTime: 0,
      revision: 1,
      configDueAt: null,
      configured: false,
    };
  }

  /** An authorized member whose config is due fetches it now: it gets its address from the pool. */
  #settle(network: SimNetwork, member: SimMember): void {
    if (!member.authorized || member.configDueAt === null || this.now() < member.configDueAt) return;
    member.configDueAt = null;
    member.configured = true;
    if (member.ipAssignments.length === 0) {
      const address = this.#allocate(network, this.#nodes.get(member.nodeId)?.wantedAddress ?? null);
      if (address) member.ipAssignments = [address];
    }
    member.revision++;
  }

  #allocate(network: SimNetwork, wanted: string | null): string | null {
    const used = new Set<string>();
    for (const other of network.members.values()) for (const ip of other.ipAssignments) used.add(ip);
    if (wanted && !used.has(wanted)) return wanted;
    for (let n = network.poolStart; n <= network.poolEnd; n++) {
      const ip = numberToIpv4(n);
      if (!used.has(ip)) return ip;
    }
    return null;
  }

  #requireNetwork(networkId: string): SimNetwork {
    const network = this.network(networkId);
    if (!network) throw new InvalidInputError('E_SIM_NO_NETWORK', `The simulator has no network ${networkId}.`);
    return network;
  }

  #requireNode(nodeId: string): SimNode {
    const node = this.node(nodeId);
    if (!node) throw new InvalidInputError('E_SIM_NO_NODE', `The simulator has no node ${nodeId}.`);
    return node;
  }
}
