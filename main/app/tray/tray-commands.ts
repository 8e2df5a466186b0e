/**
 * What a tray menu click does, carried out through the same API the renderer uses. Plain Node: the shell passes
 * the few things only it can do (show the window, quit).
 */
import type { G8bootApi, View } from '../../common/ipc.ts';
import type { NotificationCommand } from '../notifications/notifier.ts';
import type { TrayCommand } from './tray-model.ts';

export interface CommandContext {
  api: G8bootApi;
  /** Show the dashboard (creating the window if needed) at a view. */
  openDashboard(view?: View, nodeId?: string): void;
  quit(): void;
  /** Tell the person a command failed (a notification). */
  report(title: string, error: unknown): void;
}

export async function runTrayCommand(command: TrayCommand, context: CommandContext): Promise<void> {
  const { api } = context;
  try {
    switch (command.type) {
      case 'copy':
        return await api.copyText(command.text);
      case 'authorize':
        await api.authorizeNode(command.nodeId, true);
        return;
      case 'authorize-all':
        await api.authorizeAllWaiting();
        return;
      case 'trust-certificate':
        await api.trustCertificate(command.nodeId, command.sha256);
        return;
      case 'build-image':
        return context.openDashboard('boot');
      case 'start-vm': {
        const { networkId } = await api.getState();
        if (!networkId) return context.openDashboard('setup');
        await api.startVm({ hypervisor: command.hypervisor, netid: networkId });
        return context.openDashboard('vms');
      }
      case 'boot-service':
        await api.setBootService(command.on);
        return;
      case 'open-dashboard':
        return context.openDashboard(command.view, command.nodeId);
      case 'start-at-login':
        await api.updateSettings({ startAtLogin: command.on });
        return;
      case 'quit':
        return context.quit();
    }
  } catch (error) {
    context.report(failureTitle(command), error);
  }
}

/** A notification's button or click. */
export async function runNotificationCommand(command: NotificationCommand, context: CommandContext): Promise<void> {
  if (command.type === 'navigate') return context.openDashboard(command.view, command.nodeId);
  try {
    for (const nodeId of command.nodeIds) await context.api.authorizeNode(nodeId, true);
  } catch (error) {
    context.report('Could not authorize the node', error);
  }
}

function failureTitle(command: TrayCommand): string {
  switch (command.type) {
    case 'authorize':
      return `Could not authorize node ${command.nodeId}`;
    case 'authorize-all':
      return 'Could not authorize the waiting nodes';
    case 'trust-certificate':
      return `Could not trust the new certificate of node ${command.nodeId}`;
    case 'start-vm':
      return `Could not boot a test node on ${command.hypervisor}`;
    case 'boot-service':
      return command.on ? 'Could not start the boot service' : 'Could not stop the boot service';
    case 'start-at-login':
      return 'Could not change start at login';
    default:
      return 'g8boot could not do that';
  }
}
