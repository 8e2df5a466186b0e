/**
 * A node's state in words (never colour alone): what its core0 Redis probe found, or why there is no probe.
 * `tone` only picks the colour and icon that go with the words.
 */
import type { NodeRecord, ProbeState } from '../../../../main/common/ipc.ts';
import { latency } from '../../data/format.ts';

export type Tone = 'ok' | 'wait' | 'warn' | 'bad' | 'off';

export interface StatusWords {
  label: string;
  tone: Tone;
  /** Longer explanation (tooltip, details panel). */
  detail: string;
}

const PROBE_WORDS: Record<ProbeState, { label: string; tone: Tone; explain: string }> = {
  ready: { label: 'Ready', tone: 'ok', explain: "core0's Redis answers." },
  'auth-required': { label: 'Needs password', tone: 'warn', explain: 'Redis answers but wants a password: core0 was booted with organization= (a JWT).' },
  refused: { label: 'Refused', tone: 'bad', explain: 'Nothing listens on the Redis port yet: core0 may still be starting.' },
  timeout: { label: 'No answer', tone: 'bad', explain: 'The address did not answer in time: the node may be down, or a firewall drops the traffic.' },
  'not-redis': { label: 'Not Redis', tone: 'bad', explain: 'Something answered on the port, but not Redis.' },
  unreachable: { label: 'Unreachable', tone: 'bad', explain: 'No route to the address: is this machine on the network?' },
  'no-address': { label: 'Waiting for address', tone: 'wait', explain: 'Authorized; ZeroTier has not assigned an address yet (usually 15-20 s).' },
  pending: { label: 'Waiting for authorization', tone: 'wait', explain: 'The node asked to join: authorize it to give it an address.' },
};

export const ICONS: Record<Tone, string> = { ok: '●', wait: '◔', warn: '▲', bad: '✕', off: '○' };

export function nodeStatus(node: NodeRecord): StatusWords {
  if (!node.authorized) return { label: PROBE_WORDS.pending.label, tone: 'wait', detail: PROBE_WORDS.pending.explain };
  const probe = node.probe;
  if (!probe) return { label: 'Not checked yet', tone: 'wait', detail: 'The first Redis check runs with the next sweep.' };
  const words = PROBE_WORDS[probe.state];
  const label = probe.state === 'ready' && probe.latencyMs !== null ? `${words.label} · ${latency(probe.latencyMs)}` : words.label;
  return { label, tone: words.tone, detail: `${words.explain} ${probe.detail}`.trim() };
}

export type NodeFilterKind = 'all' | 'waiting' | 'ready' | 'problem' | 'offline';

export const FILTER_LABELS: Record<NodeFilterKind, string> = {
  all: 'All nodes',
  waiting: 'Waiting for authorization',
  ready: 'Ready',
  problem: 'Not answering',
  offline: 'Offline',
};

export function matchesKind(node: NodeRecord, kind: NodeFilterKind): boolean {
  switch (kind) {
    case 'all':
      return true;
    case 'waiting':
      return !node.authorized;
    case 'ready':
      return node.authorized && node.probe?.state === 'ready';
    case 'problem':
      return node.authorized && node.probe !== null && !['ready', 'no-address', 'pending'].includes(node.probe.state);
    case 'offline':
      return !node.online;
  }
}

export function matchesText(node: NodeRecord, text: string): boolean {
  if (!text) return true;
  const needle = text.toLowerCase();
  return (
    node.name.toLowerCase().includes(needle) ||
    node.nodeId.includes(needle) ||
    node.description.toLowerCase().includes(needle) ||
    (node.physicalAddress?.includes(needle) ?? false) ||
    node.ips.some((ip) => ip.includes(needle))
  );
}
