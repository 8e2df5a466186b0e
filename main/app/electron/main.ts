/**
 * The Electron shell: everything that needs Electron, and nothing else. The app's logic is plain Node
 * (main/app/service, tray, notifications, ipc) and gets Electron's modules injected here.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { g8bootDirs } from '../../core/paths.ts';
import { findToolchainDir } from '../../core/boot/toolchain/locate.ts';
import { serveAppRequest } from '../desktop/app-protocol.ts';
import { forwardEvents, registerIpcHandlers } from '../ipc/handlers.ts';
import { isTrustedSender } from '../ipc/sender.ts';
import { createNotifier } from '../notifications/notifier.ts';
import { createAppService } from '../service/app-service.ts';
import { SETTINGS_FILE } from '../settings/app-settings.ts';
import { runNotificationCommand, runTrayCommand, type CommandContext } from '../tray/tray-commands.ts';
import { createLoginItem } from './login-item.ts';
import { createNotificationShower } from './notifications.ts';
import { openElectronStore } from './stores.ts';
import { createTrayIcon } from './tray.ts';
import { createDashboard, hardenWebContents } from './window.ts';

/** Must equal appId in electron-builder.yml: Windows ties notifications and the taskbar to it. */
const APP_USER_MODEL_ID = 'org.g8os.g8boot';
const here = dirname(fileURLToPath(import.meta.url));
const log = (line: string) => process.stdout.write(`g8boot: ${line}\n`);

// Before `ready`: app:// is a standard, secure origin (CSP 'self', fetch of its own files work).
protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start().catch((error: unknown) => {
    log(`could not start: ${(error as Error).stack ?? String(error)}`);
    app.exit(1);
  });
}

async function start(): Promise<void> {
  app.setAppUserModelId(APP_USER_MODEL_ID);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  // Living in the tray: closing the last window does not quit.
  app.on('window-all-closed', () => {});
  await app.whenReady();
  app.dock?.hide();

  const defaults = session.defaultSession;
  defaults.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  defaults.setPermissionCheckHandler(() => false);
  const rendererDir = join(here, '..', 'renderer');
  protocol.handle('app', (request) => serveAppRequest(rendererDir, request.url));

  const env = process.env;
  const dirs = g8bootDirs(env);
  const loginItem = createLoginItem(app);
  const platform = process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';
  const service = createAppService({
    settings: openElectronStore({ name: SETTINGS_FILE, cwd: dirs.config, log }),
    inventory: openElectronStore({ name: 'nodes', cwd: dirs.data, log }),
    secrets: safeStorage,
    dialogs: {
      async saveFile({ defaultName, filters }) {
        const result = await dialog.showSaveDialog({ defaultPath: join(app.getPath('downloads'), defaultName), filters });
        return result.canceled || !result.filePath ? null : result.filePath;
      },
    },
    clipboard,
    openExternal: (url) => shell.openExternal(url),
    loginItem,
    platform,
    env,
    // Packaged: the toolchain ships as extraResources; in a checkout the core finds resources/toolchain itself.
    toolchainDir: app.isPackaged ? findToolchainDir({ resourcesPath: process.resourcesPath }) : undefined,
    log,
  });

  let quitting = false;
  const dashboard = createDashboard({
    preload: join(here, 'preload.cjs'),
    devTools: !app.isPackaged,
    isQuitting: () => quitting,
    navigate: (view, nodeId) => service.navigate(view, nodeId),
  });
  const unregister = registerIpcHandlers({ ipcMain, api: service.api, isTrusted: (event) => isTrustedSender(event, dashboard.trustedIds()), log });
  const stopForwarding = forwardEvents(service, (channel, payload) => dashboard.send(channel, payload));

  const showNotification = createNotificationShower((command) => void runNotificationCommand(command, context));
  const context: CommandContext = {
    api: service.api,
    openDashboard: (view, nodeId) => dashboard.show(view, nodeId),
    quit: () => app.quit(),
    report: (title, error) => showNotification({ title, body: (error as Error).message ?? String(error), click: { type: 'navigate', view: 'nodes' } }),
  };
  let notificationsOn = true;
  const notifier = createNotifier({ show: showNotification, platform: process.platform, enabled: () => notificationsOn });
  const stopNotifying = service.on('monitor-event', (event) => notifier.handle(event));
  const stopWatchingSettings = service.on('state', () => void service.api.getSettings().then((s) => (notificationsOn = s.notifications)));
  const tray = createTrayIcon({
    service,
    iconsDir: join(here, 'icons'),
    run: (command) => void runTrayCommand(command, context),
    onClick: () => dashboard.show(),
  });

  app.on('second-instance', () => dashboard.show());
  app.on('activate', () => dashboard.show());
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    notifier.dispose();
    for (const stop of [stopNotifying, stopWatchingSettings, stopForwarding, unregister]) stop();
    tray.destroy();
    for (const window of BrowserWindow.getAllWindows()) window.destroy();
    void service.dispose().finally(() => app.quit());
  });

  await service.ready;
  if (service.claimFirstWindow() && !loginItem.startedHidden()) dashboard.show('setup');
}
