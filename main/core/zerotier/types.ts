/**
 * The ZeroTier domain model of g8boot: networks and members as the CLI prints them and the app renders them,
 * whichever controller they come from (ZeroTier Central or a self-hosted zerotier-one controller).
 *
 * Types only, no runtime imports beyond the shared id brands, so the renderer can use them as they are.
 */
import type { NetworkId, NodeId } from '../../common/validate.ts';

export type { NetworkId, NodeId };

/** `central`: ZeroTier Central API v1 (hosted). `local`: the controller built into zerotier-one on this machine. */
export type ControllerKind = 'central' | 'local';

/** Options every remote call accepts. */
export interface CallOptions {
  /** Cancels the call (and any wait for the rate limiter or a retry). Rejects with code `E_ABORTED`. */
  signal?: AbortSignal | undefined;
}

/** An IPv4 (or IPv6) auto-assign range, inclusive at both ends. */
export interface IpRange {
  start: string;
  end: string;
}

/** A managed route pushed to members: `target` is a CIDR, `via` a gateway address or null for on-link. */
export interface Route {
  target: string;
  via: string | null;
}

export interface Network {
  id: NetworkId;
  name: string;
  /** Free text set in Central; always '' on a self-hosted controller, which has no description. */
  description: string;
  /** Private networks need each member authorized; public ones admit anyone. */
  private: boolean;
  /** Where IPv4 addresses come from when `v4AssignMode.zt` is on. */
  ipAssignmentPools: IpRange[];
  routes: Route[];
  v4AssignMode: { zt: boolean };
  /**
   * `rfc4193` and `sixPlane` mean every member also has an IPv6 address computed from the network and node ids
   * (see addresses.ts); g8boot adds those to `Member.ips`.
   */
  v6AssignMode: { zt: boolean; rfc4193: boolean; sixPlane: boolean };
  /** Milliseconds since the epoch; null when the controller does not say. */
  creationTime: number | null;
  /** Counts as the controller reports them; null when it does not (the self-hosted controller's older API). */
  authorizedMemberCount: number | null;
  totalMemberCount: number | null;
}

/**
 * A node's membership of a network. One shape for both controllers; fields a controller cannot know are null.
 */
export interface Member {
  networkId: NetworkId;
  /** The member's ZeroTier address: 10 hex digits, the same on every network it joins. */
  nodeId: NodeId;
  /** Set by a person in Central or g8boot; '' when unset. */
  name: string;
  /** Central only; '' on a self-hosted controller. */
  description: string;
  authorized: boolean;
  /** Central's "hidden in the UI" flag; always false on a self-hosted controller. */
  hidden: boolean;
  /**
   * Every address the member has on this network, without prefix length: the controller's assignments, then the
   * RFC4193 and 6PLANE addresses when the network enables them (computed, never assigned; see addresses.ts).
   * IPv6 addresses are written as ZeroTier writes them: eight groups of four hex digits.
   */
  ips: string[];
  /** Exactly what the controller assigned (the pool or a person). */
  ipAssignments: string[];
  /** Public IP the member last reached the controller from; null when unknown. */
  physicalAddress: string | null;
  /** ZeroTier version the member runs (e.g. "1.14.1"); null until it has fetched its network config. */
  clientVersion: string | null;
  /** When the controller last heard from the member (ms since the epoch); null when never or unknown. */
  lastSeen: number | null;
  /**
   * Whether the member was heard from recently (`clock - lastSeen` under ONLINE_WINDOW_MS, in online.ts).
   * Central: from its `lastSeen`. Self-hosted: the controller API has no last-seen time, so g8boot uses the
   * controller node's own peer list instead (a member asks its controller for its network config every minute,
   * so an online member is a peer with a fresh path); see self-hosted.ts.
   */
  online: boolean;
  /** When the member first asked to join (ms since the epoch); null when unknown. */
  creationTime: number | null;
  /** When it was last authorized (ms since the epoch); null when never. */
  lastAuthorizedTime: number | null;
}

/** A partial change to a member; omitted fields are left as they are. */
export interface MemberUpdate {
  authorized?: boolean | undefined;
  name?: string | undefined;
  /** Central only: a self-hosted controller rejects it (E_ZT_UNSUPPORTED). */
  description?: string | undefined;
}

/**
 * The one interface the rest of g8boot uses to read and manage ZeroTier networks. Ids are validated on the way
 * in (InvalidInputError, code E_INVALID_NETWORK_ID / E_INVALID_NODE_ID); remote failures are ZeroTierApiError
 * (http.ts) with a message in words and a hint. No method ever exposes the API token.
 */
export interface Controller {
  readonly kind: ControllerKind;
  /** The API's base URL, for display ("https://api.zerotier.com/api/v1", "http://127.0.0.1:9993"). */
  readonly endpoint: string;
  listNetworks(options?: CallOptions): Promise<Network[]>;
  getNetwork(networkId: string, options?: CallOptions): Promise<Network>;
  /** All members, unauthorized ones included. */
  listMembers(networkId: string, options?: CallOptions): Promise<Member[]>;
  getMember(networkId: string, nodeId: string, options?: CallOptions): Promise<Member>;
  /** Returns the member as the controller has it after the change. */
  updateMember(networkId: string, nodeId: string, update: MemberUpdate, options?: CallOptions): Promise<Member>;
  deleteMember(networkId: string, nodeId: string, options?: CallOptions): Promise<void>;
  /** Closes pooled connections; the controller cannot be used afterwards. */
  close(): Promise<void>;
}
