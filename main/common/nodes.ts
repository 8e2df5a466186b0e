/**
 * The node domain as every layer sees it: the CLI prints it, the monitor emits it, the tray app's main process
 * keeps it and the renderer draws it. Types only (runtime-agnostic): implemented by main/core/nodes.
 */
import type { SerializedError } from './errors.ts';
import { askedRecently, type NodeState } from './node-states.ts';

export type { NodeState } from './node-states.ts';

/**
 * What a probe of core0's Redis (port 6379) found: a probe outcome, one input of a node's lifecycle state
 * (`NodeState`, in node-states.ts), never a replacement for it. Exactly one per node:
 * - `ready`: it answered PING (see `tls` and `latencyMs`);
 * - `auth-required`: Redis answered but wants a password (core0 booted with `organization=`: a JWT), and none is
 *   set for the network;
 * - `auth-failed`: Redis refused the network's password (wrong, or an expired JWT);
 * - `auth-plaintext`: Redis asks for a password over an unencrypted connection: nothing was sent (the person may
 *   allow plain text for that network);
 * - `cert-changed`: the node's TLS certificate is not the one trusted for it (first seen, or pinned): nothing was
 *   sent until the person trusts the new certificate;
 * - `refused`: the address answered with a TCP reset (nothing on the port);
 * - `timeout`: no answer within the probe's deadline (connect or reply);
 * - `not-redis`: something answered, but not in Redis' protocol (RESP);
 * - `unreachable`: no route to the address (host/network unreachable);
 * - `no-address`: authorized but no address assigned yet;
 * - `pending`: not authorized on the network (asked to join).
 */
export const PROBE_STATES = [
  'ready',
  'auth-required',
  'auth-failed',
  'auth-plaintext',
  'cert-changed',
  'refused',
  'timeout',
  'not-redis',
  'unreachable',
  'no-address',
  'pending',
] as const;
export type ProbeState = (typeof PROBE_STATES)[number];

/**
 * Probe outcomes that are a credential or trust problem, not a dead node: core0's Redis is there, but g8boot
 * will not (or cannot) talk to it until the person acts (sets the password, allows plain text, trusts the new
 * certificate). The auto-verify policy reports these and never deauthorizes for them.
 */
export const CREDENTIAL_STATES = ['auth-required', 'auth-failed', 'auth-plaintext', 'cert-changed'] as const satisfies readonly ProbeState[];
export type CredentialState = (typeof CREDENTIAL_STATES)[number];

export function isCredentialState(state: ProbeState | null | undefined): state is CredentialState {
  return (CREDENTIAL_STATES as readonly string[]).includes(state ?? '');
}

/**
 * A node that needs the person: Redis is there, but a password or their trust is missing. By the vocabulary
 * (node-states.ts) that is a `degraded` node whose probe found a credential problem; a `lost` node's last probe,
 * or a deauthorized node's, is history and asks nothing. The one definition the tray, the dashboard and `watch` count.
 */
export function needsCredentials(node: Pick<NodeRecord, 'state' | 'probe'>): boolean {
  return node.state === 'degraded' && isCredentialState(node.probe?.state);
}

/**
 * What "Authorize all waiting" authorizes, in every face (the CLI's `authorize --all-waiting`, the app, the tray):
 * every `waiting` node, and this computer's own node when it is not authorized and asked to join recently (the
 * vocabulary's rule for waiting). Its row reads `this-computer`, yet it waits like the others, and until it is
 * authorized no node can be reached from here.
 */
export function needsAuthorization(node: Pick<NodeRecord, 'state' | 'thisComputer' | 'authorized' | 'online' | 'lastSeen' | 'creationTime' | 'appearedAt'>, now: number = Date.now()): boolean {
  return node.state === 'waiting' || (node.thisComputer && !node.authorized && askedRecently(node, now));
}

/**
 * Each probe outcome in words, for every face (CLI tables and events, tray, notifications, dashboard): `label`
 * is short (a table cell, a badge), `explain` says what it means and what to do.
 */
