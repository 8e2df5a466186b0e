/**
 * Probe many nodes at once, never more than `concurrency` at a time (each probe holds at most one socket), so a
 * thousand nodes take about as long as the slowest few rather than the sum of their deadlines.
 */
import pLimit from 'p-limit';
import { DEFAULT_PROBE_CONCURRENCY, type ProbeResult } from '../../common/nodes.ts';
import { membershipFinding, probeNode, type ProbeOptions, type ProbeTarget } from './probe.ts';

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
  /**
   * Asked once per probed node with its first result: a pause (ms) after which it is probed once more (within
   * the same socket limit), the second result then standing for it (unless it could not reach the node either:
   * then the first stands, noting the second); null to keep the first. For a node whose
   * address is new, the ZeroTier path needs a few seconds before it carries packets.
   */
  retry?: ((index: number, result: ProbeResult) => number | null) | undefined;
}

const REACH_FAILURES: ReadonlySet<string> = new Set(['timeout', 'unreachable']);

/** Results in the order of `targets`. Never throws for a node: every failure is a state. */
export async function probeAll(targets: readonly ProbeTarget[], options: ProbeAllOptions = {}): Promise<ProbeResult[]> {
  const limit = pLimit(options.concurrency ?? DEFAULT_PROBE_CONCURRENCY);
  const { priority } = options;
  const order = targets.map((_, index) => index);
  // Stable: equal priorities keep their order. p-limit starts queued work in the order it was queued.
  if (priority) order.sort((a, b) => priority(b) - priority(a));
  const results: ProbeResult[] = new Array<ProbeResult>(targets.length);
  await Promise.all(
    order.map(async (index) => {
      const target = targets[index]!;
      // Nodes without an address take no socket, so they do not wait for one.
      let result = membershipFinding(target, options);
      if (result === null) {
        result = await limit(() => probeNode(target, options));
        const pause = options.retry?.(index, result) ?? null;
        if (pause !== null) {
          if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
          const again = await limit(() => probeNode(target, options));
          // Still no way through: the first finding stands (a kernel that gave up on the neighbour says "no
          // route" the second time, which would blame the path of this computer), and says it was retried.
          const stillUnreached = REACH_FAILURES.has(again.state) && REACH_FAILURES.has(result.state);
          result = stillUnreached ? { ...result, detail: `${result.detail}; probed again: ${again.detail}` } : again;
        }
      }
      results[index] = result;
      options.onResult?.(index, result);
    }),
  );
  return results;
}
