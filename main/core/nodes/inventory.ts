/**
 * The node inventory of one network: a record per node, kept in memory and persisted through a KeyValueStore
 * under `inventory.<networkId>` (one value per network).
 *
 * Several processes keep the same inventory: the tray app's monitor, `g8boot watch`, `g8boot nodes`, `g8boot
 * trust`… So a save never writes this process's view over the file: under the store's lock it reads what the
 * file holds now and merges (`mergeInventories`): the records this process changed since its last save are
 * merged into the stored ones, every other record is kept as stored (another process may have changed it), and
 * the merged whole becomes this process's view too. Saves are asynchronous and one at a time.
 */
import type { NodeHistoryEntry, NodeRecord, TrustedCertificate } from '../../common/nodes.ts';
import { parseNetworkId } from '../../common/validate.ts';
import type { KeyValueStore } from '../store/key-value-store.ts';
import { loadInventory, storedInventory } from './inventory-schema.ts';
import { HISTORY_LIMIT } from './records.ts';

export interface Inventory {
  readonly networkId: string;
  /** Every record, by node id. */
  list(): NodeRecord[];
  get(nodeId: string): NodeRecord | undefined;
  put(record: NodeRecord): void;
  remove(nodeId: string): void;
  /** Merge this process's changes into the store (see above), if anything changed since the last save. */
  save(): Promise<void>;
}

export interface InventoryOptions {
  /** Messages about damaged records left out. Default: none. */
  log?: ((line: string) => void) | undefined;
}

export function inventoryKey(networkId: string): string {
  return `inventory.${networkId}`;
}

const byNodeId = (a: NodeRecord, b: NodeRecord) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0);

/** The trust a person (or a first use) gave last wins: a `g8boot trust` in one process is not undone by another. */
function newerTrust(a: TrustedCertificate | null | undefined, b: TrustedCertificate | null | undefined): TrustedCertificate | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return b.since > a.since ? b : a;
}

/** Both histories, each entry once, oldest first, bounded. */
function mergedHistory(a: readonly NodeHistoryEntry[], b: readonly NodeHistoryEntry[]): NodeHistoryEntry[] {
  const seen = new Map<string, NodeHistoryEntry>();
  for (const entry of [...a, ...b]) seen.set(`${entry.at} ${entry.state} ${entry.detail ?? ''}`, entry);
  return [...seen.values()].sort((x, y) => x.at - y.at).slice(-HISTORY_LIMIT);
}

/**
 * One node changed here (`ours`) and possibly elsewhere (`theirs`, as stored now). What this process observed
 * is the newer observation (it is saving it now); what only accumulates is merged: the earliest first sighting,
 * both histories, the trust given last, a VM hint either found.
 */
export function mergeRecords(theirs: NodeRecord | undefined, ours: NodeRecord): NodeRecord {
  if (!theirs) return ours;
  const appeared = [theirs.appearedAt, ours.appearedAt].filter((t): t is number => t !== null);
  return {
    ...ours,
    firstSeen: Math.min(theirs.firstSeen, ours.firstSeen),
    appearedAt: appeared.length > 0 ? Math.min(...appeared) : null,
    history: mergedHistory(theirs.history, ours.history),
    trustedCertificate: newerTrust(theirs.trustedCertificate, ours.trustedCertificate),
    vmHint: ours.vmHint ?? theirs.vmHint,
  };
}

/** The stored records with this process's changes merged in and its removals applied. */
export function mergeInventories(stored: readonly NodeRecord[], changed: ReadonlyMap<string, NodeRecord>, removed: ReadonlySet<string>): NodeRecord[] {
  const merged = new Map(stored.map((r) => [r.nodeId, r]));
  for (const nodeId of removed) merged.delete(nodeId);
  for (const [nodeId, record] of changed) merged.set(nodeId, mergeRecords(merged.get(nodeId), record));
  return [...merged.values()].sort(byNodeId);
}

export function createInventory(store: KeyValueStore, networkId: string, options: InventoryOptions = {}): Inventory {
  const nwid = parseNetworkId(networkId);
  const key = inventoryKey(nwid);
  const where = `${store.path} (network ${nwid})`;
  /** Said already: a save reads the same damaged value again (it merges with what is stored), once is enough. */
  const said = new Set<string>();
  const read = (value: unknown) => {
    const loaded = loadInventory(value, where);
    for (const line of loaded.dropped) {
      if (said.has(line)) continue;
      said.add(line);
      options.log?.(line);
    }
    return { ...loaded, records: loaded.records.filter((r) => r.networkId === nwid) };
  };
  const loaded = read(store.get(key));
  const records = new Map(loaded.records.map((r) => [r.nodeId, r]));
  /** Changed or removed here since the last save. */
  const changed = new Set<string>();
  const removed = new Set<string>();
  // A migrated or cleaned value is written back whole with the next save.
  let rewrite = loaded.migrated || loaded.dropped.length > 0;
  let saving: Promise<void> = Promise.resolve();
  /** What this process stored last, as text and as checked records: unchanged since, it need not be checked again. */
  let lastStored: { text: string; records: NodeRecord[] } | null = null;
  const storedRecords = (current: unknown): NodeRecord[] => {
    const text = JSON.stringify(current);
    // Checking 1,000 records takes tens of ms; comparing the text a few: only what another process wrote is checked.
    return lastStored !== null && text === lastStored.text ? lastStored.records : read(current).records;
  };

  const saveNow = async () => {
    if (!rewrite && changed.size === 0 && removed.size === 0) return;
    const ours = new Map([...changed].flatMap((id) => (records.has(id) ? [[id, records.get(id)!] as const] : [])));
    const gone = new Set(removed);
    if (rewrite) for (const record of records.values()) ours.set(record.nodeId, record);
    changed.clear();
    removed.clear();
    rewrite = false;
    let result: NodeRecord[] = [];
    try {
      let written: unknown;
      await store.update(key, (current) => {
        result = mergeInventories(storedRecords(current), ours, gone);
        written = storedInventory(result);
        return written;
      });
      lastStored = { text: JSON.stringify(written), records: result };
    } catch (error) {
      // Not written: the changes stay pending for the next save.
      for (const id of ours.keys()) changed.add(id);
      for (const id of gone) removed.add(id);
      throw error;
    }
    // Others' updates become this process's view, except what changed here while the save ran.
    for (const record of result) if (!changed.has(record.nodeId) && !removed.has(record.nodeId)) records.set(record.nodeId, record);
    const present = new Set(result.map((r) => r.nodeId));
    for (const id of [...records.keys()]) if (!present.has(id) && !changed.has(id)) records.delete(id);
  };

  return {
    networkId: nwid,
    list: () => [...records.values()].sort(byNodeId),
    get: (nodeId) => records.get(nodeId),
    put(record) {
      records.set(record.nodeId, record);
      changed.add(record.nodeId);
      removed.delete(record.nodeId);
    },
    remove(nodeId) {
      if (records.delete(nodeId)) {
        changed.delete(nodeId);
        removed.add(nodeId);
      }
    },
    save() {
      const run = saving.then(saveNow, saveNow);
      saving = run.catch(() => undefined);
      return run;
    },
  };
}
