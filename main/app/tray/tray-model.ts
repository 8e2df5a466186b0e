/**
 * What the tray shows, as data: the icon state, the tooltip in words and the menu, from the app's state, the
 * node list and the hypervisors found. Pure, so every state is tested in Node; the Electron shell turns the menu
 * into a Menu and sets it again on every change (Linux shows a menu only when setContextMenu is called again).
 */
import type { AppState, HypervisorName, HypervisorView, View } from '../../common/ipc.ts';
import { NODE_STATE_WORDS } from '../../common/node-states.ts';
import { needsAuthorization, needsCredentials, PROBE_STATE_WORDS, type NodeRecord } from '../../common/nodes.ts';
import { burnProgressText } from '../../common/burn.ts';
import { thisComputerOffNetwork } from '../../common/this-computer.ts';

export type TrayIconState = 'unconfigured' | 'joining' | 'online' | 'attention';

/** What a menu item does when clicked; the shell carries it out. */
export type TrayCommand =
  | { type: 'copy'; text: string }
  | { type: 'authorize'; nodeId: string }
  | { type: 'authorize-all' }
  /** Trust the TLS certificate a node presented after "certificate changed" (the one shown in the label). */
  | { type: 'trust-certificate'; nodeId: string; sha256: string }
  | { type: 'build-image' }
  | { type: 'start-vm'; hypervisor: HypervisorName }
  | { type: 'boot-service'; on: boolean }
  | { type: 'open-dashboard'; view?: View | undefined; nodeId?: string | undefined }
  | { type: 'start-at-login'; on: boolean }
  | { type: 'quit' };

export type MenuItemModel =
  | { kind: 'action'; label: string; command: TrayCommand; enabled?: boolean }
  | { kind: 'checkbox'; label: string; checked: boolean; command: TrayCommand }
  | { kind: 'label'; label: string }
  | { kind: 'submenu'; label: string; items: MenuItemModel[] }
  | { kind: 'separator' };

export interface TrayModel {
  icon: TrayIconState;
  tooltip: string;
  menu: MenuItemModel[];
}

export interface TrayInput {
  state: AppState;
  nodes: readonly NodeRecord[];
  /** null until detected (the menu says so). */
  hypervisors: readonly HypervisorView[] | null;
  startAtLogin: boolean;
}

/** Waiting nodes listed one by one in the submenu; more are counted and left to the dashboard. */
export const MAX_LISTED_WAITING = 15;

/** The node's lifecycle state (main/common/node-states.ts) decides: the tray counts what every face counts. */
export const isWaiting = (node: NodeRecord) => needsAuthorization(node);
export const isReady = (node: NodeRecord) => node.state === 'ready';
/** Redis is there, but a password or the person's trust is missing: defined once, beside the probe outcomes. */
export { needsCredentials };

export function trayModel(input: TrayInput): TrayModel {
  const { state } = input;
  const waiting = input.nodes.filter(isWaiting);
  const ready = input.nodes.filter(isReady).length;
  const troubled = input.nodes.filter(needsCredentials);
  const icon = iconState(state, waiting.length + troubled.length);
  return {
    icon,
    tooltip: tooltip(state, icon, ready, waiting.length, troubled),
    menu: [
      ...thisMachineItems(state),
      networkItem(state),
      nodesItem(state, ready, waiting),
      ...credentialItems(troubled),
      { kind: 'separator' },
      { kind: 'action', label: 'Build boot image…', command: { type: 'build-image' }, enabled: state.controller !== null },
      ...burnItems(state),
      bootTestNodeItem(state, input.hypervisors),
      bootServiceItem(state),
      { kind: 'separator' },
      { kind: 'action', label: 'Open dashboard', command: { type: 'open-dashboard' } },
      { kind: 'checkbox', label: 'Start at login', checked: input.startAtLogin, command: { type: 'start-at-login', on: !input.startAtLogin } },
      { kind: 'separator' },
      { kind: 'action', label: 'Quit g8boot', command: { type: 'quit' } },
    ],
  };
}

