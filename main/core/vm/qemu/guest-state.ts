/**
 * The state of a QEMU VM: the process table says whether QEMU runs, QMP says whether its guest does. An
 * accelerator's internal error stops the guest for good while QEMU stays up, and so does a panic the guest reports.
 */
import { readLogLines } from '../serial-log.ts';
import type { VmRecord, VmStatus } from '../types.ts';
import { WATCHED_ACCELS } from './accel-trial.ts';
import { qmpSocketPath, queryStatus } from './qmp.ts';

/** `vm ls` asks every VM; a QEMU whose QMP is busy (another client) keeps the process table's answer. */
const STATE_QMP_TIMEOUT_MS = 2_000;

/** `process`: the state from the process table. Without QMP (no socket, busy, an older VM) its word stands. */
export async function guestState(record: VmRecord, process: VmStatus, platform: NodeJS.Platform): Promise<VmStatus> {
  const socket = qmpSocketPath(record, platform);
  if (process.state !== 'running' || !socket) return process;
  const status = await queryStatus(socket, STATE_QMP_TIMEOUT_MS).catch(() => null);
  const accel = record.qemu?.accel ?? 'tcg';
  const why =
    status === 'internal-error' ? `the guest stopped: ${WATCHED_ACCELS[accel] ?? accel.toUpperCase()} internal error`
    : status === 'guest-panicked' ? 'the guest reported a kernel panic'
    : null;
  if (!why) return process;
  const tail = await readLogLines(record.serialLog, 5);
  return { state: 'crashed', pid: process.pid, detail: `${why}; QEMU still runs until \`g8boot vm down ${record.name}\`${tail.length ? `; last console lines:\n${tail.join('\n')}` : ''}` };
}