export const PROBE_STATE_WORDS: Readonly<Record<ProbeState, { label: string; explain: string }>> = {
  ready: { label: 'Ready', explain: "core0's Redis answers." },
  'auth-required': {
    label: 'Needs password',
    explain: "Redis answers but wants a password (core0 booted with organization= wants a JWT), and none is set for this network.",
  },
  'auth-failed': { label: 'Password refused', explain: "Redis refused this network's password: it is wrong, or the JWT expired." },
  'auth-plaintext': {
    label: 'Password over plain text',
    explain: 'Redis asks for a password over an unencrypted connection: nothing was sent. Allow plain text for this network only if you trust its path.',
  },
  'cert-changed': {
    label: 'Certificate changed',
    explain: "The node's TLS certificate is not the one g8boot trusted for it: nothing was sent. Trust the new certificate only if you know why it changed (core0 reinstalled).",
  },
  refused: { label: 'Refused', explain: 'Nothing listens on the Redis port yet: core0 may still be starting.' },
  timeout: { label: 'No answer', explain: 'The address did not answer in time: the node may be down, or a firewall drops the traffic.' },
  'not-redis': { label: 'Not Redis', explain: 'Something answered on the port, but not Redis.' },
  unreachable: { label: 'Unreachable', explain: 'No route to the address: is this machine on the network?' },
  'no-address': { label: 'Waiting for address', explain: 'Authorized; ZeroTier has not assigned an address yet (usually 15-20 s).' },
  pending: { label: 'Waiting for authorization', explain: 'The node asked to join: authorize it to give it an address.' },
};

export interface ProbeResult {
  state: ProbeState;
  /** The address probed (first IPv4, else first address); null for `pending` / `no-address`. */
  address: string | null;
  port: number;
  /** For `ready` and `auth-required`: whether the answer came over TLS. null when nothing answered. */
  tls: boolean | null;
  /** Round trip of the PING for `ready`; null otherwise. */
  latencyMs: number | null;
  /** core0's answer to `core.ping` ("PONG <version>"), when a deep check ran and succeeded. */
  core0Version: string | null;
  /** What happened, in words (e.g. "connection refused", "no answer within 2000 ms"). */
  detail: string;
  /** When the probe finished (ms since the epoch). */
  checkedAt: number;
  /**
   * SHA-256 (lower-case hex) of the TLS certificate the node presented, when a TLS handshake completed; null
   * otherwise. For `cert-changed`, the new certificate the person may choose to trust.
   */
  certificate?: string | null | undefined;
}

/** The TLS certificate g8boot trusts for a node: SHA-256 of it, since when, and how it came to be trusted. */
export interface TrustedCertificate {
  /** Lower-case hex, no colons. */
  sha256: string;
  since: number;
  /** `first-use`: the first one seen; `person`: pinned or trusted again by the person. */
  how: 'first-use' | 'person';
}

/** One entry of a node's history: a state it entered, and when. */
export interface NodeHistoryEntry {
  at: number;
  state: ProbeState | 'lost' | 'back';
  detail?: string | undefined;
}

/** A VM g8boot started for this network shortly before the node joined: probably this node. */
export interface VmHint {
  vm: string;
  hypervisor: string;
  startedAt: number;
}

