/**
 * The Electron shell: everything that needs Electron, and nothing else. The lifecycle (what a launch shows, the
 * tray, notifications, quitting) is plain Node in ../shell.ts; this file hands it Electron's modules.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { terminalSafeLines } from '../../common/terminal-text.ts';
import { g8bootDirs } from '../../core/paths.ts';
import { findToolchainDir } from '../../core/boot/toolchain/locate.ts';
import { serveAppRequest } from '../desktop/app-protocol.ts';
import { notificationActionsWork } from '../desktop/notification-actions.ts';
import { trayProblem } from '../desktop/tray-support.ts';
import { forwardEvents, registerIpcHandlers } from '../ipc/handlers.ts';
import { isTrustedSender } from '../ipc/sender.ts';
import { createAppService } from '../service/app-service.ts';
import { SETTINGS_FILE } from '../settings/app-settings.ts';
import { runShell } from '../shell.ts';
import { createLoginItem } from './login-item.ts';
import { createNotificationShower } from './notifications.ts';
import { openElectronStore } from './stores.ts';
import { createTrayIcon } from './tray.ts';
import { createDashboard, hardenWebContents } from './window.ts';

/** Must equal appId in electron-builder.yml: Windows ties notifications and the taskbar to it. */
const APP_USER_MODEL_ID = 'org.g8os.g8boot';
const here = dirname(fileURLToPath(import.meta.url));
// Log lines can carry text from the network (node names, API messages): escaped, since stdout may be a terminal.
const log = (line: string) => process.stdout.write(`g8boot: ${terminalSafeLines(line)}\n`);

// Before `ready`: app:// is a standard, secure origin (CSP 'self', fetch of its own files work).
protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

const env = process.env;
const dirs = g8bootDirs(env);
const loginItem = createLoginItem(app);
const platform = process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';

void runShell({
  app,
  platform: process.platform,
  appUserModelId: APP_USER_MODEL_ID,
  startedAtLogin: () => loginItem.startedHidden(),
  onReady() {
    app.dock?.hide();
    const defaults = session.defaultSession;
    defaults.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    defaults.setPermissionCheckHandler(() => false);
    const rendererDir = join(here, '..', 'renderer');
    protocol.handle('app', (request) => serveAppRequest(rendererDir, request.url));
  },
  createService: () =>
    createAppService({
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
      // The stick writer runs as its own (elevated) process: g8boot's CLI, with Electron's binary acting as Node.
      burnWriter: { execPath: process.execPath, script: join(here, '..', 'cli.mjs'), env: { ELECTRON_RUN_AS_NODE: '1' } },
      log,
    }),
  createDashboard: (options) => createDashboard({ ...options, preload: join(here, 'preload.cjs'), devTools: !app.isPackaged }),
  createTray: (options) => createTrayIcon({ ...options, iconsDir: join(here, 'icons') }),
  trayProblem: () => trayProblem({ platform: process.platform, env }),
  createNotificationShower,
  notificationActions: notificationActionsWork({
    platform: process.platform,
    packaged: app.isPackaged,
    macContentsDir: process.platform === 'darwin' ? dirname(process.resourcesPath) : undefined,
    env,
  }),
  connectIpc(service, dashboard) {
    const unregister = registerIpcHandlers({ ipcMain, api: service.api, isTrusted: (event) => isTrustedSender(event, dashboard.trustedIds()), log });
    const stopForwarding = forwardEvents(service, (channel, payload) => dashboard.send(channel, payload));
    return () => {
      stopForwarding();
      unregister();
    };
  },
  log,
}).catch((error: unknown) => {
  log(`could not start: ${(error as Error).stack ?? String(error)}`);
  for (const window of BrowserWindow.getAllWindows()) window.destroy();
  app.exit(1);
});
