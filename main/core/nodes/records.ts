/** Building a node's record from what ZeroTier says about it and what its probe found. */
import { isIPv4 } from 'node:net';
import type { NodeHistoryEntry, NodeRecord, ProbeResult, TrustedCertificate, VmHint } from '../../common/nodes.ts';
import type { Member } from '../zerotier/types.ts';

/** Entries kept per node; older ones are dropped. */
export const HISTORY_LIMIT = 50;

/**
 * The record after `member` was seen at `at`, with `probe` as its latest probe (null: none that still holds). A
 * new probe state and a change of `online` are added to the history.
 */
export function nextRecord(prev: NodeRecord | undefined, member: Member, probe: ProbeResult | null, at: number, vmHint: VmHint | null = null): NodeRecord {
  const added: NodeHistoryEntry[] = [];
  if (prev && prev.online !== member.online) added.push({ at, state: member.online ? 'back' : 'lost' });
  if (probe && prev?.probe?.state !== probe.state) added.push({ at, state: probe.state, detail: probe.detail });
  return {
    networkId: member.networkId,
    nodeId: member.nodeId,
    name: member.name,
    description: member.description,
    ips: [...member.ips],
    ip: member.ips.find((ip) => isIPv4(ip)) ?? null,
    physicalAddress: member.physicalAddress,
    clientVersion: member.clientVersion,
    authorized: member.authorized,
    online: member.online,
    firstSeen: prev?.firstSeen ?? at,
    lastSeen: member.lastSeen,
    probe,
    history: added.length === 0 && prev ? prev.history : [...(prev?.history ?? []), ...added].slice(-HISTORY_LIMIT),
    vmHint: prev?.vmHint ?? vmHint,
    trustedCertificate: prev?.trustedCertificate ?? firstSeenCertificate(probe, at),
  };
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
