/** How fresh the list is: when the last sweep ran, how often, and whether ZeroTier stopped answering. */
import type { MonitorStatus, NodeRecord } from '../../../../main/common/ipc.ts';
import { needsAuthorization, needsCredentials } from '../../../../main/common/nodes.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useNow } from '../../components/useNow.ts';
import { serializedErrorText } from '../../data/error-text.ts';
import { ago, plural } from '../../data/format.ts';

export function MonitorSummary({ monitor, nodes }: { monitor: MonitorStatus | null; nodes: NodeRecord[] }) {
  const now = useNow(5000);
  let ready = 0;
  let waiting = 0;
  let lost = 0;
  let attention = 0;
  for (const node of nodes) {
    // Counted as the tray and "Authorize all waiting" count it: this computer's own node too, when it waits.
    if (needsAuthorization(node, now)) waiting++;
    else if (node.state === 'ready') ready++;
    else if (node.state === 'lost') lost++;
    // Redis is there, but a password or the person's trust is missing (counted as the tray counts it).
    if (needsCredentials(node)) attention++;
  }
  const fast = monitor?.fastUntil && monitor.fastUntil > now;
  return (
    <div className="monitor-summary">
      <p aria-live="polite">
        {plural(nodes.length, 'node')} · {ready} ready · {waiting} waiting for authorization · {lost} lost
        {attention > 0 && <strong> · {attention} need a password or your trust</strong>}
      </p>
      {monitor && (
        <p className="muted">
          {monitor.running ? 'Watching' : 'Not watching'} · checked {ago(monitor.lastSweepAt, now)} · every{' '}
          {fast ? '5 s for now (a node is booting)' : `${Math.round(monitor.intervalMs / 1000)} s`} · policy: {monitor.policy}
        </p>
      )}
      {monitor?.stale && monitor.lastError && (
        <ErrorNotice error={{ ...serializedErrorText(monitor.lastError), message: `Showing the last known state: ${monitor.lastError.message}` }} />
      )}
    </div>
  );
}
