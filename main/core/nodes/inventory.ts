/**
 * The node inventory of one network: a record per node, kept in memory and persisted through a KeyValueStore
 * under `inventory.<networkId>` (one value per network, written whole, so the store's atomic write covers it).
 */
import type { NodeRecord } from '../../common/nodes.ts';
import { parseNetworkId } from '../../common/validate.ts';
import type { KeyValueStore } from '../store/key-value-store.ts';
import { loadInventory, storedInventory } from './inventory-schema.ts';

export interface Inventory {
  readonly networkId: string;
  /** Every record, by node id. */
  list(): NodeRecord[];
  get(nodeId: string): NodeRecord | undefined;
  put(record: NodeRecord): void;
  remove(nodeId: string): void;
  /** Write to the store, if anything changed since the last write. */
  save(): void;
}

export interface InventoryOptions {
  /** Messages about damaged records left out. Default: none. */
  log?: ((line: string) => void) | undefined;
}

export function inventoryKey(networkId: string): string {
  return `inventory.${networkId}`;
}

export function createInventory(store: KeyValueStore, networkId: string, options: InventoryOptions = {}): Inventory {
  const nwid = parseNetworkId(networkId);
  const key = inventoryKey(nwid);
  const loaded = loadInventory(store.get(key), `${store.path} (network ${nwid})`);
  for (const line of loaded.dropped) options.log?.(line);
  const records = new Map(loaded.records.filter((r) => r.networkId === nwid).map((r) => [r.nodeId, r]));
  let dirty = loaded.migrated || loaded.dropped.length > 0;
  const inventory: Inventory = {
    networkId: nwid,
    list: () => [...records.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0)),
    get: (nodeId) => records.get(nodeId),
    put(record) {
      records.set(record.nodeId, record);
      dirty = true;
    },
    remove(nodeId) {
      dirty = records.delete(nodeId) || dirty;
    },
    save() {
      if (!dirty) return;
      store.set(key, storedInventory(inventory.list()));
      dirty = false;
    },
  };
  inventory.save();
  return inventory;
}