/** Write to USB stick… (the dashboard's Boot media), and the write in progress. */
function burnItems(state: AppState): MenuItemModel[] {
  const burn = state.burn;
  if (burn?.state === 'running') return [{ kind: 'label', label: `${burn.description}: ${burnProgressText(burn.progress)}` }];
  return [{ kind: 'action', label: 'Write to USB stick…', command: { type: 'open-dashboard', view: 'boot' }, enabled: state.controller !== null }];
}

function iconState(state: AppState, waiting: number): TrayIconState {
  if (!state.controller || !state.networkId) return 'unconfigured';
  if (waiting > 0 || state.monitor?.stale || state.bootService.problem) return 'attention';
  const joined = state.thisMachine?.network;
  const joining = joined ? !(joined.status === 'OK' && joined.addresses.length > 0) : false;
  if (joining || state.monitor?.lastSweepAt === null) return 'joining';
  return 'online';
}

function tooltip(state: AppState, icon: TrayIconState, ready: number, waiting: number, troubled: readonly NodeRecord[]): string {
  if (icon === 'unconfigured') return state.controller ? 'g8boot: choose a network to watch' : 'g8boot: not connected to ZeroTier';
  const parts = [`g8boot: network ${state.networkId}`];
  if (state.burn?.state === 'running') parts.push(`${state.burn.description}: ${burnProgressText(state.burn.progress)}`);
  if (state.monitor?.stale) parts.push(`ZeroTier cannot be reached (${state.monitor.lastError?.message ?? 'no answer'}); showing the last known nodes`);
  if (state.bootService.problem) parts.push(`boot service: ${state.bootService.problem.message}`);
  const joined = state.thisMachine?.network;
  if (icon === 'joining') parts.push(joined ? `this machine: ${joined.statusText}` : 'looking for nodes');
  const offNetwork = state.thisMachine && state.networkId ? thisComputerOffNetwork(state.thisMachine, state.networkId) : null;
  if (offNetwork && icon !== 'joining') parts.push(offNetwork);
  parts.push(`${plural(ready, 'node')} ready`);
  if (waiting > 0) parts.push(`${waiting} ${NODE_STATE_WORDS.waiting.label.toLowerCase()}`);
  const changed = troubled.filter((n) => n.probe?.state === 'cert-changed').length;
  if (changed > 0) parts.push(`CERTIFICATE CHANGED on ${plural(changed, 'node')}`);
  if (troubled.length > changed) parts.push(`${plural(troubled.length - changed, 'node')} need${troubled.length - changed === 1 ? 's' : ''} a password`);
  return parts.join(' · ');
}

function thisMachineItems(state: AppState): MenuItemModel[] {
  const machine = state.thisMachine;
  if (!machine) return [{ kind: 'label', label: 'This machine: not connected' }];
  if (!machine.available || !machine.address) return [{ kind: 'label', label: `This machine: ZeroTier One not available` }];
  const ip = machine.network?.addresses[0]?.replace(/\/\d+$/, '');
  const items: MenuItemModel[] = [{ kind: 'action', label: `This machine: ${machine.address} (copy)`, command: { type: 'copy', text: machine.address } }];
  if (ip) items.push({ kind: 'action', label: `    IP ${ip} (copy)`, command: { type: 'copy', text: ip } });
  return items;
}

function networkItem(state: AppState): MenuItemModel {
  if (!state.controller) return { kind: 'action', label: 'Connect to ZeroTier…', command: { type: 'open-dashboard', view: 'setup' } };
  if (!state.networkId) return { kind: 'action', label: 'Choose a network…', command: { type: 'open-dashboard', view: 'setup' } };
  const words = state.monitor?.stale ? 'unreachable' : (state.thisMachine?.network?.statusText ?? (state.monitor?.lastSweepAt ? 'watching' : 'connecting'));
  return { kind: 'label', label: `Network ${state.networkId}: ${words}` };
}

