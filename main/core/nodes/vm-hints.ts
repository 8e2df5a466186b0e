/**
 * "Your VM is probably this node": a node that joins shortly after g8boot started a VM for the same network
 * gets a hint naming that VM. Each VM start is given to one node at most, the earliest joiner first.
 */
import type { NodeRecord, VmHint } from '../../common/nodes.ts';
import type { NetworkId } from '../../common/validate.ts';
import type { G8bootDirs } from '../paths.ts';
import { recentVmStarts } from '../vm/expectations.ts';
import type { Member } from '../zerotier/types.ts';

/** Clocks differ (the controller's creation time against this machine's start time): allow this much. */
const CLOCK_SLACK_MS = 60_000;

const hintKey = (hint: VmHint) => `${hint.vm}@${hint.startedAt}`;

export async function vmHintsFor(
  newcomers: readonly Member[],
  networkId: NetworkId,
  known: readonly NodeRecord[],
  options: { dirs: G8bootDirs; now: number },
): Promise<Map<string, VmHint>> {
  const hints = new Map<string, VmHint>();
  if (newcomers.length === 0) return hints;
  // Newest first: a node is most likely the VM started last before it joined.
  const starts = (await recentVmStarts(networkId, options)).map((s) => ({ vm: s.vm, hypervisor: s.hypervisor, startedAt: Date.parse(s.startedAt) }));
  const taken = new Set(known.flatMap((r) => (r.vmHint ? [hintKey(r.vmHint)] : [])));
  const byJoinTime = [...newcomers].sort((a, b) => (a.creationTime ?? options.now) - (b.creationTime ?? options.now));
  for (const member of byJoinTime) {
    const joinedAt = member.creationTime ?? options.now;
    const hint = starts.find((s) => !taken.has(hintKey(s)) && s.startedAt <= joinedAt + CLOCK_SLACK_MS);
    if (!hint) continue;
    taken.add(hintKey(hint));
    hints.set(member.nodeId, hint);
  }
  return hints;
}
