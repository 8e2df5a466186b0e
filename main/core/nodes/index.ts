/**
 * g8boot's nodes: discover every G8OS node on a ZeroTier network, probe core0's Redis, keep an inventory, watch
 * for new nodes and authorize them by policy. On the ZeroTier layer; the CLI and the tray app use this API.
 */
export type { KeyValueStore } from '../store/key-value-store.ts';
export type { AuthorizationPolicy, ExportFormat, MonitorEvent, MonitorEventType, MonitorStatus, NodeRecord, ProbeResult, ProbeState } from '../../common/nodes.ts';
export { CREDENTIAL_STATES, isCredentialState, PROBE_STATE_WORDS, PROBE_STATES } from '../../common/nodes.ts';
export { readPasswordFile, type CredentialSource, type RedisCredentials } from './credentials.ts';
export { NODE_STATES, NODE_STATE_WORDS, nodeState, type NodeState } from '../../common/node-states.ts';
export { memberNodeState, describeNode } from './records.ts';
export { createInventory, type Inventory, type InventoryOptions } from './inventory.ts';
export { membershipFinding, probeAddress, probeNode, probeRedis, REDIS_PORT, type ProbeOptions, type ProbeTarget } from './probe.ts';
export { probeAll, type ProbeAllOptions } from './probe-all.ts';
export { createSocketGauge, type SocketGauge } from './socket-gauge.ts';
export {
  AUTHORIZATION_POLICIES,
  createMonitor,
  DEFAULT_INTERVAL_MS,
  DEFAULT_TIMING,
  type MonitorOptions,
  type MonitorProbeOptions,
  type MonitorTiming,
  type NodeMonitor,
} from './monitor.ts';
export { DEFAULT_VERIFY_WITHIN_MS, type PendingVerification } from './policy.ts';
export { exportNodes } from './export.ts';
