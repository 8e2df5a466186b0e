/**
 * g8boot's own VMs: one directory per VM under `<data>/vms/<name>/` holding `vm.json`, the boot image built
 * for it, its UEFI variables and data disk; run-time files (pid file, serial log) under `<state>/vms/<name>/`.
 * A VM is g8boot's when it has a record here (and, by default, a `g8-` name).
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { G8bootError, InvalidInputError } from '../../common/errors.ts';
import { isNetworkId, quote, type NetworkId } from '../../common/validate.ts';
import type { G8bootDirs } from '../paths.ts';
import { nameTaken, rethrowIfNoSpace, vmNotFound } from './errors.ts';
import { readJsonFile, writeJsonAtomic } from './json-file.ts';
import { HYPERVISORS, type VmRecord } from './types.ts';

export const VM_NAME_PREFIX = 'g8-';
const RECORD_FILE = 'vm.json';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function vmsDir(dirs: G8bootDirs): string {
  return join(dirs.data, 'vms');
}

export function vmPaths(dirs: G8bootDirs, name: string): { dir: string; runDir: string } {
  return { dir: join(vmsDir(dirs), name), runDir: join(dirs.state, 'vms', name) };
}

/** A VM name is also a directory name and a VirtualBox machine name: letters, digits, dot, dash, underscore. */
export function parseVmName(input: string): string {
  const name = input.trim();
  if (!NAME.test(name)) {
    throw new InvalidInputError('E_VM_INVALID_NAME', `Invalid VM name ${quote(input)}.`, {
      hint: 'Use up to 63 letters, digits, ".", "-" or "_", starting with a letter or digit, e.g. g8-test-1.',
    });
  }
  return name;
}

/** `g8-<first 6 hex digits of the network id>-<n>`, the smallest n not taken. */
export function defaultVmName(netid: NetworkId | null, taken: ReadonlySet<string>): string {
  const stem = `${VM_NAME_PREFIX}${netid ? netid.slice(0, 6) : 'nozt'}-`;
  let n = 1;
  while (taken.has(`${stem}${n}`)) n++;
  return `${stem}${n}`;
}

const NetworkSchema = v.variant('kind', [
  v.object({ kind: v.literal('nat') }),
  v.object({ kind: v.literal('bridged'), device: v.string() }),
  v.object({ kind: v.literal('tap'), device: v.string() }),
]);

const RecordSchema = v.object({
  name: v.pipe(v.string(), v.regex(NAME)),
  hypervisor: v.picklist(HYPERVISORS),
  netid: v.nullable(v.pipe(v.string(), v.check((s: string) => isNetworkId(s), 'expected a network id (16 hex digits)'))),
  bootUrl: v.nullable(v.string()),
  firmware: v.picklist(['bios', 'uefi']),
  media: v.picklist(['cd', 'disk']),
  memoryMiB: v.number(),
  cpus: v.number(),
  network: NetworkSchema,
  dataDiskGiB: v.nullable(v.number()),
  createdAt: v.string(),
  dir: v.string(),
  runDir: v.string(),
  image: v.nullable(v.string()),
  pidFile: v.string(),
  serialLog: v.string(),
  dataDisk: v.nullable(v.string()),
  qemu: v.optional(
    v.object({ accel: v.picklist(['kvm', 'hvf', 'whpx', 'tcg']), firmwareCode: v.nullable(v.string()), varsFile: v.nullable(v.string()) }),
  ),
  virtualbox: v.optional(v.object({ uuid: v.string() })),
  xhyve: v.optional(v.object({ uuid: v.string(), kernel: v.nullable(v.string()), elevated: v.boolean() })),
});

function parseRecord(value: unknown, path: string): VmRecord {
  const result = v.safeParse(RecordSchema, value);
  if (!result.success) {
    throw new G8bootError('E_VM_RECORD_INVALID', `The VM record ${quote(path, 200)} is damaged: ${v.summarize(result.issues)}`, {
      hint: 'Remove the VM with `g8boot vm rm <name>`, or delete its directory.',
    });
  }
  return result.output as VmRecord;
}

export async function readVmRecord(dirs: G8bootDirs, name: string): Promise<VmRecord> {
  const path = join(vmPaths(dirs, name).dir, RECORD_FILE);
  const value = await readJsonFile(path).catch((error: unknown) => {
    throw new G8bootError('E_VM_RECORD_INVALID', `The VM record ${quote(path, 200)} cannot be read: ${(error as Error).message}`);
  });
  if (value === undefined) throw vmNotFound(name);
  return parseRecord(value, path);
}

export async function writeVmRecord(record: VmRecord): Promise<void> {
  await writeJsonAtomic(join(record.dir, RECORD_FILE), record);
}

/** Names of every VM directory (with or without a readable record). */
export async function vmNames(dirs: G8bootDirs): Promise<string[]> {
  const entries = await readdir(vmsDir(dirs), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export interface RecordListing {
  records: VmRecord[];
  /** VM directories whose record is missing or damaged, with the reason. */
  damaged: { name: string; problem: string }[];
}

export async function listVmRecords(dirs: G8bootDirs): Promise<RecordListing> {
  const listing: RecordListing = { records: [], damaged: [] };
  for (const name of await vmNames(dirs)) {
    try {
      listing.records.push(await readVmRecord(dirs, name));
    } catch (error) {
      listing.damaged.push({ name, problem: (error as Error).message });
    }
  }
  return listing;
}

/**
 * Create the VM's directories. The leaf is created without `recursive`, so two `vm up` runs choosing the same
 * name cannot both succeed.
 */
export async function claimVmDirs(dirs: G8bootDirs, name: string): Promise<{ dir: string; runDir: string }> {
  const paths = vmPaths(dirs, name);
  try {
    await mkdir(vmsDir(dirs), { recursive: true });
    await mkdir(paths.dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw nameTaken(name, `g8boot already has ${paths.dir}`);
    rethrowIfNoSpace(error, paths.dir);
  }
  await mkdir(paths.runDir, { recursive: true });
  return paths;
}

export async function removeVmDirs(paths: { dir: string; runDir: string }): Promise<void> {
  await rm(paths.dir, { recursive: true, force: true });
  await rm(paths.runDir, { recursive: true, force: true });
}
