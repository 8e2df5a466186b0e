/** Plain data for the pure tests: node records and app states as the service produces them. */
import type { AppState } from '../../main/common/ipc.ts';
import { nodeState } from '../../main/common/node-states.ts';
import type { NodeRecord, ProbeState } from '../../main/common/nodes.ts';

export const NETWORK = '8056c2e21c000001';

/** A record as the monitor leaves it; `probeState` is its latest probe's outcome, and its `state` is derived. */
export function node(nodeId: string, overrides: Partial<NodeRecord> & { probeState?: ProbeState } = {}): NodeRecord {
  const { probeState: state, ...rest } = overrides;
  const authorized = rest.authorized ?? state !== 'pending';
  const record: Omit<NodeRecord, 'state'> = {
    networkId: NETWORK,
    nodeId,
    name: '',
    description: '',
    ips: rest.ip ? [rest.ip] : [],
    ip: null,
    physicalAddress: '203.0.113.7',
    clientVersion: '1.14.1',
    authorized,
    thisComputer: false,
    online: true,
    firstSeen: 1_700_000_000_000,
    lastSeen: 1_700_000_000_000,
    creationTime: null,
    appearedAt: null,
    addressSince: null,
    probe: state ? { state, address: rest.ip ?? null, port: 6379, tls: null, latencyMs: null, core0Version: null, detail: state, checkedAt: 1_700_000_000_000 } : null,
    history: [],
    vmHint: null,
    ...rest,
  };
  return { ...record, state: rest.state ?? nodeState(record, 1_700_000_000_000) };
}

export function appState(overrides: Partial<AppState> = {}): AppState {
  return {
    version: '0.1.0',
    platform: 'linux',
    firstRun: false,
    controller: { kind: 'central', endpoint: 'https://api.zerotier.com/api/v1' },
    networkId: NETWORK,
    secretStorage: 'os',
    redisCredentials: { networkId: NETWORK, password: 'none', passwordFile: null, allowPlaintext: false },
    thisMachine: {
      available: true,
      problem: null,
      address: 'd569b5a474',
      online: true,
      version: '1.14.1',
      network: { id: NETWORK, status: 'OK', statusText: 'ready', addresses: ['10.147.17.5/24'], device: 'zt0' },
    },
    monitor: { networkId: NETWORK, running: true, policy: 'manual', intervalMs: 30_000, fastUntil: null, lastSweepAt: 1_700_000_000_000, stale: false, lastError: null },
    bootService: { running: false, url: null, listen: '127.0.0.1:8088', guestUrl: null, defaultBootUrls: [], openToLan: false, kernel: null, recent: [], problem: null },
    burn: null,
    ...overrides,
  };
}
