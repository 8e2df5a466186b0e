/**
 * The node list: an ARIA grid (rows are selectable and keyboard-driven) whose rows are virtualized (only the visible ones exist in the DOM), so 1,000+
 * nodes scroll and update smoothly. One tab stop: the active row; arrow keys, Page Up/Down, Home and End move
 * it, Enter opens the node's details, Tab reaches the active row's buttons.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { NodeRecord } from '../../../../main/common/ipc.ts';
import { useNow } from '../../components/useNow.ts';
import { NodeRow, type NodeRowActions } from './NodeRow.tsx';
import type { Sort, SortKey } from './node-sort.ts';

const ROW_HEIGHT = 40;
const PAGE_ROWS = 10;

const COLUMNS: { key: SortKey | null; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'nodeId', label: 'Node id' },
  { key: 'ip', label: 'ZeroTier IP' },
  { key: 'physicalAddress', label: 'Physical address' },
  { key: 'lastSeen', label: 'Last seen' },
  { key: 'authorized', label: 'Authorized' },
  { key: 'status', label: 'Redis / core0' },
  { key: null, label: 'Actions' },
];

interface NodeTableProps extends NodeRowActions {
  nodes: NodeRecord[];
  sort: Sort;
  onSort: (key: SortKey) => void;
  selectedId: string | null;
  /** Scrolled to and flashed (a tray or notification asked to show it); a new object for each request. */
  highlight: { nodeId: string } | null;
  busyIds: ReadonlySet<string>;
  /** This computer's ZeroTier address, if it is on the network. */
  thisComputerId: string | null;
}

export function NodeTable(props: NodeTableProps) {
  const { nodes, sort, onSort, selectedId, highlight, busyIds, thisComputerId } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  // The active row follows its node, not its position: pushes re-sort the list under it.
  const [activeId, setActiveId] = useState<string | null>(null);
  const now = useNow(5000);
  const virtualizer = useVirtualizer({
    count: nodes.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    getItemKey: (index) => nodes[index]?.nodeId ?? index,
  });
  // Focus follows the active row only when the person moved it with the keyboard.
  const focusPending = useRef(false);
  const active = Math.max(0, activeId === null ? 0 : nodes.findIndex((n) => n.nodeId === activeId));

  const moveTo = useCallback(
    (index: number) => {
      const target = Math.max(0, Math.min(nodes.length - 1, index));
      focusPending.current = true;
      setActiveId(nodes[target]?.nodeId ?? null);
      virtualizer.scrollToIndex(target, { align: 'auto' });
    },
    [nodes, virtualizer],
  );

  useEffect(() => {
    if (!focusPending.current) return;
    // The row may appear one frame after scrolling; look again then.
    const focusRow = () => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    const row = focusRow();
    if (row) {
      focusPending.current = false;
      row.focus({ preventScroll: true });
      return;
    }
    const frame = requestAnimationFrame(() => {
      focusPending.current = false;
      focusRow()?.focus({ preventScroll: true });
    });
    return () => cancelAnimationFrame(frame);
  });

  const highlightShown = useRef<{ nodeId: string } | null>(null);
  useEffect(() => {
    if (!highlight || highlightShown.current === highlight) return;
    // The list may not hold the node yet (a filter being cleared, the node not pushed yet): try again then.
    const index = nodes.findIndex((n) => n.nodeId === highlight.nodeId);
    if (index === -1) return;
    highlightShown.current = highlight;
    setActiveId(highlight.nodeId);
    virtualizer.scrollToIndex(index, { align: 'center' });
  }, [highlight, nodes, virtualizer]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // Keys typed into a row's buttons keep their own meaning.
    if ((event.target as HTMLElement).getAttribute('role') !== 'row') return;
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + PAGE_ROWS,
      PageUp: active - PAGE_ROWS,
      Home: 0,
      End: nodes.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    moveTo(target);
  };

  return (
    <div role="grid" aria-label="Nodes" aria-rowcount={nodes.length + 1} aria-readonly="true" className="node-table">
      <div role="rowgroup" className="node-head">
        <div role="row" aria-rowindex={1} className="node-row-grid">
          {COLUMNS.map((column) => (
            <div
              key={column.label}
              role="columnheader"
              aria-sort={column.key && sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : undefined}
            >
              {column.key ? (
                <button type="button" className="sort-button" onClick={() => column.key && onSort(column.key)}>
                  {column.label}
                  <span aria-hidden="true" className="sort-mark">
                    {sort.key === column.key ? (sort.descending ? '▼' : '▲') : ''}
                  </span>
                </button>
              ) : (
                column.label
              )}
            </div>
          ))}
        </div>
      </div>
      <div role="rowgroup" className="node-scroll" ref={scrollRef} onKeyDown={onKeyDown}>
        <div className="node-canvas" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const node = nodes[item.index];
            if (!node) return null;
            return (
              <NodeRow
                key={node.nodeId}
                node={node}
                isThisComputer={node.nodeId === thisComputerId}
                index={item.index}
                top={item.start}
                active={item.index === active}
                selected={node.nodeId === selectedId}
                highlighted={node.nodeId === highlight?.nodeId}
                busy={busyIds.has(node.nodeId)}
                now={now}
                onFocusRow={setActiveId}
                onSelect={props.onSelect}
                onAuthorize={props.onAuthorize}
                onRename={props.onRename}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
