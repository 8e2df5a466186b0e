/**
 * A node's state in words (never colour alone): its lifecycle state, named as every face names it
 * (main/common/node-states.ts), with what its core0 Redis probe found as the detail. `tone` only picks the colour
 * and icon that go with the words.
 */
import { NODE_STATE_WORDS, type NodeState } from '../../../../main/common/node-states.ts';
import type { NodeRecord, ProbeState } from '../../../../main/common/ipc.ts';
import { PROBE_STATE_WORDS } from '../../../../main/common/nodes.ts';
import { latency } from '../../data/format.ts';

export type Tone = 'ok' | 'wait' | 'warn' | 'bad' | 'off';

export interface StatusWords {
  label: string;
  tone: Tone;
  /** Longer explanation (tooltip, details panel). */
  detail: string;
}

/** The words are the shared vocabulary (main/common); only the tones are the dashboard's. */
const STATE_TONES: Record<NodeState, Tone> = {
  'this-computer': 'off',
  new: 'wait',
  waiting: 'wait',
  assigning: 'wait',
  starting: 'wait',
  ready: 'ok',
  degraded: 'bad',
  lost: 'off',
};

/** A degraded node's tone comes from what its probe found: a credential problem is the person's to fix. */
const PROBE_TONES: Record<ProbeState, Tone> = {
  ready: 'ok',
  'auth-required': 'warn',
  'auth-failed': 'warn',
  'auth-plaintext': 'warn',
  'cert-changed': 'bad',
  refused: 'bad',
  timeout: 'bad',
  'not-redis': 'bad',
  unreachable: 'bad',
  'no-address': 'wait',
  pending: 'wait',
};

export const ICONS: Record<Tone, string> = { ok: '●', wait: '◔', warn: '▲', bad: '✕', off: '○' };

export function nodeStatus(node: NodeRecord): StatusWords {
  const words = NODE_STATE_WORDS[node.state];
  const probe = node.probe;
  const tone = node.state === 'degraded' && probe ? PROBE_TONES[probe.state] : STATE_TONES[node.state];
  // Beside a node coming up or in trouble, what its Redis answered: "Degraded · Refused", "Degraded · Certificate changed".
  const outcome = probe && (node.state === 'starting' || node.state === 'degraded') ? PROBE_STATE_WORDS[probe.state].label : undefined;
  const label =
    node.state === 'ready' && probe?.latencyMs != null ? `${words.label} · ${latency(probe.latencyMs)}` : outcome ? `${words.label} · ${outcome}` : words.label;
  const found = probe && node.state !== 'waiting' && node.state !== 'assigning' && probe.state !== 'ready' ? `${PROBE_STATE_WORDS[probe.state].explain} Last check: ${probe.detail}.` : '';
  return { label, tone, detail: `${words.explain} ${found}`.trim() };
}

export type NodeFilterKind = 'all' | 'waiting' | 'starting' | 'ready' | 'problem' | 'offline';

export const FILTER_LABELS: Record<NodeFilterKind, string> = {
  all: 'All nodes',
  waiting: NODE_STATE_WORDS.waiting.label,
  starting: 'Coming up',
  ready: NODE_STATE_WORDS.ready.label,
  problem: NODE_STATE_WORDS.degraded.label,
  offline: NODE_STATE_WORDS.lost.label,
};

const FILTER_STATES: Record<Exclude<NodeFilterKind, 'all'>, readonly NodeState[]> = {
  waiting: ['waiting'],
  starting: ['new', 'assigning', 'starting'],
  ready: ['ready'],
  problem: ['degraded'],
  offline: ['lost'],
};

export function matchesKind(node: NodeRecord, kind: NodeFilterKind): boolean {
  return kind === 'all' || FILTER_STATES[kind].includes(node.state);
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
