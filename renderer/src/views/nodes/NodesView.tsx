/** The nodes on the watched network: filter, sort, authorize, rename, copy, export, and what happened lately. */
import { useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react';
import type { AppState, MonitorEvent, NodeRecord, View } from '../../../../main/common/ipc.ts';
import { needsAuthorization } from '../../../../main/common/nodes.ts';
import { useAnnounce } from '../../components/Announcer.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { errorText, type ErrorText } from '../../data/error-text.ts';
import { plural } from '../../data/format.ts';
import { ActivityList } from './ActivityList.tsx';
import { ExportControls } from './ExportControls.tsx';
import { MonitorSummary } from './MonitorSummary.tsx';
import { NodeDetails } from './NodeDetails.tsx';
import { FILTER_LABELS, matchesKind, matchesText, type NodeFilterKind } from './node-status.ts';
import { sortNodes, type Sort, type SortKey } from './node-sort.ts';
import { NodeTable } from './NodeTable.tsx';
import { RenameDialog } from './RenameDialog.tsx';

interface NodesViewProps {
  state: AppState;
  nodes: NodeRecord[];
  activity: MonitorEvent[];
  highlight: { nodeId: string } | null;
  goTo: (view: View) => void;
}

export function NodesView({ state, nodes, activity, highlight, goTo }: NodesViewProps) {
  const [text, setText] = useState('');
  const [kind, setKind] = useState<NodeFilterKind>('all');
  const [sort, setSort] = useState<Sort>({ key: 'name', descending: false });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<NodeRecord | null>(null);
  const [busyIds, setBusyIds] = useState<ReadonlySet<string>>(new Set());
  const [actionError, setActionError] = useState<ErrorText | null>(null);
  const announce = useAnnounce();
  useEffect(() => {
    // Asked to show a node (tray, notification): make sure no filter hides it, and open its details.
    if (!highlight) return;
    setText('');
    setKind('all');
    setSelectedId(highlight.nodeId);
  }, [highlight]);
  const refresh = useCall((deep: boolean) => g8boot().refreshNodes({ deep }));
  const authorizeAll = useCall(() => g8boot().authorizeAllWaiting());

  // Typing stays responsive with 1,000+ rows: the table catches up a frame later.
  const filterText = useDeferredValue(text.trim());
  const shown = useMemo(
    () => sortNodes(nodes.filter((n) => matchesKind(n, kind) && matchesText(n, filterText)), sort),
    [nodes, kind, filterText, sort],
  );
  // What "Authorize all waiting" authorizes (this computer's own node too, when it waits), counted as main counts it.
  const waiting = useMemo(() => nodes.filter((n) => needsAuthorization(n)).length, [nodes]);
  const selected = selectedId ? nodes.find((n) => n.nodeId === selectedId) : undefined;

  const onSort = useCallback((key: SortKey) => setSort((s) => ({ key, descending: s.key === key ? !s.descending : false })), []);

  const onAuthorize = useCallback(
    async (node: NodeRecord, authorized: boolean) => {
      const name = node.name || node.nodeId;
      setBusyIds((ids) => new Set(ids).add(node.nodeId));
      setActionError(null);
      try {
        await g8boot().authorizeNode(node.nodeId, authorized);
        announce(`${authorized ? 'Authorized' : 'Deauthorized'} ${name}`);
      } catch (error) {
        const text = errorText(error);
        setActionError({ ...text, message: `Could not ${authorized ? 'authorize' : 'deauthorize'} ${name}: ${text.message}` });
      } finally {
        setBusyIds((ids) => {
          const next = new Set(ids);
          next.delete(node.nodeId);
          return next;
        });
      }
    },
    [announce],
  );
  const authorizeAction = useCallback((node: NodeRecord, authorized: boolean) => void onAuthorize(node, authorized), [onAuthorize]);

  if (!state.networkId) {
    return (
      <EmptyState title="No network chosen yet">
        <p>Pick the ZeroTier network your G8OS nodes join, and g8boot lists them here.</p>
        <button type="button" className="primary" onClick={() => goTo('setup')}>
          Choose a network
        </button>
      </EmptyState>
    );
  }

  const runAuthorizeAll = async () => {
    const count = await authorizeAll.run();
    if (count !== undefined) announce(`Authorized ${plural(count, 'node')}`);
  };

  return (
    <div className="nodes-view">
      <div className="view-toolbar">
        <MonitorSummary monitor={state.monitor} nodes={nodes} />
        <div className="button-row">
          <button type="button" onClick={() => void refresh.run(false)} disabled={refresh.busy}>
            {refresh.busy ? 'Refreshing…' : 'Refresh'}
          </button>
          <button type="button" onClick={() => void refresh.run(true)} disabled={refresh.busy} title="Also asks core0 itself (core.ping) on every ready node">
            Check core0
          </button>
          <button type="button" className="primary" onClick={() => void runAuthorizeAll()} disabled={waiting === 0 || authorizeAll.busy}>
            Authorize all waiting ({waiting})
          </button>
        </div>
      </div>
      {refresh.error && <ErrorNotice error={refresh.error} onRetry={refresh.clearError} retryLabel="Dismiss" />}
      {authorizeAll.error && <ErrorNotice error={authorizeAll.error} onRetry={authorizeAll.clearError} retryLabel="Dismiss" />}
      {actionError && <ErrorNotice error={actionError} onRetry={() => setActionError(null)} retryLabel="Dismiss" />}

      <div className="filter-bar" role="search">
        <label className="inline-field grow">
          <span>Filter</span>
          <input type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder="name, node id or address" />
        </label>
        <label className="inline-field">
          <span>Show</span>
          <select value={kind} onChange={(event) => setKind(event.target.value as NodeFilterKind)}>
            {(Object.keys(FILTER_LABELS) as NodeFilterKind[]).map((k) => (
              <option key={k} value={k}>
                {FILTER_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <ExportControls nodeIds={shown.map((n) => n.nodeId)} />
      </div>

      <div className="nodes-body">
        {nodes.length === 0 ? (
          <EmptyState title="No node has joined this network yet">
            <p>
              Boot a G8OS node with this network's id ({state.networkId}): build a boot image for a machine, or start a
              test VM. It shows up here as soon as it asks to join.
            </p>
            <div className="button-row">
              <button type="button" className="primary" onClick={() => goTo('boot')}>
                Build boot media
              </button>
              <button type="button" onClick={() => goTo('vms')}>
                Start a test VM
              </button>
            </div>
          </EmptyState>
        ) : shown.length === 0 ? (
          <EmptyState title={`No node matches${filterText ? ` “${filterText}”` : ''} (${FILTER_LABELS[kind]})`}>
            <button
              type="button"
              onClick={() => {
                setText('');
                setKind('all');
              }}
            >
              Clear the filter
            </button>
          </EmptyState>
        ) : (
          <NodeTable
            nodes={shown}
            sort={sort}
            onSort={onSort}
            selectedId={selectedId}
            highlight={highlight}
            busyIds={busyIds}
            thisComputerId={state.thisMachine?.address ?? null}
            onSelect={setSelectedId}
            onAuthorize={authorizeAction}
            onRename={setRenaming}
          />
        )}
        {selected ? (
          <NodeDetails node={selected} onClose={() => setSelectedId(null)} onAuthorize={authorizeAction} onRename={setRenaming} />
        ) : (
          <ActivityList events={activity} />
        )}
      </div>
      {renaming && <RenameDialog node={renaming} onClose={() => setRenaming(null)} />}
    </div>
  );
}
