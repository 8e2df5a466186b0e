/**
 * The node domain as every layer sees it: the CLI prints it, the monitor emits it, the tray app's main process
 * keeps it and the renderer draws it. Types only (runtime-agnostic): implemented by main/core/nodes.
 */
import type { SerializedError } from './errors.ts';

/**
 * What a probe of core0's Redis (port 6379) found. Exactly one per node:
 * - `ready`: it answered PING (see `tls` and `latencyMs`);
 * - `auth-required`: Redis answered but wants a password (core0 booted with `organization=`: a JWT);
 * - `refused`: the address answered with a TCP reset (nothing on the port);
 * - `timeout`: no answer within the probe's deadline (connect or reply);
 * - `not-redis`: something answered, but not in Redis' protocol (RESP);
 * - `unreachable`: no route to the address (host/network unreachable);
 * - `no-address`: authorized but no address assigned yet;
 * - `pending`: not authorized on the network (asked to join).
 */
export const PROBE_STATES = ['ready', 'auth-required', 'refused', 'timeout', 'not-redis', 'unreachable', 'no-address', 'pending'] as const;
export type ProbeState = (typeof PROBE_STATES)[number];

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
  /** Heard from recently (ZeroTier's lastSeen); false once `node-lost`. */
  online: boolean;
  /** When g8boot first saw the node (ms since the epoch). */
  firstSeen: number;
  /** ZeroTier's last-seen time (ms), or null when the controller does not say. */
  lastSeen: number | null;
  /** The latest probe, or null before the first. */
  probe: ProbeResult | null;
  /** Newest last; bounded (the oldest entries are dropped). */
  history: NodeHistoryEntry[];
  vmHint: VmHint | null;
}

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
  /** ZeroTier has not heard from it for too long. */
  | { type: 'node-lost'; at: number; node: NodeRecord }
  | { type: 'node-back'; at: number; node: NodeRecord }
  /** The policy acted on its own; `reason` says why, in words. */
  | { type: 'policy-action'; at: number; action: 'authorize' | 'deauthorize'; nodeId: string; reason: string }
  /** The ZeroTier API failed: the last known state is kept and marked stale; polling backs off. */
  | { type: 'monitor-stale'; at: number; error: SerializedError; retryInMs: number }
  | { type: 'monitor-recovered'; at: number }
  | { type: 'sweep'; at: number; nodes: number; durationMs: number };

export type MonitorEventType = MonitorEvent['type'];

export interface MonitorStatus {
  networkId: string;
  running: boolean;
  policy: AuthorizationPolicy;
  intervalMs: number;
  /** Polling every 5 s until then, because g8boot booted a VM or built an image (ms since the epoch). */
  fastUntil: number | null;
  lastSweepAt: number | null;
  /** The last sweep failed: what is shown is the last known state. */
  stale: boolean;
  lastError: SerializedError | null;
}

export type ExportFormat = 'json' | 'csv' | 'blueprint';
