/** Everything known about one node: addresses, the last probe in full, its history and the VM it may be. */
import type { NodeRecord } from '../../../../main/common/ipc.ts';
import { CopyButton } from '../../components/CopyButton.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { useNow } from '../../components/useNow.ts';
import { g8boot } from '../../data/bridge.ts';
import { ago, clockTime, dateTime, latency } from '../../data/format.ts';
import { nodeStatus } from './node-status.ts';
import { StatusLabel } from './StatusLabel.tsx';

const HISTORY_WORDS: Record<string, string> = {
  ready: 'Redis answered',
  'auth-required': 'Redis wanted a password',
  'auth-failed': 'Redis refused the password',
  'auth-plaintext': 'Redis asked for a password over an unencrypted connection (nothing sent)',
  'cert-changed': 'Its TLS certificate changed (nothing sent)',
  refused: 'Connection refused',
  timeout: 'No answer',
  'not-redis': 'Something other than Redis answered',
  unreachable: 'Unreachable',
  'no-address': 'Authorized, waiting for an address',
  pending: 'Asked to join',
  lost: 'ZeroTier lost it',
  back: 'Back online',
};

interface NodeDetailsProps {
  node: NodeRecord;
  onClose: () => void;
  onAuthorize: (node: NodeRecord, authorized: boolean) => void;
  onRename: (node: NodeRecord) => void;
}

export function NodeDetails({ node, onClose, onAuthorize, onRename }: NodeDetailsProps) {
  const now = useNow(5000);
  const probe = node.probe;
  const trust = useCall((sha256: string) => g8boot().trustCertificate(node.nodeId, sha256));
  const changedTo = probe?.state === 'cert-changed' ? (probe.certificate ?? null) : null;
  return (
    <aside className="node-details" aria-labelledby="node-details-title">
      <div className="details-head">
        <h2 id="node-details-title">{node.name || node.nodeId}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close details">
          <Icon name="close" />
        </button>
      </div>
      <StatusLabel status={nodeStatus(node)} />
      {changedTo && (
        <div className="notice notice-error" role="alert">
          <p>
            <strong>Certificate changed.</strong> This node's TLS certificate is not the one g8boot trusted for it, so nothing (no password, no
            command) was sent to it. Trust the new certificate only if you know why it changed, e.g. core0 was reinstalled.
          </p>
          <p className="mono">
            Was SHA-256 {node.trustedCertificate?.sha256 ?? 'unknown'}
            <br />
            Now SHA-256 {changedTo}
          </p>
          <button type="button" className="primary" disabled={trust.busy} onClick={() => void trust.run(changedTo)}>
            {trust.busy ? 'Trusting…' : 'Trust the new certificate'}
          </button>
          {trust.error && <ErrorNotice error={trust.error} />}
        </div>
      )}
      <dl className="facts">
        <dt>Node id</dt>
        <dd className="mono">
          {node.nodeId} <CopyButton text={node.nodeId} label="node id" compact />
        </dd>
        <dt>Addresses</dt>
        <dd>
          {node.ips.length === 0 ? (
            <span className="muted">none yet</span>
          ) : (
            <ul className="plain-list">
              {node.ips.map((ip) => (
                <li key={ip} className="mono">
                  {ip} <CopyButton text={ip} label={`address ${ip}`} compact />
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Physical address</dt>
        <dd className="mono">{node.physicalAddress ?? 'unknown'}</dd>
        <dt>ZeroTier version</dt>
        <dd>{node.clientVersion ?? 'unknown'}</dd>
        <dt>Online</dt>
        <dd>{node.online ? `yes, seen ${ago(node.lastSeen, now)}` : `no, last seen ${ago(node.lastSeen, now)}`}</dd>
        <dt>First seen</dt>
        <dd>{dateTime(node.firstSeen)}</dd>
        {probe && (
          <>
            <dt>Last check</dt>
            <dd>
              {probe.detail} ({probe.address ?? 'no address'}:{probe.port}, {ago(probe.checkedAt, now)})
              {probe.latencyMs !== null && `, ${latency(probe.latencyMs)}`}
              {probe.tls !== null && (probe.tls ? ', over TLS' : ', without TLS')}
            </dd>
            {probe.core0Version && (
              <>
                <dt>core0</dt>
                <dd>{probe.core0Version}</dd>
              </>
            )}
          </>
        )}
        <dt>TLS certificate</dt>
        <dd>
          {node.trustedCertificate ? (
            <>
              <span className="mono">SHA-256 {node.trustedCertificate.sha256}</span>{' '}
              <CopyButton text={node.trustedCertificate.sha256} label="certificate fingerprint" compact />
              <br />
              {node.trustedCertificate.how === 'first-use' ? 'trusted on first sight' : 'trusted by you'}, {dateTime(node.trustedCertificate.since)}
            </>
          ) : (
            <span className="muted">none seen yet (the first one core0 presents is trusted)</span>
          )}
        </dd>
        {node.vmHint && (
          <>
            <dt>Test VM</dt>
            <dd>
              probably {node.vmHint.hypervisor} VM <strong>{node.vmHint.vm}</strong> (started {ago(node.vmHint.startedAt, now)})
            </dd>
          </>
        )}
      </dl>
      <div className="button-row">
        <button type="button" className={node.authorized ? undefined : 'primary'} onClick={() => onAuthorize(node, !node.authorized)}>
          {node.authorized ? 'Deauthorize' : 'Authorize'}
        </button>
        <button type="button" onClick={() => onRename(node)}>
          Rename
        </button>
      </div>
      <h3>History</h3>
      {node.history.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ol className="history" reversed>
          {[...node.history].reverse().map((entry, i) => (
            <li key={`${entry.at}-${i}`}>
              <time dateTime={new Date(entry.at).toISOString()}>{clockTime(entry.at)}</time> {HISTORY_WORDS[entry.state] ?? entry.state}
              {entry.detail && <span className="muted"> · {entry.detail}</span>}
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
