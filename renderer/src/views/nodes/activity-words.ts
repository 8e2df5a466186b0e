/** Monitor events as sentences, for the activity list. Sweeps are routine and not listed. */
import type { MonitorEvent } from '../../../../main/common/ipc.ts';
import { NODE_STATE_WORDS } from '../../../../main/common/node-states.ts';
import { PROBE_STATE_WORDS } from '../../../../main/common/nodes.ts';

export function activityWords(event: MonitorEvent): string | null {
  const name = 'node' in event ? event.node.name || event.node.nodeId : '';
  switch (event.type) {
    case 'node-joined':
      return `${name} asked to join: ${NODE_STATE_WORDS.waiting.label.toLowerCase()}`;
    case 'node-authorized':
      return `${name} was authorized`;
    case 'node-addressed':
      return `${name} got address ${event.node.ip ?? event.node.ips[0] ?? ''}`.trim();
    case 'node-ready':
      return `${name} is ready: ${NODE_STATE_WORDS.ready.explain}`;
    case 'node-degraded':
      return `${name} is no longer ready: ${NODE_STATE_WORDS[event.node.state].label.toLowerCase()} (${event.node.probe?.detail ?? 'no answer'})`;
    case 'node-credential-problem': {
      const state = event.node.probe?.state ?? 'auth-required';
      return `${name}: ${PROBE_STATE_WORDS[state].label.toLowerCase()} (${event.node.probe?.detail ?? ''})`;
    }
    case 'node-lost':
      return `${name} is lost: ${NODE_STATE_WORDS.lost.explain}`;
    case 'node-back':
      return `${name} is back: ZeroTier hears from it again`;
    case 'policy-action':
      return `Policy ${event.action === 'authorize' ? 'authorized' : 'deauthorized'} ${event.nodeId}: ${event.reason}`;
    case 'monitor-stale':
      return `ZeroTier did not answer (${event.error.message}); retrying in ${Math.round(event.retryInMs / 1000)} s`;
    case 'monitor-recovered':
      return 'ZeroTier answers again';
    case 'sweep':
    case 'sweep-progress':
      return null;
  }
}
