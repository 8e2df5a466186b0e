/** Column sorting for the node table. Stable, and addresses sort as numbers (10.0.0.9 before 10.0.0.10). */
import type { NodeRecord } from '../../../../main/common/ipc.ts';
import { nodeStatus, type Tone } from './node-status.ts';

export type SortKey = 'name' | 'nodeId' | 'ip' | 'physicalAddress' | 'lastSeen' | 'authorized' | 'status';
export interface Sort {
  key: SortKey;
  descending: boolean;
}

function ipKey(ip: string | null): string {
  if (ip === null) return '~';
  const parts = ip.split('.');
  return parts.length === 4 ? parts.map((p) => p.padStart(3, '0')).join('.') : ip;
}

/** Problems first, then the ones waiting, then the fine ones: what needs attention leads. */
const TONE_ORDER: Record<Tone, number> = { bad: 0, warn: 1, wait: 2, off: 3, ok: 4 };

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: NodeRecord, b: NodeRecord, key: SortKey): number {
  switch (key) {
    case 'name':
      return collator.compare(a.name || a.nodeId, b.name || b.nodeId);
    case 'nodeId':
      return a.nodeId.localeCompare(b.nodeId);
    case 'ip':
      return ipKey(a.ip).localeCompare(ipKey(b.ip));
    case 'physicalAddress':
      return ipKey(a.physicalAddress).localeCompare(ipKey(b.physicalAddress));
    case 'lastSeen':
      return (b.lastSeen ?? 0) - (a.lastSeen ?? 0);
    case 'authorized':
      return Number(a.authorized) - Number(b.authorized);
    case 'status':
      return TONE_ORDER[nodeStatus(a).tone] - TONE_ORDER[nodeStatus(b).tone];
  }
}

export function sortNodes(nodes: readonly NodeRecord[], sort: Sort): NodeRecord[] {
  const direction = sort.descending ? -1 : 1;
  return [...nodes].sort((a, b) => direction * compare(a, b, sort.key) || collator.compare(a.name || a.nodeId, b.name || b.nodeId) || a.nodeId.localeCompare(b.nodeId));
}