function nodesItem(state: AppState, ready: number, waiting: readonly NodeRecord[]): MenuItemModel {
  const label = `Nodes: ${ready} ready, ${waiting.length} waiting`;
  if (!state.networkId) return { kind: 'label', label };
  const items: MenuItemModel[] = waiting.slice(0, MAX_LISTED_WAITING).map((node) => ({
    kind: 'action',
    label: `Authorize ${node.nodeId}${node.name ? ` (${node.name})` : ''}`,
    command: { type: 'authorize', nodeId: node.nodeId },
  }));
  if (waiting.length > MAX_LISTED_WAITING) {
    items.push({ kind: 'action', label: `…and ${waiting.length - MAX_LISTED_WAITING} more`, command: { type: 'open-dashboard', view: 'nodes' } });
  }
  if (waiting.length > 0) items.push({ kind: 'separator' }, { kind: 'action', label: `Authorize all waiting (${waiting.length})`, command: { type: 'authorize-all' } });
  else items.push({ kind: 'label', label: 'No node is waiting' });
  items.push({ kind: 'action', label: 'Show nodes', command: { type: 'open-dashboard', view: 'nodes' } });
  return { kind: 'submenu', label, items };
}

/**
 * Nodes with a credential or trust problem, each with its one step: trust the new certificate (the fingerprint
 * shown is the one trusted), or open Settings for the password.
 */
function credentialItems(troubled: readonly NodeRecord[]): MenuItemModel[] {
  if (troubled.length === 0) return [];
  const items: MenuItemModel[] = troubled.slice(0, MAX_LISTED_WAITING).map((node) => {
    const state = node.probe!.state as keyof typeof PROBE_STATE_WORDS;
    const who = `${node.nodeId}${node.name ? ` (${node.name})` : ''}`;
    const seen = node.probe?.certificate;
    if (state === 'cert-changed' && seen) {
      return { kind: 'action', label: `Certificate changed: ${who}: trust the new one (SHA-256 ${seen.slice(0, 16)}…)`, command: { type: 'trust-certificate', nodeId: node.nodeId, sha256: seen } };
    }
    return { kind: 'action', label: `${PROBE_STATE_WORDS[state].label}: ${who}: set the password…`, command: { type: 'open-dashboard', view: 'settings' } };
  });
  if (troubled.length > MAX_LISTED_WAITING) {
    items.push({ kind: 'action', label: `…and ${troubled.length - MAX_LISTED_WAITING} more`, command: { type: 'open-dashboard', view: 'nodes' } });
  }
  return [{ kind: 'submenu', label: `Need attention: ${troubled.length}`, items }];
}

function bootTestNodeItem(state: AppState, hypervisors: readonly HypervisorView[] | null): MenuItemModel {
  if (!state.networkId) return { kind: 'label', label: 'Boot test node (choose a network first)' };
  if (hypervisors === null) return { kind: 'label', label: 'Boot test node (looking for hypervisors…)' };
  const usable = hypervisors.filter((h) => h.available);
  if (usable.length === 0) {
    return { kind: 'submenu', label: 'Boot test node', items: [{ kind: 'action', label: 'No hypervisor found…', command: { type: 'open-dashboard', view: 'vms' } }] };
  }
  return {
    kind: 'submenu',
    label: 'Boot test node',
    items: usable.map((h) => ({ kind: 'action', label: `${HYPERVISOR_LABELS[h.hypervisor]}${h.version ? ` ${h.version}` : ''}`, command: { type: 'start-vm', hypervisor: h.hypervisor } })),
  };
}

const HYPERVISOR_LABELS: Record<HypervisorName, string> = { qemu: 'QEMU', virtualbox: 'VirtualBox', xhyve: 'xhyve' };

function bootServiceItem(state: AppState): MenuItemModel {
  const service = state.bootService;
  return service.running
    ? { kind: 'checkbox', label: `Boot service on: ${service.url}`, checked: true, command: { type: 'boot-service', on: false } }
    : { kind: 'checkbox', label: 'Boot service off', checked: false, command: { type: 'boot-service', on: true } };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
