/** The events one record change means, in the order a person would tell the story. */
import { isCredentialState, type MonitorEvent, type NodeRecord } from '../../common/nodes.ts';
import { usableAddress } from './records.ts';

/** Asking to join: the lifecycle state says so (node-states.ts defines "waiting" once). */
export function isWaiting(record: NodeRecord): boolean {
  return record.state === 'waiting';
}

/**
 * `prev` undefined: a node seen for the first time, which tells its whole story so far (joined or authorized,
 * addressed, ready). A node someone deauthorized does not "join" again: that is a decision, not a request, and
 * the `auto` policy must not undo it.
 */
export function transitions(prev: NodeRecord | undefined, next: NodeRecord, at: number): MonitorEvent[] {
  const events: MonitorEvent[] = [];
  const node = next;
  if (isWaiting(next) && !(prev && (prev.authorized || isWaiting(prev)))) events.push({ type: 'node-joined', at, node });
  if (next.authorized && !prev?.authorized) events.push({ type: 'node-authorized', at, node });
  const address = usableAddress(next);
  if (address !== null && address !== usableAddress(prev)) events.push({ type: 'node-addressed', at, node });
  if (prev && prev.state === 'lost' && next.state !== 'lost') events.push({ type: 'node-back', at, node });
  const wasReady = prev?.state === 'ready';
  const isReady = next.state === 'ready';
  if (isReady && !wasReady) events.push({ type: 'node-ready', at, node });
  if (prev && prev.state !== 'lost' && next.state === 'lost') events.push({ type: 'node-lost', at, node });
  else if (wasReady && !isReady) events.push({ type: 'node-degraded', at, node });
  const problem = next.probe?.state;
  if (isCredentialState(problem) && prev?.probe?.state !== problem) events.push({ type: 'node-credential-problem', at, node });
  return events;
}
