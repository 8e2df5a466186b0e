/**
 * The renderer's picture of the app: fetched once (`getState`, `listNodes`), then kept current by the events
 * main pushes (`state`, `nodes`, `monitor-event`, `boot-event`). Every subscription ends on unmount.
 *
 * Events are applied once per animation frame: a sweep of 1,000 nodes can bring as many monitor events in a
 * burst, and rendering after each would stall the window. Within a frame only the latest `state` and `nodes`
 * matter; monitor and boot events are all kept, in order.
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { AppState, BootEventView, MonitorEvent, NodeRecord } from '../../../main/common/ipc.ts';
import { g8boot } from './bridge.ts';
import { errorText, type ErrorText } from './error-text.ts';

/** Enough for the activity list and the boot service's table; older entries are dropped. */
const ACTIVITY_LIMIT = 50;
const BOOT_EVENTS_LIMIT = 50;

export interface AppData {
  state: AppState | null;
  nodes: NodeRecord[];
  /** Newest first. */
  activity: MonitorEvent[];
  /** The first load failed; `reload()` tries again. */
  loadError: ErrorText | null;
}

/** What arrived since the last frame. */
interface Pushed {
  state: AppState | null;
  nodes: NodeRecord[] | null;
  monitorEvents: MonitorEvent[];
  bootEvents: BootEventView[];
}

type Action =
  | { type: 'loaded'; state: AppState; nodes: NodeRecord[] }
  | { type: 'load-failed'; error: ErrorText }
  | { type: 'pushed'; pushed: Pushed };

const initial: AppData = { state: null, nodes: [], activity: [], loadError: null };

/** Put a fresher copy of one node in place (or add it), keeping the list's identity otherwise. */
function upsertNode(nodes: NodeRecord[], node: NodeRecord): NodeRecord[] {
  const index = nodes.findIndex((n) => n.nodeId === node.nodeId);
  if (index === -1) return [...nodes, node];
  const next = nodes.slice();
  next[index] = node;
  return next;
}

function reduce(data: AppData, action: Action): AppData {
  switch (action.type) {
    case 'loaded':
      return { ...data, state: action.state, nodes: action.nodes, loadError: null };
    case 'load-failed':
      return { ...data, loadError: action.error };
    case 'pushed':
      return applyPushed(data, action.pushed);
  }
}

function applyPushed(data: AppData, pushed: Pushed): AppData {
  let { state, nodes, activity } = data;
  if (pushed.state) state = pushed.state;
  if (pushed.nodes) nodes = pushed.nodes;
  if (pushed.monitorEvents.length > 0) {
    activity = [...pushed.monitorEvents.toReversed(), ...activity].slice(0, ACTIVITY_LIMIT);
    // A list pushed in the same frame is at least as fresh as the nodes inside these events.
    if (!pushed.nodes) {
      for (const event of pushed.monitorEvents) {
        if ('node' in event && event.node.networkId === state?.networkId) nodes = upsertNode(nodes, event.node);
      }
    }
  }
  if (pushed.bootEvents.length > 0 && state) {
    const recent = [...pushed.bootEvents.toReversed(), ...state.bootService.recent].slice(0, BOOT_EVENTS_LIMIT);
    state = { ...state, bootService: { ...state.bootService, recent } };
  }
  return { ...data, state, nodes, activity };
}

export function useAppData(): AppData & { reload: () => void } {
  const [data, dispatch] = useReducer(reduce, initial);

  const reload = useCallback(() => {
    const bridge = g8boot();
    void (async () => {
      try {
        const state = await bridge.getState();
        // Before a network is chosen there is nothing to list.
        const nodes = state.networkId ? await bridge.listNodes() : [];
        dispatch({ type: 'loaded', state, nodes });
      } catch (error) {
        dispatch({ type: 'load-failed', error: errorText(error) });
      }
    })();
  }, []);

  useEffect(() => {
    const bridge = g8boot();
    let pushed: Pushed = { state: null, nodes: null, monitorEvents: [], bootEvents: [] };
    let frame = 0;
    const queue = (apply: (p: Pushed) => void) => {
      apply(pushed);
      frame ||= requestAnimationFrame(() => {
        frame = 0;
        const batch = pushed;
        pushed = { state: null, nodes: null, monitorEvents: [], bootEvents: [] };
        dispatch({ type: 'pushed', pushed: batch });
      });
    };
    // Subscribe before loading, so nothing pushed while the first answers travel is missed.
    const unsubscribe = [
      bridge.on('state', (state) => queue((p) => (p.state = state))),
      bridge.on('nodes', (nodes) => queue((p) => (p.nodes = nodes))),
      // Bounded: a hidden window gets no frames, and only the newest events are ever shown.
      bridge.on('monitor-event', (event) => queue((p) => (p.monitorEvents = [...p.monitorEvents.slice(1 - ACTIVITY_LIMIT), event]))),
      bridge.on('boot-event', (event) => queue((p) => (p.bootEvents = [...p.bootEvents.slice(1 - BOOT_EVENTS_LIMIT), event]))),
    ];
    reload();
    return () => {
      unsubscribe.forEach((off) => off());
      cancelAnimationFrame(frame);
    };
  }, [reload]);

  return { ...data, reload };
}