/** The inventory's record of one node on one network. */
export interface NodeRecord {
  networkId: string;
  /** ZeroTier node id, 10 hex digits. */
  nodeId: string;
  name: string;
  description: string;
  /** All addresses (assigned, then computed RFC4193/6plane). */
  ips: string[];
  /** The first IPv4 address, or null. */
  ip: string | null;
  physicalAddress: string | null;
  clientVersion: string | null;
  authorized: boolean;
  /**
   * Where the node stands in its life (new, waiting, assigning, starting, ready, degraded, lost, this computer),
   * derived by `nodeState` (node-states.ts) when the record was last updated. Every face shows this word.
   */
  state: NodeState;
  /** This computer's own ZeroTier node: shown as such, never probed as a G8OS node. */
  thisComputer: boolean;
  /** Heard from recently (ZeroTier's lastSeen); false once `node-lost`. */
  online: boolean;
  /** When g8boot first saw the node (ms since the epoch). */
  firstSeen: number;
  /** ZeroTier's last-seen time (ms), or null when the controller does not say. */
  lastSeen: number | null;
  /** When the member first asked to join, as the controller says (ms); null when it does not. */
  creationTime: number | null;
  /** When a sweep first listed it while an earlier sweep had not (the member-list diff); null when unknown. */
  appearedAt: number | null;
  /** Since when its current usable address is known (ms); null without one, or when older than g8boot's records. */
  addressSince: number | null;
  /** The latest probe, or null before the first. */
  probe: ProbeResult | null;
  /** Newest last; bounded (the oldest entries are dropped). */
  history: NodeHistoryEntry[];
  vmHint: VmHint | null;
  /** The TLS certificate trusted for this node (trust on first use, or pinned); null before one was seen. */
  trustedCertificate?: TrustedCertificate | null | undefined;
}

/**
 * Probes (so sockets) at once by default. Enough that a sweep's hanging nodes (each holds a socket until its
 * deadline) all start at once and the answering ones still flow past them: 1,000 members of which 100 hang take
 * one deadline, not several. Under macOS' default limit of 256 open files once Node has raised it.
 */
export const DEFAULT_PROBE_CONCURRENCY = 256;

export type AuthorizationPolicy = 'manual' | 'auto' | 'auto-verify';

/** What the monitor tells the world. `at` is ms since the epoch. */
export type MonitorEvent =
  /** A node asked to join and is not authorized: someone (or the policy) should authorize it. */
  | { type: 'node-joined'; at: number; node: NodeRecord }
  | { type: 'node-authorized'; at: number; node: NodeRecord }
  | { type: 'node-addressed'; at: number; node: NodeRecord }
  /** core0's Redis answers. */
  | { type: 'node-ready'; at: number; node: NodeRecord }
  /** It answered before and no longer does. */
  | { type: 'node-degraded'; at: number; node: NodeRecord }
  /**
   * Its probe entered a credential or trust problem (CREDENTIAL_STATES: wants a password, refused it, asks for it
   * in plain text, certificate changed): the person must act; nothing is deauthorized for it.
   */
  | { type: 'node-credential-problem'; at: number; node: NodeRecord }
  /** ZeroTier has not heard from it for too long. */
  | { type: 'node-lost'; at: number; node: NodeRecord }
  | { type: 'node-back'; at: number; node: NodeRecord }
  /** The policy acted on its own; `reason` says why, in words. */
  | { type: 'policy-action'; at: number; action: 'authorize' | 'deauthorize'; nodeId: string; reason: string }
  /** The ZeroTier API failed: the last known state is kept and marked stale; polling backs off. */
  | { type: 'monitor-stale'; at: number; error: SerializedError; retryInMs: number }
  | { type: 'monitor-recovered'; at: number }
  /**
   * A sweep under way: `done` of `total` nodes have their result (the records are already updated). At most every
   * 100 ms, for live tables; the `sweep` event ends it.
   */
  | { type: 'sweep-progress'; at: number; done: number; total: number }
  | { type: 'sweep'; at: number; nodes: number; durationMs: number };

export type MonitorEventType = MonitorEvent['type'];

export interface MonitorStatus {
  networkId: string;
  running: boolean;
  policy: AuthorizationPolicy;
  intervalMs: number;
  /** Polling fast until then (ms since the epoch): a node is expected (a VM started, an image built, a node authorized or starting). */
  fastUntil: number | null;
  lastSweepAt: number | null;
  /** The last sweep failed: what is shown is the last known state. */
  stale: boolean;
  lastError: SerializedError | null;
}

export type ExportFormat = 'json' | 'csv' | 'blueprint';
