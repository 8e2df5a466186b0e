/**
 * The dashboard window: created on demand, hidden (not closed) when the person closes it, so the app lives on in
 * the tray. Locked down per Electron's security checklist: context isolation, sandbox, no Node, web security on,
 * no webviews, the app's own pages only.
 */
import { BrowserWindow, type WebContents } from 'electron';
import type { View } from '../../common/ipc.ts';
import { APP_START_URL, isAppUrl } from '../desktop/app-protocol.ts';

export interface Dashboard {
  show(view?: View, nodeId?: string): void;
  /** Push to the page; dropped while there is no window. */
  send(channel: string, payload: unknown): void;
  /** The webContents ids allowed to call main. */
  trustedIds(): ReadonlySet<number>;
  /** Close for real (quitting). */
  destroy(): void;
}

/** Every webContents the app creates: no navigation away, no new windows, no webviews. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  // Links go through window.g8boot.openExternal (https allowlist), never a new window.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function createDashboard(options: {
  preload: string;
  devTools: boolean;
  isQuitting: () => boolean;
  /** False when there is no tray to come back from: closing then really closes (and the app quits). */
  closeHides?: (() => boolean) | undefined;
  navigate: (view: View, nodeId?: string) => void;
}): Dashboard {
  let window: BrowserWindow | null = null;
  let loaded = false;
  let pendingView: { view: View; nodeId?: string | undefined } | null = null;
  const trusted = new Set<number>();

  const create = () => {
    const win = new BrowserWindow({
      width: 1180,
      height: 760,
      minWidth: 760,
      minHeight: 480,
      show: false,
      title: 'g8boot',
      autoHideMenuBar: true,
      webPreferences: {
        preload: options.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
        devTools: options.devTools,
      },
    });
    const id = win.webContents.id;
    trusted.add(id);
    loaded = false;
    win.on('close', (event) => {
      // Closing hides to the tray; only quitting (or having no tray) closes.
      if (options.isQuitting() || options.closeHides?.() === false) return;
      event.preventDefault();
      win.hide();
    });
    win.on('closed', () => {
      trusted.delete(id);
      window = null;
    });
    win.webContents.on('did-finish-load', () => {
      loaded = true;
      if (pendingView) options.navigate(pendingView.view, pendingView.nodeId);
      pendingView = null;
    });
    win.once('ready-to-show', () => win.show());
    void win.loadURL(APP_START_URL);
    return win;
  };

  return {
    show(view, nodeId) {
      const existed = window !== null;
      window ??= create();
      if (existed) {
        if (window.isMinimized()) window.restore();
        window.show();
        window.focus();
      }
      if (!view) return;
      if (loaded) options.navigate(view, nodeId);
      else pendingView = { view, nodeId };
    },
    send(channel, payload) {
      if (window && !window.isDestroyed() && loaded) window.webContents.send(channel, payload);
    },
    trustedIds: () => trusted,
    destroy() {
      window?.destroy();
      window = null;
    },
  };
}
