/**
 * "A node should join soon": after a VM starts, g8boot notes which VM was started for which network in
 * `<data>/expectations.json`. The node monitor reads it to poll fast for a while, and the tray app to say
 * "your VM is probably node <id>" when a node joins shortly after. A file, not an in-process event, because
 * the CLI that starts the VM and the app that shows nodes are different processes.
 */
import { watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type { NetworkId } from '../../common/validate.ts';
import type { G8bootDirs } from '../paths.ts';
import { readJsonFile, writeJsonAtomic } from './json-file.ts';
import { HYPERVISORS, type Hypervisor } from './types.ts';

export interface VmStartExpectation {
  vm: string;
  hypervisor: Hypervisor;
  netid: NetworkId | null;
  /** ISO 8601. */
  startedAt: string;
}

/** How long a start is worth remembering: a node that joins later than this is not "probably that VM". */
export const EXPECTATION_TTL_MS = 10 * 60_000;
const FILE = 'expectations.json';

const EntrySchema = v.object({
  vm: v.string(),
  hypervisor: v.picklist(HYPERVISORS),
  netid: v.nullable(v.string()),
  startedAt: v.string(),
});

function expectationsPath(dirs: G8bootDirs): string {
  return join(dirs.data, FILE);
}

function isFresh(entry: VmStartExpectation, now: number): boolean {
  const at = Date.parse(entry.startedAt);
  return Number.isFinite(at) && now - at < EXPECTATION_TTL_MS;
}

/** Fresh entries only; a missing or damaged file reads as none (it is a hint, not a record). */
async function readExpectations(dirs: G8bootDirs, now: number): Promise<VmStartExpectation[]> {
  const value = await readJsonFile(expectationsPath(dirs)).catch(() => undefined);
  if (!Array.isArray(value)) return [];
  return value
    .filter((item) => v.is(EntrySchema, item))
    .map((item) => item as VmStartExpectation)
    .filter((entry) => isFresh(entry, now));
}

/** Append a start and prune entries older than 10 minutes. */
export async function recordVmStart(entry: VmStartExpectation, dirs: G8bootDirs, now = Date.now()): Promise<void> {
  await mkdir(dirs.data, { recursive: true });
  const kept = (await readExpectations(dirs, now)).filter((e) => e.vm !== entry.vm);
  await writeJsonAtomic(expectationsPath(dirs), [...kept, entry]);
}

/** VMs started for `netid` in the last 10 minutes, newest first. */
export async function recentVmStarts(netid: NetworkId, options: { dirs: G8bootDirs; now?: number }): Promise<VmStartExpectation[]> {
  const entries = await readExpectations(options.dirs, options.now ?? Date.now());
  return entries.filter((e) => e.netid === netid).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
}

/**
 * Call `listener` for every VM start recorded from now on, by any process. Returns a function that stops
 * listening.
 */
export function onVmStarted(listener: (entry: VmStartExpectation) => void, options: { dirs: G8bootDirs }): () => void {
  const { dirs } = options;
  const seen = new Set<string>();
  const since = Date.now();
  let closed = false;
  const key = (e: VmStartExpectation) => `${e.vm}@${e.startedAt}`;
  const check = async () => {
    for (const entry of await readExpectations(dirs, Date.now())) {
      if (closed || seen.has(key(entry)) || Date.parse(entry.startedAt) < since) continue;
      seen.add(key(entry));
      listener(entry);
    }
  };
  let watcher: ReturnType<typeof watch> | undefined;
  const ready = mkdir(dirs.data, { recursive: true }).then(() => {
    if (closed) return;
    // The file is replaced by rename, so watch the directory rather than the file.
    watcher = watch(dirs.data, (_event, filename) => {
      if (filename === null || filename === FILE) void check();
    });
    watcher.on('error', () => undefined);
    // A start recorded while the watcher was being set up.
    void check();
  });
  void ready.catch(() => undefined);
  return () => {
    closed = true;
    watcher?.close();
  };
}
