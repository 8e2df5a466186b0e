/**
 * How the inventory is stored: one value per network, `{ schemaVersion, nodes: NodeRecord[] }`, checked with
 * valibot on the way in (a store file is input like any other: edited by hand, written by an older or newer
 * g8boot). Migrations step a stored value from one schema version to the next.
 */
import * as v from 'valibot';
import { nodeState, NODE_STATES } from '../../common/node-states.ts';
import { PROBE_STATES, type NodeRecord } from '../../common/nodes.ts';
import { G8bootError } from '../../common/errors.ts';

/**
 * `MIGRATIONS[n]` turns a version n+1 value into a version n+2 one (the first schema is version 1, which has
 * no predecessor yet). Each step gets the whole stored value and returns it changed.
 */
export type InventoryMigration = (value: Record<string, unknown>) => Record<string, unknown>;
export const MIGRATIONS: readonly InventoryMigration[] = [];
export const INVENTORY_SCHEMA_VERSION = MIGRATIONS.length + 1;

const nullableNumber = v.nullable(v.number());
const ProbeSchema = v.object({
  state: v.picklist(PROBE_STATES),
  address: v.nullable(v.string()),
  port: v.number(),
  tls: v.nullable(v.boolean()),
  latencyMs: nullableNumber,
  core0Version: v.nullable(v.string()),
  detail: v.string(),
  checkedAt: v.number(),
  // Added with trust on first use: older records have none.
  certificate: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)))),
});

const NodeRecordSchema = v.object({
  networkId: v.string(),
  nodeId: v.pipe(v.string(), v.regex(/^[0-9a-f]{10}$/)),
  name: v.string(),
  description: v.string(),
  ips: v.array(v.string()),
  ip: v.nullable(v.string()),
  physicalAddress: v.nullable(v.string()),
  clientVersion: v.nullable(v.string()),
  authorized: v.boolean(),
  // Added after schema 1 was written: records from before get the defaults, and their state is derived again.
  state: v.optional(v.picklist(NODE_STATES)),
  thisComputer: v.optional(v.boolean(), false),
  online: v.boolean(),
  firstSeen: v.number(),
  lastSeen: nullableNumber,
  creationTime: v.optional(nullableNumber, null),
  appearedAt: v.optional(nullableNumber, null),
  addressSince: v.optional(nullableNumber, null),
  probe: v.nullable(ProbeSchema),
  history: v.array(
    v.object({
      at: v.number(),
      state: v.picklist([...PROBE_STATES, 'lost', 'back']),
      detail: v.optional(v.string()),
    }),
  ),
  vmHint: v.nullable(v.object({ vm: v.string(), hypervisor: v.string(), startedAt: v.number() })),
  trustedCertificate: v.optional(
    v.nullable(v.object({ sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)), since: v.number(), how: v.picklist(['first-use', 'person']) })),
  ),
});

const StoredSchema = v.object({ schemaVersion: v.pipe(v.number(), v.integer(), v.minValue(1)), nodes: v.array(v.unknown()) });

export interface LoadedInventory {
  records: NodeRecord[];
  /** Records that did not pass the schema and were left out, in words. */
  dropped: string[];
  /** The stored value was migrated (and should be written back). */
  migrated: boolean;
}

/**
 * The records of a stored value (undefined: none yet). A value from a newer g8boot is refused rather than
 * overwritten; a value that is not an inventory at all is reported and replaced.
 */
export function loadInventory(stored: unknown, where: string, migrations: readonly InventoryMigration[] = MIGRATIONS): LoadedInventory {
  if (stored === undefined) return { records: [], dropped: [], migrated: false };
  const current = migrations.length + 1;
  let value = stored;
  const version = v.safeParse(StoredSchema, value);
  if (!version.success) return { records: [], dropped: [`${where} does not hold a node inventory; starting a new one`], migrated: true };
  const from = version.output.schemaVersion;
  if (from > current) {
    throw new G8bootError('E_INVENTORY_NEWER', `The node inventory in ${where} was written by a newer g8boot (schema ${from}; this one knows ${current}).`, {
      hint: 'Update g8boot, or move the file away to start a new inventory.',
    });
  }
  for (let n = from; n < current; n++) {
    const step = migrations[n - 1];
    if (step) value = { ...step(value as Record<string, unknown>), schemaVersion: n + 1 };
  }
  const records: NodeRecord[] = [];
  const dropped: string[] = [];
  const nodes = (value as { nodes?: unknown }).nodes;
  for (const item of Array.isArray(nodes) ? nodes : []) {
    const record = v.safeParse(NodeRecordSchema, item);
    if (record.success) {
      const { state, ...facts } = record.output;
      records.push({ ...facts, state: state ?? nodeState(facts, facts.probe?.checkedAt ?? facts.firstSeen) } as NodeRecord);
    }
    else dropped.push(`a damaged node record in ${where} was left out (${record.issues[0]?.message ?? 'invalid'})`);
  }
  return { records, dropped, migrated: from !== current };
}

export function storedInventory(records: readonly NodeRecord[]): { schemaVersion: number; nodes: readonly NodeRecord[] } {
  return { schemaVersion: INVENTORY_SCHEMA_VERSION, nodes: records };
}
