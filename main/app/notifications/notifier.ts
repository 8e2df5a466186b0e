/**
 * Which desktop notifications to show, from the monitor's events. Pure decisions (the Electron adapter shows
 * them): "New node <id> wants to join" with an Authorize action where the OS offers actions on notifications
 * (macOS, Windows) and a click that opens the node in the dashboard elsewhere; "Node <id> is ready at <ip>";
 * errors that need the person (ZeroTier unreachable), once per outage; and credential or trust problems
 * ("Certificate changed on node <id>", "Node <id> wants a password"), whose click opens the node or Settings.
 * them): "New node <id> wants to join" with an Authorize action where actions really work (signed macOS with
 * the alert style, installed Windows) and otherwise a click that opens the node in the dashboard (the tray menu
 * has Authorize); "Node <id> is ready at <ip>";
 * errors that need the person (ZeroTier unreachable), once per outage.
 *
 * No storms: events of one kind that arrive within `batchWindowMs` become one notification ("12 new nodes want
 * to join"), and at most `maxPerMinute` notifications are shown in any minute; what is held back is counted in
 * the next one.
 */
import type { View } from '../../common/ipc.ts';
import { NODE_STATE_WORDS } from '../../common/node-states.ts';
import { PROBE_STATE_WORDS, type MonitorEvent, type NodeRecord } from '../../common/nodes.ts';

export type NotificationCommand = { type: 'authorize'; nodeIds: string[] } | { type: 'navigate'; view: View; nodeId?: string | undefined };

export interface NotificationModel {
  title: string;
  body: string;
  /** A button on the notification (macOS, Windows only). */
  action?: { label: string; command: NotificationCommand } | undefined;
  click: NotificationCommand;
}

export interface NotifierOptions {
  show: (notification: NotificationModel) => void;
  /**
   * Whether action buttons really work here (desktop/notification-actions.ts): a signed macOS build with the
   * alert style, an installed Windows build. Default false: the click opens the node, the tray has the action.
   */
  actions?: boolean | undefined;
  now?: (() => number) | undefined;
  /** Default 3 s: a sweep that finds many nodes reports them together. */
  batchWindowMs?: number | undefined;
  maxPerMinute?: number | undefined;
  /** The person's setting; checked when a notification is due. */
  enabled?: (() => boolean) | undefined;
}

export interface Notifier {
  handle(event: MonitorEvent): void;
  /** Show what is batched now (the app is quitting, or a test). */
  flush(): void;
  dispose(): void;
}

const LISTED = 3;

export function createNotifier(options: NotifierOptions): Notifier {
  const now = options.now ?? Date.now;
  const batchWindowMs = options.batchWindowMs ?? 3000;
  const maxPerMinute = options.maxPerMinute ?? 4;
  const joined = new Map<string, NodeRecord>();
  const ready = new Map<string, NodeRecord>();
  const troubled = new Map<string, NodeRecord>();
  const shownAt: number[] = [];
  let heldBack = 0;
  let outage = false;
  let timer: NodeJS.Timeout | undefined;

  const show = (notification: NotificationModel) => {
    if (options.enabled && !options.enabled()) return;
    const t = now();
    while (shownAt.length > 0 && t - shownAt[0]! >= 60_000) shownAt.shift();
    if (shownAt.length >= maxPerMinute) {
      heldBack++;
      return;
    }
    shownAt.push(t);
    const more = heldBack > 0 ? ` (${heldBack} more ${heldBack === 1 ? 'update' : 'updates'} in the dashboard)` : '';
    heldBack = 0;
    options.show({ ...notification, body: `${notification.body}${more}` });
  };

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (joined.size > 0) show(joinedNotification([...joined.values()], options.actions ?? false));
    if (ready.size > 0) show(readyNotification([...ready.values()]));
    if (troubled.size > 0) show(credentialNotification([...troubled.values()]));
    joined.clear();
    ready.clear();
    troubled.clear();
  };

  const batch = (into: Map<string, NodeRecord>, node: NodeRecord) => {
    into.set(node.nodeId, node);
    timer ??= setTimeout(flush, batchWindowMs);
  };

  return {
    handle(event) {
      switch (event.type) {
        case 'node-joined':
          return batch(joined, event.node);
        case 'node-authorized':
          // Authorized before we said anything (the policy, the tray, another person): nothing to ask any more.
          joined.delete(event.node.nodeId);
          return;
        case 'node-ready':
          troubled.delete(event.node.nodeId);
          return batch(ready, event.node);
        case 'node-credential-problem':
          return batch(troubled, event.node);
        case 'monitor-stale':
          if (outage) return;
          outage = true;
          return show({
            title: 'g8boot cannot reach ZeroTier',
            body: `${event.error.message}${event.error.hint ? ` ${event.error.hint}` : ''} The node list shows the last known state.`,
            click: { type: 'navigate', view: 'settings' },
          });
        case 'monitor-recovered':
          outage = false;
          return;
        default:
          return;
      }
    },
    flush,
    dispose() {
      clearTimeout(timer);
      timer = undefined;
      joined.clear();
      ready.clear();
      troubled.clear();
    },
  };
}

