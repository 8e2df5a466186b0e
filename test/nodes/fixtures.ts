/** Members and probe results as the ZeroTier layer and the probe produce them, for the tests of pure code. */
import type { ProbeResult } from '../../main/common/nodes.ts';
import type { Member } from '../../main/core/zerotier/types.ts';

export const NWID = 'd569b5a47421c8b7';

export function member(overrides: Partial<Member> = {}): Member {
  return {
    networkId: NWID as Member['networkId'],
    nodeId: '89e92ceee5' as Member['nodeId'],
    name: 'node-1',
    description: '',
    authorized: true,
    hidden: false,
    ips: ['10.147.17.5'],
    ipAssignments: ['10.147.17.5'],
    physicalAddress: '203.0.113.9',
    clientVersion: '1.14.1',
    lastSeen: 1_700_000_000_000,
    online: true,
    creationTime: 1_699_999_000_000,
    lastAuthorizedTime: 1_699_999_500_000,
    ...overrides,
  };
}

export function readyProbe(at: number, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return { state: 'ready', address: '10.147.17.5', port: 6379, tls: true, latencyMs: 1.5, core0Version: null, detail: 'Redis answered PING', checkedAt: at, ...overrides };
}
