/**
 * The tray app's lifecycle (main/app/shell.ts) with Electron's modules injected and the real app service (conf
 * stores in a temp home, the ZeroTier simulator): what a launch shows, at login, a second launch, a desktop without
 * a tray, the tray menu and notification clicks, and the notification setting read before the first notification.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { View } from '../../main/common/ipc.ts';
import type { MonitorEvent } from '../../main/common/nodes.ts';
import { NO_TRAY_ON_GNOME, trayProblem } from '../../main/app/desktop/tray-support.ts';
import { notificationActionsWork } from '../../main/app/desktop/notification-actions.ts';
import type { NotificationCommand, NotificationModel } from '../../main/app/notifications/notifier.ts';
import type { BurnStatusView } from '../../main/common/burn.ts';
import { createAppService, type AppService } from '../../main/app/service/app-service.ts';
import { runShell, type ShellDeps } from '../../main/app/shell.ts';
import type { TrayCommand } from '../../main/app/tray/tray-model.ts';
import { testAppDeps } from './deps.ts';
import { node } from './fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Electron's `app`, as far as the lifecycle uses it. */
class FakeApp extends EventEmitter {
  locked = true;
  quits = 0;
  userModelId: string | null = null;
  readonly ready: Promise<void>;
  #resolveReady!: () => void;
  constructor() {
    super();
    this.ready = new Promise((resolve) => (this.#resolveReady = resolve));
  }
  requestSingleInstanceLock() {
    return this.locked;
  }
  whenReady() {
    return this.ready;
  }
  becomeReady() {
    this.#resolveReady();
  }
  quit() {
    this.quits++;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    return prevented;
  }
  exit() {}
  setAppUserModelId(id: string) {
    this.userModelId = id;
  }
}

interface Harness {
  app: FakeApp;
  service: AppService;
  shows: { view?: View | undefined; nodeId?: string | undefined }[];
  closeHides: () => boolean;
  trayRun: (command: TrayCommand) => void;
  notifications: NotificationModel[];
  notificationRun: (command: NotificationCommand) => void;
  /** Sends a monitor event as the service would. */
  emitMonitorEvent: (event: MonitorEvent) => void;
  emitBurnStatus: (status: BurnStatusView) => void;
  started: Promise<unknown>;
}

async function harness(options: {
  atLogin?: boolean;
  /** Another instance holds the single-instance lock. */
  secondInstance?: boolean;
  trayProblem?: string | null;
  trayThrows?: boolean;
  platform?: NodeJS.Platform;
  notificationActions?: boolean;
  /** Hold getSettings until this resolves (the setting is read slowly). */
  settingsGate?: Promise<void>;
  prepare?: (service: AppService) => Promise<void>;
  home?: string;
} = {}): Promise<Harness> {
  const deps = await testAppDeps(options.home ? { home: options.home } : {});
  if (!options.home) cleanups.push(() => deps.cleanup());
  const app = new FakeApp();
  app.locked = !options.secondInstance;
  const shows: Harness['shows'] = [];
  const notifications: NotificationModel[] = [];
  const monitorListeners: ((event: MonitorEvent) => void)[] = [];
  const burnListeners: ((status: BurnStatusView) => void)[] = [];
  let closeHides: () => boolean = () => true;
  let trayRun: (command: TrayCommand) => void = () => undefined;
  let notificationRun: (command: NotificationCommand) => void = () => undefined;
  let service: AppService | undefined;
  const real = createAppService(deps);
  cleanups.push(() => real.dispose());
  await options.prepare?.(real);
  const wrapped: AppService = {
    ...real,
    on: ((event: string, listener: (payload: never) => void) => {
      if (event === 'monitor-event') monitorListeners.push(listener as (event: MonitorEvent) => void);
      if (event === 'burn-progress') burnListeners.push(listener as (status: BurnStatusView) => void);
      return real.on(event as 'state', listener as never);
    }) as AppService['on'],
    api: {
      ...real.api,
      async getSettings() {
        await options.settingsGate;
        return real.api.getSettings();
      },
    },
  };
  const shellDeps: ShellDeps = {
    app,
    platform: options.platform ?? 'linux',
    appUserModelId: 'org.g8os.g8boot',
    startedAtLogin: () => options.atLogin ?? false,
    createService: () => (service = wrapped),
    createDashboard(dashboardOptions) {
      closeHides = dashboardOptions.closeHides;
      return { show: (view, nodeId) => void shows.push({ view, nodeId }), destroy: () => undefined };
    },
    createTray({ run }) {
      if (options.trayThrows) throw new Error('org.kde.StatusNotifierWatcher is not available');
      trayRun = run;
      return { destroy: () => undefined };
    },
    trayProblem: async () => options.trayProblem ?? null,
    createNotificationShower(run) {
      notificationRun = run;
      return (model) => void notifications.push(model);
    },
    notificationActions: options.notificationActions ?? false,
    connectIpc: () => () => undefined,
    log: () => undefined,
  };
  const started = runShell(shellDeps);
  return {
    app,
    get service() {
      return service ?? wrapped;
    },
    shows,
    get closeHides() {
      return closeHides;
    },
    trayRun: (command) => trayRun(command),
    notifications,
    notificationRun: (command) => notificationRun(command),
    emitMonitorEvent: (event) => monitorListeners.forEach((listener) => listener(event)),
    emitBurnStatus: (status) => burnListeners.forEach((listener) => listener(status)),
    started,
  } as Harness;
}

const joined = (nodeId: string): MonitorEvent => ({ type: 'node-joined', at: Date.now(), node: node(nodeId, { authorized: false, probeState: 'pending' }) });

describe('launching is showing', () => {
  it('launched by hand: the dashboard opens (at setup on the first run), and again on the next launch', async () => {
    const h = await harness();
    h.app.becomeReady();
    await h.started;
    expect(h.shows).toEqual([{ view: 'setup', nodeId: undefined }]);
    // A second launch: the running instance comes to the front.
    h.app.emit('second-instance');
    expect(h.shows).toHaveLength(2);
    expect(h.shows[1]?.view).toBeUndefined();
  });

  it('after the first run, every launch by hand still opens the dashboard', async () => {
    const home = await mkdtemp(join(tmpdir(), 'g8boot-shell-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const first = await harness({ home });
    first.app.becomeReady();
    await first.started;
    expect(first.shows).toEqual([{ view: 'setup', nodeId: undefined }]);
    await first.service.dispose();
    const again = await harness({ home });
    again.app.becomeReady();
    await again.started;
    expect(again.shows).toEqual([{ view: undefined, nodeId: undefined }]);
  });

  it('started at login: stays in the tray', async () => {
    const h = await harness({ atLogin: true });
    h.app.becomeReady();
    await h.started;
    expect(h.shows).toEqual([]);
    h.app.emit('second-instance');
    expect(h.shows).toHaveLength(1);
  });

  it('a second launch while the first is still starting shows the window once it can', async () => {
    const h = await harness({ atLogin: true });
    h.app.emit('second-instance');
    expect(h.shows).toEqual([]);
    h.app.becomeReady();
    await h.started;
    expect(h.shows).toHaveLength(1);
  });

  it('the second instance itself quits at once and starts nothing', async () => {
    const h = await harness({ secondInstance: true });
    h.app.becomeReady();
    expect(await h.started).toBeNull();
    expect(h.app.quits).toBe(1);
    expect(h.shows).toEqual([]);
  });

  it('Windows: the AppUserModelID is set before anything can notify', async () => {
    const h = await harness({ platform: 'win32' });
    h.app.becomeReady();
    await h.started;
    expect(h.app.userModelId).toBe('org.g8os.g8boot');
  });
});

describe('a desktop without a tray', () => {
  it('says so in the dashboard, opens it even at login, and closing it quits', async () => {
    const h = await harness({ atLogin: true, trayProblem: NO_TRAY_ON_GNOME });
    h.app.becomeReady();
    await h.started;
    expect(h.shows).toHaveLength(1);
    const state = await h.service.api.getState();
    expect(state.desktop?.trayProblem).toBe(NO_TRAY_ON_GNOME);
    expect(h.closeHides()).toBe(false);
    h.app.emit('window-all-closed');
    expect(h.app.quits).toBe(1);
  });

  it('a tray the OS refuses is reported the same way', async () => {
    const h = await harness({ trayThrows: true });
    h.app.becomeReady();
    await h.started;
    expect((await h.service.api.getState()).desktop?.trayProblem).toMatch(/^The tray icon could not be created \(org\.kde\.StatusNotifierWatcher is not available\)\. g8boot keeps working in this window/);
  });

  it('with a tray, closing the window keeps the app in the tray', async () => {
    const h = await harness();
    h.app.becomeReady();
    await h.started;
    expect(h.closeHides()).toBe(true);
    h.app.emit('window-all-closed');
    expect(h.app.quits).toBe(0);
    expect((await h.service.api.getState()).desktop).toBeUndefined();
  });

  it('finds GNOME without a StatusNotifierWatcher, and trusts any answer it cannot get', async () => {
    const noWatcher = async (command: string) => ({ ok: command === 'gdbus', stdout: '(false,)\n' });
    expect(await trayProblem({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME', DISPLAY: ':0' }, run: noWatcher })).toBe(NO_TRAY_ON_GNOME);
    expect(await trayProblem({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'KDE', DISPLAY: ':0' }, run: async () => ({ ok: true, stdout: '(true,)\n' }) })).toBeNull();
    expect(await trayProblem({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'GNOME' }, run: async () => ({ ok: false, stdout: '' }) })).toBeNull();
    const dbusSendOnly = async (command: string) => ({ ok: command === 'dbus-send', stdout: '   boolean false\n' });
    expect(await trayProblem({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'GNOME' }, run: dbusSendOnly })).toBe(NO_TRAY_ON_GNOME);
    expect(await trayProblem({ platform: 'darwin', env: {} })).toBeNull();
  });
});

describe('the tray menu and notifications', () => {
  it('the tray menu opens the dashboard where asked; a notification click opens the node', async () => {
    const h = await harness({ atLogin: true });
    h.app.becomeReady();
    await h.started;
    h.trayRun({ type: 'open-dashboard', view: 'boot' });
    h.notificationRun({ type: 'navigate', view: 'nodes', nodeId: 'aaaaaaaaaa' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(h.shows).toEqual([
      { view: 'boot', nodeId: undefined },
      { view: 'nodes', nodeId: 'aaaaaaaaaa' },
    ]);
  });

  it('a USB stick written and verified raises a notification (progress alone does not)', async () => {
    const h = await harness();
    h.app.becomeReady();
    await h.started;
    const status: BurnStatusView = {
      device: '/dev/sdb',
      description: 'SanDisk Ultra',
      sizeBytes: 32015679488,
      state: 'running',
      progress: { step: 'write', done: 1, total: 2, bytesPerSecond: 1, etaSeconds: 1 },
      result: null,
      error: null,
    };
    h.emitBurnStatus(status);
    expect(h.notifications).toEqual([]);
    h.emitBurnStatus({
      ...status,
      state: 'verified',
      result: { device: '/dev/sdb', description: 'SanDisk Ultra', bytes: 2, sha256: 'a'.repeat(64), writeSeconds: 1, verifySeconds: 1, ejected: true, ejectProblem: null, notes: [] },
    });
    expect(h.notifications).toMatchObject([{ title: 'USB stick written and verified', body: 'SanDisk Ultra, 32.0 GB (/dev/sdb). It is ejected: unplug it and boot a machine from it.', click: { type: 'navigate', view: 'boot' } }]);
  });

  it('reads the saved notification setting before the first notification: off means none, even for early events', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const h = await harness({ settingsGate: gate, prepare: (s) => s.api.updateSettings({ notifications: false }).then(() => undefined) });
    h.app.becomeReady();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A node joins while the setting is still being read.
    h.emitMonitorEvent(joined('aaaaaaaaaa'));
    open();
    await h.started;
    await new Promise((resolve) => setTimeout(resolve, 3300));
    expect(h.notifications).toEqual([]);
  });

  it('on: an event that arrived before the setting was read is shown once it is, without actions on Linux', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const h = await harness({ settingsGate: gate });
    h.app.becomeReady();
    await new Promise((resolve) => setTimeout(resolve, 20));
    h.emitMonitorEvent(joined('bbbbbbbbbb'));
    expect(h.notifications).toEqual([]);
    open();
    await h.started;
    await new Promise((resolve) => setTimeout(resolve, 3300));
    expect(h.notifications).toHaveLength(1);
    expect(h.notifications[0]).toMatchObject({ title: 'New node bbbbbbbbbb wants to join', click: { type: 'navigate', view: 'nodes', nodeId: 'bbbbbbbbbb' } });
    expect(h.notifications[0]?.action).toBeUndefined();
  });

  it('actions only where they really work', () => {
    const files = (present: string[]) => ({ exists: (path: string) => present.includes(path), readText: () => '<key>NSUserNotificationAlertStyle</key>\n<string>alert</string>' });
    const mac = { platform: 'darwin' as const, packaged: true, macContentsDir: '/Applications/g8boot.app/Contents' };
    expect(notificationActionsWork({ ...mac, ...files(['/Applications/g8boot.app/Contents/_CodeSignature/CodeResources']) })).toBe(true);
    expect(notificationActionsWork({ ...mac, ...files([]) })).toBe(false);
    expect(notificationActionsWork({ ...mac, ...files(['/Applications/g8boot.app/Contents/_CodeSignature/CodeResources']), readText: () => '' })).toBe(false);
    expect(notificationActionsWork({ ...mac, packaged: false, ...files(['/Applications/g8boot.app/Contents/_CodeSignature/CodeResources']) })).toBe(false);
    const lnk = 'C:\\Users\\a\\AppData\\Roaming/Microsoft/Windows/Start Menu/Programs/g8boot.lnk';
    expect(notificationActionsWork({ platform: 'win32', packaged: true, env: { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, exists: (p) => p === lnk })).toBe(true);
    expect(notificationActionsWork({ platform: 'win32', packaged: true, env: { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, exists: () => false })).toBe(false);
    expect(notificationActionsWork({ platform: 'linux', packaged: true })).toBe(false);
  });
});
