/**
 * Whether a hardware accelerator could run a guest, remembered until the machine reboots: `<state>/qemu-accel.json`,
 * keyed by the boot id and the QEMU binary. A host where KVM failed then goes straight to TCG, and one where it
 * worked is not watched again. Another boot (a new kernel, other module options) is judged afresh.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type { Host } from '../host.ts';
import { readJsonFile, writeJsonAtomic } from '../json-file.ts';
import type { QemuAccel } from '../types.ts';

const FILE = 'qemu-accel.json';

export interface AccelVerdict {
  works: boolean;
  /** Why it does not work, in words (e.g. "KVM internal error"); null when it works. */
  detail: string | null;
  checkedAt: string;
}

const EntrySchema = v.object({ binary: v.string(), accel: v.string(), works: v.boolean(), detail: v.nullable(v.string()), checkedAt: v.string() });
const FileSchema = v.object({ bootId: v.string(), verdicts: v.array(EntrySchema) });
type VerdictFile = v.InferOutput<typeof FileSchema>;

/** This boot's verdicts; none when the file is missing, damaged or from another boot. */
async function readVerdicts(host: Host, bootId: string): Promise<VerdictFile> {
  const value = await readJsonFile(join(host.dirs.state, FILE)).catch(() => undefined);
  const parsed = v.safeParse(FileSchema, value);
  return parsed.success && parsed.output.bootId === bootId ? parsed.output : { bootId, verdicts: [] };
}

export async function readAccelVerdict(host: Host, binary: string, accel: QemuAccel): Promise<AccelVerdict | null> {
  const bootId = await host.bootId();
  if (!bootId) return null;
  const entry = (await readVerdicts(host, bootId)).verdicts.find((e) => e.binary === binary && e.accel === accel);
  return entry ? { works: entry.works, detail: entry.detail, checkedAt: entry.checkedAt } : null;
}

/** Nothing is remembered where the boot cannot be identified: the check then runs at every start. */
export async function writeAccelVerdict(host: Host, binary: string, accel: QemuAccel, verdict: AccelVerdict): Promise<void> {
  const bootId = await host.bootId();
  if (!bootId) return;
  const file = await readVerdicts(host, bootId);
  await mkdir(host.dirs.state, { recursive: true });
  const others = file.verdicts.filter((e) => !(e.binary === binary && e.accel === accel));
  await writeJsonAtomic(join(host.dirs.state, FILE), { bootId, verdicts: [...others, { binary, accel, ...verdict }] });
}
