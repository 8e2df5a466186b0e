/** Building a node's record from what ZeroTier says about it and what its probe found. */
import { isIPv4 } from 'node:net';
import { nodeState, type NodeState } from '../../common/node-states.ts';
import type { NodeHistoryEntry, NodeRecord, ProbeResult, TrustedCertificate, VmHint } from '../../common/nodes.ts';
import type { Member } from '../zerotier/types.ts';
import { membershipFinding, probeAddress, type ProbeOptions } from './probe.ts';

/** Entries kept per node; older ones are dropped. */
export const HISTORY_LIMIT = 50;

/** What the monitor knows about a member beyond the member itself. */
export interface RecordContext {
  /** A VM g8boot started shortly before this node joined. */
  vmHint?: VmHint | null | undefined;
  /** The member is this computer's own ZeroTier node. */
  thisComputer?: boolean | undefined;
  /** An earlier sweep listed the network's members and this one was not among them (the member-list diff). */
  appeared?: boolean | undefined;
}

/** The address Redis is reached on, once it is usable (authorized). */
export function usableAddress(record: { authorized: boolean; ips: readonly string[] } | undefined): string | null {
  return record?.authorized ? probeAddress(record) : null;
}

/**
 * The record after `member` was seen at `at`, with `probe` as its latest probe (null: none that still holds). A
 * new probe state and a change of `online` are added to the history; the lifecycle state is derived last, from
 * all of it.
 */
export function nextRecord(prev: NodeRecord | undefined, member: Member, probe: ProbeResult | null, at: number, context: RecordContext = {}): NodeRecord {
  const added: NodeHistoryEntry[] = [];
  if (prev && prev.online !== member.online) added.push({ at, state: member.online ? 'back' : 'lost' });
  if (probe && prev?.probe?.state !== probe.state) added.push({ at, state: probe.state, detail: probe.detail });
  const appearedAt = prev ? prev.appearedAt : context.appeared ? at : null;
  const address = usableAddress(member);
  // A new address is known from now: seen changing between two records, or on a member that just appeared or
  // was authorized moments ago. An address older than g8boot's records has no known start.
  const freshlyAuthorized = member.lastAuthorizedTime !== null && at - member.lastAuthorizedTime < 60_000;
  const addressSince =
    address === null ? null : prev ? (address === usableAddress(prev) ? prev.addressSince : at) : appearedAt !== null || freshlyAuthorized ? at : null;
  const record: Omit<NodeRecord, 'state'> = {
    networkId: member.networkId,
    nodeId: member.nodeId,
    name: member.name,
    description: member.description,
    ips: [...member.ips],
    ip: member.ips.find((ip) => isIPv4(ip)) ?? null,
    physicalAddress: member.physicalAddress,
    clientVersion: member.clientVersion,
    authorized: member.authorized,
    thisComputer: context.thisComputer ?? prev?.thisComputer ?? false,
    online: member.online,
    firstSeen: prev?.firstSeen ?? at,
    lastSeen: member.lastSeen,
    creationTime: member.creationTime,
    appearedAt,
    addressSince,
    probe,
    history: added.length === 0 && prev ? prev.history : [...(prev?.history ?? []), ...added].slice(-HISTORY_LIMIT),
    vmHint: prev?.vmHint ?? context.vmHint ?? null,
    trustedCertificate: prev?.trustedCertificate ?? firstSeenCertificate(probe, at),
  };
  return { ...record, state: nodeState(record, at) };
}

/**
 * A member's record from what the controller says and, when g8boot has a record of it, what that record adds (its
 * last probe, if the address is the same; when it appeared), without probing: what `authorize --all-waiting`
 * judges with `needsAuthorization`, as the app and the tray do.
 */
export function memberRecord(member: Member, now: number, known?: NodeRecord, context: RecordContext = {}): NodeRecord {
  return nextRecord(known, member, standingProbe(known, member, { now: () => now }), now, context);
}

/**
 * A member's probe when it is not probed now: what its membership says (not authorized, no address yet), else its
 * last probe while the address is the same (a new address has none yet: the next probe says). Null: none holds.
 */
export function standingProbe(prev: NodeRecord | undefined, member: Member, options: Pick<ProbeOptions, 'port' | 'now'> = {}): ProbeResult | null {
  const finding = membershipFinding(member, options);
  if (finding) return finding;
  return prev?.probe && prev.probe.address !== null && prev.probe.address === probeAddress(member) ? prev.probe : null;
}

/** A member's lifecycle state (see memberRecord): how `zt members` and `authorize` name members with the words `nodes` and the app use. */
export function memberNodeState(member: Member, now: number, known?: NodeRecord, context: RecordContext = {}): NodeState {
  return memberRecord(member, now, known, context).state;
}

/**
 * Trust on first use: the certificate of the first TLS connection on which Redis answered (ready or asking for a
 * password) becomes the one trusted for the node. Later probes must see the same one (else `cert-changed`).
 */
function firstSeenCertificate(probe: ProbeResult | null, at: number): TrustedCertificate | null {
  if (!probe || probe.tls !== true || !probe.certificate || probe.state === 'cert-changed') return null;
  return { sha256: probe.certificate, since: at, how: 'first-use' };
}

/** How a record is named in messages: its id, and its name when it has one. */
export function describeNode(record: Pick<NodeRecord, 'nodeId' | 'name'>): string {
  return record.name ? `${record.nodeId} (${JSON.stringify(record.name)})` : record.nodeId;
}
