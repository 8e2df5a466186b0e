/**
 * Probe many nodes at once, never more than `concurrency` at a time (each probe holds at most one socket), so a
 * thousand nodes take about as long as the slowest few rather than the sum of their deadlines.
 */
import pLimit from 'p-limit';
import { DEFAULT_PROBE_CONCURRENCY, type ProbeResult } from '../../common/nodes.ts';
import { membershipFinding, probeNode, type ProbeOptions, type ProbeTarget } from './probe.ts';

export const DEFAULT_CONCURRENCY = DEFAULT_PROBE_CONCURRENCY;

export interface ProbeAllOptions extends ProbeOptions {
  /** Probes (so sockets) at once. Default 256 (DEFAULT_PROBE_CONCURRENCY). */
  concurrency?: number | undefined;
  /**
   * Higher goes first (default: the order given). A node expected to use its whole deadline is best started
   * first: its wait then overlaps the rest of the sweep instead of trailing after it.
   */
  priority?: ((index: number) => number) | undefined;
  /** Called as each probe finishes (live tables). */
  onResult?: ((index: number, result: ProbeResult) => void) | undefined;
}

/** Results in the order of `targets`. Never throws for a node: every failure is a state. */
export async function probeAll(targets: readonly ProbeTarget[], options: ProbeAllOptions = {}): Promise<ProbeResult[]> {
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const { priority } = options;
  const order = targets.map((_, index) => index);
  // Stable: equal priorities keep their order. p-limit starts queued work in the order it was queued.
  if (priority) order.sort((a, b) => priority(b) - priority(a));
  const results: ProbeResult[] = new Array<ProbeResult>(targets.length);
  await Promise.all(
    order.map(async (index) => {
      const target = targets[index]!;
      // Nodes without an address take no socket, so they do not wait for one.
      const result = membershipFinding(target, options) ?? (await limit(() => probeNode(target, options)));
      results[index] = result;
      options.onResult?.(index, result);
    }),
  );
  return results;
}
