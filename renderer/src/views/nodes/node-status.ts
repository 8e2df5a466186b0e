/**
 * A node's state in words (never colour alone): what its core0 Redis probe found, or why there is no probe.
 * `tone` only picks the colour and icon that go with the words.
 */
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

/** The words are the shared vocabulary (main/common/nodes.ts); only the tone is the dashboard's. */
const TONES: Record<ProbeState, Tone> = {
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

const PROBE_WORDS = Object.fromEntries(
  Object.entries(PROBE_STATE_WORDS).map(([state, words]) => [state, { ...words, tone: TONES[state as ProbeState] }]),
) as Record<ProbeState, { label: string; tone: Tone; explain: string }>;

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
