/**
 * The tray app's lifecycle, in plain Node: electron/main.ts injects Electron's modules and calls runShell, and the
 * tests inject fakes. What it decides:
 * - a launch by the person always opens the dashboard (at the setup view on the very first run), and a second
 *   launch brings the running one to the front; a start at login (the login item's --hidden, macOS's
 *   wasOpenedAtLogin) stays in the tray, unless the desktop cannot show a tray;
 * - every action is in the tray menu (tray-model.ts), since some desktops deliver no tray clicks; where the
 *   desktop shows no tray at all, the dashboard says so and is the app (closing it quits);
 * - notifications: the saved on/off setting is read before the first one can show (events that arrive earlier
 *   wait for it); action buttons only where they really work, otherwise the click opens the node.
 */
import type { View } from '../common/ipc.ts';
import type { MonitorEvent } from '../common/nodes.ts';
import { createNotifier, type NotificationCommand, type NotificationModel } from './notifications/notifier.ts';
import { burnNotification } from './notifications/burn-notification.ts';
import type { AppService } from './service/app-service.ts';
import { runNotificationCommand, runTrayCommand, type CommandContext } from './tray/tray-commands.ts';
import type { TrayCommand } from './tray/tray-model.ts';

/** The part of Electron's `app` the lifecycle uses. */
export interface ShellApp {
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  on(event: 'second-instance' | 'activate' | 'window-all-closed', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
  exit(code?: number): void;
  setAppUserModelId(id: string): void;
}

export interface ShellDashboard {
  show(view?: View, nodeId?: string): void;
  destroy(): void;
}

export interface ShellDeps<D extends ShellDashboard = ShellDashboard> {
  app: ShellApp;
  platform: NodeJS.Platform;
  /** Windows ties notifications and the taskbar to it; must equal appId in electron-builder.yml. */
  appUserModelId: string;
  /** Started by the login item rather than by the person. */
  startedAtLogin(): boolean;
  /** Electron-only setup once the app is ready (protocols, session permissions). */
  onReady?: (() => void) | undefined;
  createService(): AppService;
  createDashboard(options: { isQuitting: () => boolean; closeHides: () => boolean; navigate: (view: View, nodeId?: string) => void }): D;
  /** Throws when the OS refuses a tray icon. */
  createTray(options: { service: AppService; run: (command: TrayCommand) => void; onClick: () => void }): { destroy(): void };
  /** Why no tray icon can be seen here, or null (desktop/tray-support.ts). */
  trayProblem(): Promise<string | null>;
  /** Shows a notification; `run` is what its click and button do. */
  createNotificationShower(run: (command: NotificationCommand) => void): (model: NotificationModel) => void;
  /** Whether notification buttons really work here (desktop/notification-actions.ts). */
  notificationActions: boolean;
  /** Connects the dashboard's IPC and events; returns what disconnects them. */
  connectIpc(service: AppService, dashboard: D): () => void;
  log(line: string): void;
}

export interface Shell {
  service: AppService;
  dashboard: ShellDashboard;
  /** Null when the desktop shows no tray (or refused one). */
  trayProblem: string | null;
}

/** Returns null when another instance is running (it was asked to show itself; this one quits). */
export async function runShell<D extends ShellDashboard>(deps: ShellDeps<D>): Promise<Shell | null> {
  const { app } = deps;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  // A second launch can arrive while this one is still starting: remember it and show the window once possible.
  let dashboard: ShellDashboard | null = null;
  let showWhenReady = false;
  const bringToFront = () => {
    if (dashboard) dashboard.show();
    else showWhenReady = true;
  };
  app.on('second-instance', bringToFront);
  app.on('activate', bringToFront);
  if (deps.platform === 'win32') app.setAppUserModelId(deps.appUserModelId);

  await app.whenReady();
  deps.onReady?.();
  const service = deps.createService();

  // Notifications: monitor events wait until the saved setting is known, so the first one obeys it.
  let notificationsOn: boolean | null = null;
  const early: MonitorEvent[] = [];
  let quitting = false;
  let trayProblem: string | null = null;
  const openDashboard = (view?: View, nodeId?: string) => dashboard?.show(view, nodeId);
  const context: CommandContext = {
    api: service.api,
    openDashboard,
    quit: () => app.quit(),
    report: (title, error) => showNotification({ title, body: (error as Error).message ?? String(error), click: { type: 'navigate', view: 'nodes' } }),
  };
  const showNotification = deps.createNotificationShower((command) => void runNotificationCommand(command, context));
  const notifier = createNotifier({ show: showNotification, actions: deps.notificationActions, enabled: () => notificationsOn === true });
  const stopNotifying = service.on('monitor-event', (event) => {
    if (notificationsOn === null) early.push(event);
    else notifier.handle(event);
  });
  const readNotificationSetting = async () => {
    try {
      notificationsOn = (await service.api.getSettings()).notifications;
    } catch (error) {
      deps.log(`could not read the notification setting: ${(error as Error).message}`);
      notificationsOn = false;
    }
  };
  await readNotificationSetting();
  for (const event of early.splice(0)) notifier.handle(event);
  const stopWatchingSettings = service.on('state', () => void readNotificationSetting());
  // The end of a USB stick write: verified (unplug it and boot), or what failed and what to do.
  const stopBurnNotices = service.on('burn-progress', (status) => {
    const notice = notificationsOn === true ? burnNotification(status, deps.platform) : null;
    if (notice) showNotification(notice);
  });

  const created = deps.createDashboard({
    isQuitting: () => quitting,
    // Without a tray, a hidden window could never be found again: closing it quits.
    closeHides: () => trayProblem === null,
    navigate: (view, nodeId) => service.navigate(view, nodeId),
  });
  dashboard = created;
  const disconnectIpc = deps.connectIpc(service, created);

  let tray: { destroy(): void } | null = null;
  trayProblem = await deps.trayProblem().catch(() => null);
  try {
    tray = deps.createTray({ service, run: (command) => void runTrayCommand(command, context), onClick: () => created.show() });
  } catch (error) {
    trayProblem = `The tray icon could not be created (${(error as Error).message}). g8boot keeps working in this window; closing it quits g8boot.`;
  }
  if (trayProblem !== null) {
    deps.log(trayProblem);
    service.setDesktopStatus({ trayProblem });
  }

  app.on('window-all-closed', () => {
    // Living in the tray: closing the last window does not quit, unless there is no tray to live in.
    if (trayProblem !== null) app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    notifier.dispose();
    for (const stop of [stopNotifying, stopWatchingSettings, stopBurnNotices, disconnectIpc]) stop();
    tray?.destroy();
    created.destroy();
    void service.dispose().finally(() => app.quit());
  });

  const firstRun = service.claimFirstWindow();
  const stayInTray = deps.startedAtLogin() && trayProblem === null && !showWhenReady;
  if (!stayInTray) created.show(firstRun ? 'setup' : undefined);
  return { service, dashboard: created, trayProblem };
}