function credentialNotification(nodes: NodeRecord[]): NotificationModel {
  const changed = nodes.filter((n) => n.probe?.state === 'cert-changed');
  if (nodes.length === 1) {
    const node = nodes[0]!;
    const state = node.probe?.state ?? 'auth-required';
    const who = `node ${node.nodeId}${node.name ? ` (${node.name})` : ''}`;
    if (state === 'cert-changed') {
      return {
        title: `Certificate changed on ${who}`,
        body: "Its TLS certificate is not the one g8boot trusted for it; nothing was sent to it. Trust the new one only if you know why it changed (core0 reinstalled).",
        click: { type: 'navigate', view: 'nodes', nodeId: node.nodeId },
      };
    }
    const title =
      state === 'auth-plaintext'
        ? `Node ${node.nodeId} asks for a password over an unencrypted connection`
        : state === 'auth-failed'
          ? `Node ${node.nodeId} refused the password`
          : `Node ${node.nodeId} wants a password`;
    return { title, body: `${PROBE_STATE_WORDS[state].explain} Network ${node.networkId}.`, click: { type: 'navigate', view: 'settings' } };
  }
  return {
    title: changed.length > 0 ? `Certificate changed on ${changed.length} of ${nodes.length} nodes needing attention` : `${nodes.length} nodes want a password`,
    body: `${listed(nodes.map((n) => `${n.nodeId} (${PROBE_STATE_WORDS[n.probe?.state ?? 'auth-required'].label.toLowerCase()})`))} on network ${nodes[0]!.networkId}.`,
    click: { type: 'navigate', view: 'nodes' },
  };
}

/** The state's name as every face says it (node-states.ts): "waiting for authorization". */
const WAITING = NODE_STATE_WORDS.waiting.label.toLowerCase();

function joinedNotification(nodes: NodeRecord[], actions: boolean): NotificationModel {
  const ids = nodes.map((n) => n.nodeId);
  if (nodes.length === 1) {
    const node = nodes[0]!;
    const who = [node.name, node.physicalAddress && `from ${node.physicalAddress}`].filter(Boolean).join(' ');
    return {
      title: `New node ${node.nodeId} wants to join`,
      body: `${who ? `${who}, ` : ''}network ${node.networkId}: ${WAITING}.${actions ? '' : ' Click to review it in g8boot.'}`,
      action: actions ? { label: 'Authorize', command: { type: 'authorize', nodeIds: ids } } : undefined,
      click: { type: 'navigate', view: 'nodes', nodeId: node.nodeId },
    };
  }
  return {
    title: `${nodes.length} new nodes want to join`,
    body: `${listed(ids)} on network ${nodes[0]!.networkId}: ${WAITING}.${actions ? '' : ' Click to review them in g8boot.'}`,
    action: actions ? { label: `Authorize all ${nodes.length}`, command: { type: 'authorize', nodeIds: ids } } : undefined,
    click: { type: 'navigate', view: 'nodes' },
  };
}

function readyNotification(nodes: NodeRecord[]): NotificationModel {
  if (nodes.length === 1) {
    const node = nodes[0]!;
    return {
      title: `Node ${node.nodeId} is ready at ${node.ip ?? node.probe?.address ?? 'its address'}`,
      body: `${node.name ? `${node.name}: ` : ''}${NODE_STATE_WORDS.ready.explain}`,
      click: { type: 'navigate', view: 'nodes', nodeId: node.nodeId },
    };
  }
  return {
    title: `${nodes.length} nodes are ready`,
    body: `core0 answers on ${listed(nodes.map((n) => `${n.nodeId} (${n.ip ?? '?'})`))}.`,
    click: { type: 'navigate', view: 'nodes' },
  };
}

function listed(items: string[]): string {
  return items.length <= LISTED ? items.join(', ') : `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more`;
}
