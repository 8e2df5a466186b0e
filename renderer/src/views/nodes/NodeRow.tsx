import { memo } from 'react';
import type { NodeRecord } from '../../../../main/common/ipc.ts';
import { CopyButton } from '../../components/CopyButton.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ago } from '../../data/format.ts';
import { nodeStatus } from './node-status.ts';
import { StatusLabel } from './StatusLabel.tsx';

export interface NodeRowActions {
  onSelect: (nodeId: string) => void;
  onAuthorize: (node: NodeRecord, authorized: boolean) => void;
  onRename: (node: NodeRecord) => void;
}

interface NodeRowProps extends NodeRowActions {
  node: NodeRecord;
  /** This computer's own membership: named so it is not mistaken for a G8OS node. */
  isThisComputer: boolean;
  index: number;
  top: number;
  /** The row that holds the table's one tab stop (roving focus). */
  active: boolean;
  selected: boolean;
  highlighted: boolean;
  busy: boolean;
  now: number;
  onFocusRow: (nodeId: string) => void;
}

/** One node; memoized so a push re-renders only rows whose record or clock changed. */
export const NodeRow = memo(function NodeRow(props: NodeRowProps) {
  const { node, isThisComputer, index, top, active, selected, highlighted, busy, now } = props;
  const status = nodeStatus(node);
  const name = node.name || node.nodeId;
  const tab = active ? 0 : -1;
  const classes = ['node-row', 'node-row-grid', selected && 'row-selected', highlighted && 'row-highlight', !node.online && 'row-offline'].filter(Boolean).join(' ');
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-index={index}
      data-node-id={node.nodeId}
      className={classes}
      tabIndex={tab}
      style={{ transform: `translateY(${top}px)` }}
      onFocus={() => {
        if (!active) props.onFocusRow(node.nodeId);
      }}
      onClick={(event) => {
        // The row's own buttons act on their own; a click anywhere else opens the details.
        if (!(event.target as HTMLElement).closest('button')) props.onSelect(node.nodeId);
      }}
      onKeyDown={(event) => {
        if (event.target === event.currentTarget && (event.key === 'Enter' || event.key === ' ')) {
          event.preventDefault();
          props.onSelect(node.nodeId);
        }
      }}
    >
      <div role="gridcell" className="cell-name">
        <span className="truncate">{node.name || <em>unnamed</em>}</span>
        {isThisComputer && <span className="tag">this computer</span>}
        {node.vmHint && (
          <span className="tag" title={`Probably ${node.vmHint.hypervisor} VM ${node.vmHint.vm}`}>
            VM
          </span>
        )}
      </div>
      <div role="gridcell" className="mono">
        {node.nodeId}
      </div>
      <div role="gridcell" className="cell-ip">
        {node.ip ? (
          <>
            <span className="mono truncate">{node.ip}</span>
            <CopyButton text={node.ip} label={`IP of ${name}`} compact tabIndex={tab} />
          </>
        ) : (
          <span className="muted">none yet</span>
        )}
      </div>
      <div role="gridcell" className="mono truncate">
        {node.physicalAddress ?? <span className="muted">unknown</span>}
      </div>
      <div role="gridcell" className="truncate" title={node.online ? undefined : `Offline, last seen ${ago(node.lastSeen, now)}`}>
        {node.online ? ago(node.lastSeen, now) : <span className="status-off">Offline · {ago(node.lastSeen, now)}</span>}
      </div>
      <div role="gridcell">{node.authorized ? 'Yes' : <strong>No</strong>}</div>
      <div role="gridcell">
        <StatusLabel status={status} />
      </div>
      <div role="gridcell" className="cell-actions">
        <button
          type="button"
          className={node.authorized ? 'small' : 'small primary'}
          tabIndex={tab}
          disabled={busy}
          onClick={() => props.onAuthorize(node, !node.authorized)}
          aria-label={`${node.authorized ? 'Deauthorize' : 'Authorize'} ${name}`}
        >
          {node.authorized ? 'Deauthorize' : 'Authorize'}
        </button>
        <button type="button" className="icon-button" tabIndex={tab} onClick={() => props.onRename(node)} aria-label={`Rename ${name}`} title="Rename">
          <Icon name="edit" />
        </button>
      </div>
    </div>
  );
});
