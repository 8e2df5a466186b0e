/**
 * The tray app's main-process core: `createAppService(deps)` implements the whole IPC contract (`G8bootApi`) and
 * its events (`G8bootEvents`) in plain Node, over g8boot's core. The Electron shell (main/app/electron) only
 * injects the platform and forwards calls; tests build the same thing without Electron.
 *
 * For a test harness (e.g. the renderer's Chromium tests) — a working G8bootApi in Node:
 *
 *   const home = await mkdtemp(join(tmpdir(), 'g8boot-'));           // everything g8boot writes goes here
 *   const service = createAppService(testAppDeps({ home }));          // test/app/deps.ts: conf stores, fake safeStorage…
 *   await service.ready;                                              // saved controller restored (none in a new home)
 *   await service.api.connect({ kind: 'demo' });                      // the simulator in-process, offline
 *   service.on('nodes', (nodes) => …);                                // every G8bootEvents entry can be subscribed
 *   page.exposeBinding('g8bootCall', (_src, method, args) => callForIpc(service.api, method, args)); // IpcResult
 *   await service.dispose();
 *
 * `callForIpc` (main/app/ipc/handlers.ts) runs one method with the same argument checks as the real IPC handlers
 * and returns an IpcResult, so a preload-shaped bridge in the page can reject with the serialized error as the
 * preload does.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { G8bootError, InvalidInputError, serializeError } from '../../common/errors.ts';
import type {
  AppState,
  ControllerSetup,
  G8bootApi,
  G8bootEvent,
  G8bootEvents,
  NetworkView,
  RedisCredentialsUpdate,
  RedisCredentialsView,
  ThisMachine,
  View,
} from '../../common/ipc.ts';
import { needsAuthorization, type NodeRecord } from '../../common/nodes.ts';
import { parseFingerprint, parseNetworkId, parseNodeId, quote } from '../../common/validate.ts';
import { isKnownOffNetwork } from '../../common/this-computer.ts';
import { createMonitor, exportNodes, readPasswordFile, type KeyValueStore, type NodeMonitor, type RedisCredentials } from '../../core/nodes/index.ts';
import { g8bootDirs } from '../../core/paths.ts';
import { defaultHost, type Host } from '../../core/vm/index.ts';
import { readThisComputer, startJoin, waitOrUndoJoin, withLocalService, type Network } from '../../core/zerotier/index.ts';
import { VERSION } from '../../core/version.ts';
import { checkExternalUrl } from '../desktop/external-links.ts';
import { openAppSettings } from '../settings/app-settings.ts';
import { createBootServiceControl } from './boot-service-control.ts';
import { openControllerSession, storedSetup, type ControllerSession } from './controller-session.ts';
import { createEventHub, type Listener } from './event-hub.ts';
import { buildImage, type SaveFileOptions } from './image-builder.ts';
import type { StoredRedisCredentials } from '../settings/schema.ts';
import { createBurnControl } from './burn-control.ts';
import type { WriterProgram } from '../../core/burn/elevate.ts';
import type { DriveHost } from '../../core/burn/drives.ts';
import { openRedisPassword, openToken, sealRedisPassword, sealToken, secretStorage, type SecretCipher } from './secrets.ts';
import { createVmControl } from './vm-control.ts';

export interface AppDeps {
  /** The settings file (electron-store in the app; conf in tests): see main/app/settings. */
  settings: KeyValueStore;
  /** The node monitor's inventory (the same `nodes` store the CLI uses). */
  inventory: KeyValueStore;
  /** Electron's `safeStorage`, or a stand-in. */
  secrets: SecretCipher;
  dialogs: { saveFile(options: SaveFileOptions): Promise<string | null> };
  clipboard: { writeText(text: string): void };
  /** Called only with URLs that passed the allowlist (desktop/external-links.ts). */
  openExternal(url: string): Promise<void>;
  /** Start at login: app.setLoginItemSettings on macOS/Windows, an XDG autostart file on Linux. */
  loginItem: { set(enabled: boolean): Promise<void> };
  platform: AppState['platform'];
  /** G8BOOT_HOME, ZEROTIER_HOME… as the core reads them. */
  env: NodeJS.ProcessEnv;
  /** findToolchainDir({ resourcesPath }) in a packaged app; undefined: the core's own lookup. */
  toolchainDir?: string | undefined;
  /** Where VMs run; default the core's defaultHost({ env }). */
  vmHost?: Host | undefined;
  now?: (() => number) | undefined;
  log?: ((line: string) => void) | undefined;
  /** How the elevated stick writer is started (the CLI bundle; Electron runs it as Node). Default: this Node and dist/cli.mjs. */
  burnWriter?: WriterProgram | undefined;
  /** Where drives are listed and written; default this machine. */
  driveHost?: DriveHost | undefined;
}

export interface AppService {
  api: G8bootApi;
  on<E extends G8bootEvent>(event: E, listener: Listener<E>): () => void;
  /** Ask the dashboard to show a view (tray menu, notification clicks). */
  navigate(view: View, nodeId?: string): void;
  /** True once, on g8boot's first run (the dashboard then opens at the setup view). */
  claimFirstWindow(): boolean;
  /** What the shell found out about the desktop (no tray icon visible...): part of the state the dashboard shows. */
  setDesktopStatus(status: { trayProblem: string | null }): void;
  /** Resolves once the saved controller is reconnected (or found unusable, which is logged). */
  ready: Promise<void>;
  dispose(): Promise<void>;
}

/** How often "this machine" is read again while connected (a local call). */
const THIS_MACHINE_REFRESH_MS = 15_000;
const MAX_NAME = 64;
const MAX_COPY = 16 * 1024;

/** The node list goes to the renderer at most this often while a sweep streams its results in. */
const NODES_PUSH_EVERY_MS = 100;

export function createAppService(deps: AppDeps): AppService {
  const log = deps.log ?? (() => {});
  const settings = openAppSettings(deps.settings, log);
  const hub = createEventHub(log);
  const host = deps.vmHost ?? defaultHost({ env: deps.env });
  let session: ControllerSession | null = null;
  let monitor: NodeMonitor | null = null;
  let unsubscribeMonitor = () => {};
  let thisMachine: ThisMachine | null = null;
  let refreshTimer: NodeJS.Timeout | undefined;
  let disposed = false;

  // Many monitor events arrive together (a sweep of 1,000 nodes): the node list and the state go out once. A
  // sweep's results stream in as its probes end, so the list goes out at most every NODES_PUSH_EVERY_MS too:
  // the first answers at once, then batches, instead of 1,000 nodes sent again for every node.
  const pending = new Set<'nodes' | 'state'>();
  let flushScheduled = false;
  let lastNodesPush = 0;
  let nodesTimer: NodeJS.Timeout | undefined;
  const pushNodes = () => {
    nodesTimer = undefined;
    if (disposed || !pending.delete('nodes')) return;
    lastNodesPush = performance.now();
    hub.emit('nodes', monitor?.nodes() ?? []);
  };
  /** `complete`: the list is whole again (a sweep ended): it goes out now rather than with the next batch. */
  const schedule = (what: 'nodes' | 'state', complete = false) => {
    pending.add(what);
    if (complete) {
      clearTimeout(nodesTimer);
      nodesTimer = undefined;
      lastNodesPush = 0;
    }
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      if (disposed) return;
      if (pending.has('nodes') && nodesTimer === undefined) {
        const wait = lastNodesPush + NODES_PUSH_EVERY_MS - performance.now();
        if (wait <= 0) pushNodes();
        else nodesTimer = setTimeout(pushNodes, wait);
      }
      if (pending.delete('state')) hub.emit('state', state());
    });
  };

  const boot = createBootServiceControl({
    env: deps.env,
    toolchainDir: deps.toolchainDir,
    onBoot: (event) => hub.emit('boot-event', event),
    onChange: () => schedule('state'),
    listenSetting: () => settings.get().bootServiceListen,
    hostFacts: () => ({ interfaces: host.networkInterfaces(), platform: host.platform }),
  });
  /** Images this app wrote (Build boot image): the only files `startVm` boots. */
  const builtImages = new Set<string>();
  const burner = createBurnControl({
    env: deps.env,
    toolchainDir: deps.toolchainDir,
    writer: deps.burnWriter ?? { execPath: process.execPath, script: defaultWriterScript() },
    host: deps.driveHost,
    onChange: (status) => {
      hub.emit('burn-progress', status);
      schedule('state');
    },
  });
  const vms = createVmControl({ host, toolchainDir: deps.toolchainDir, onConsole: (name, text) => hub.emit('vm-console', { name, text }) });

  let desktop: { trayProblem: string | null } | null = null;
  const state = (): AppState => {
    const controller = settings.controller();
    return {
      version: VERSION,
      platform: deps.platform,
      firstRun: controller === null,
      controller: session ? { kind: session.kind, endpoint: session.controller.endpoint } : null,
      networkId: settings.networkId(),
      secretStorage: secretStorage(deps.secrets, deps.platform),
      thisMachine,
      monitor: monitor?.status() ?? null,
      bootService: boot.view(),
      redisCredentials: credentialsView(settings.networkId()),
      ...(desktop ? { desktop } : {}),
      burn: burner.status(),
    };
  };

  /** What the renderer may know of a network's Redis credentials: whether a password is set, never which. */
  const credentialsView = (networkId: string | null): RedisCredentialsView | null => {
    if (!networkId) return null;
    const stored = settings.redisCredentials(networkId);
    return {
      networkId,
      password: stored?.passwordCiphertext !== undefined ? 'stored' : stored?.passwordFile !== undefined ? 'file' : 'none',
      passwordFile: stored?.passwordFile ?? null,
      allowPlaintext: stored?.allowPlaintext ?? false,
    };
  };

  /** Decrypted (or read from the JWT file) just before a sweep, for that sweep only. */
  const credentialsFor = async (networkId: string): Promise<RedisCredentials> => {
    const stored = settings.redisCredentials(networkId);
    if (!stored) return {};
    const password =
      stored.passwordCiphertext !== undefined
        ? openRedisPassword(deps.secrets, stored.passwordCiphertext)
        : stored.passwordFile !== undefined
          ? await readPasswordFile(stored.passwordFile)
          : undefined;
    return { password, allowPlaintextPassword: stored.allowPlaintext };
  };

  const requireSession = (): ControllerSession => {
    if (session) return session;
    throw new G8bootError('E_NOT_CONNECTED', 'g8boot is not connected to a ZeroTier controller.', {
      hint: 'Connect to ZeroTier Central, the controller on this machine, or the demo network first.',
    });
  };
  const requireMonitor = (): NodeMonitor => {
    if (monitor) return monitor;
    requireSession();
    throw new G8bootError('E_NO_NETWORK', 'No network is selected.', { hint: 'Choose the network to watch first.' });
  };

  const refreshThisMachine = async () => {
    if (!session) return;
    const next = await readThisComputer(session.localService, settings.networkId());
    if (JSON.stringify(next) !== JSON.stringify(thisMachine)) {
      thisMachine = next;
      schedule('state');
    }
  };

  /** Monitors being stopped (a sweep may be under way); dispose waits for them. */
  const stopping = new Set<Promise<void>>();
  const stopMonitor = (): Promise<void> => {
    unsubscribeMonitor();
    const current = monitor;
    monitor = null;
    if (!current) return Promise.resolve();
    const done = current.stop().catch((error: unknown) => log(`stopping the monitor: ${(error as Error).message}`));
    stopping.add(done);
    void done.finally(() => stopping.delete(done));
    return done;
  };

  const startMonitor = () => {
    void stopMonitor();
    const networkId = settings.networkId();
    if (!session || !networkId) return;
    const current = settings.get();
    const started = createMonitor({
      controller: session.controller,
      networkId,
      store: deps.inventory,
      policy: current.policy,
      verifyWithinMs: current.verifyWithinMin * 60_000,
      intervalMs: current.pollIntervalSec * 1000,
      redisPort: current.redisPort,
      credentials: () => credentialsFor(networkId),
      now: deps.now,
      log,
      // The VMs g8boot starts (hints, fast polling), in the same home as everything else.
      vmStarts: { dirs: g8bootDirs(deps.env) },
      // Marked "this computer" among the members and never probed as a G8OS node.
      thisComputer: () => thisMachine?.address ?? null,
      // Off the network, nothing reaches the nodes: their last known states stay (marked not re-checked).
      offNetwork: () => isKnownOffNetwork(thisMachine, networkId),
    });
    unsubscribeMonitor = started.on((event) => {
      hub.emit('monitor-event', event);
      schedule('nodes', event.type === 'sweep');
      if (event.type === 'sweep' || event.type === 'monitor-stale' || event.type === 'monitor-recovered') schedule('state');
    });
    monitor = started;
    started.start();
  };

  const adopt = async (next: ControllerSession | null) => {
    const stopped = stopMonitor();
    const previous = session;
    session = next;
    thisMachine = null;
    clearInterval(refreshTimer);
    // Its monitor may be half-way through a sweep on the previous controller: let it finish first.
    await stopped;
    await previous?.close().catch((error: unknown) => log(`closing the previous controller failed: ${(error as Error).message}`));
    if (next) {
      startMonitor();
      refreshTimer = setInterval(() => void refreshThisMachine(), THIS_MACHINE_REFRESH_MS);
      refreshTimer.unref();
      await refreshThisMachine();
    }
    schedule('state');
    schedule('nodes');
  };

  const sessionContext = () => ({ env: deps.env, redisPort: settings.get().redisPort });

  const restore = async () => {
    const saved = settings.controller();
    if (saved) {
      try {
        const setup: ControllerSetup =
          saved.kind === 'central' ? { kind: 'central', url: saved.url, token: openToken(deps.secrets, saved.tokenCiphertext) } : saved;
        await adopt(await openControllerSession(setup, sessionContext()));
      } catch (error) {
        // The app still starts; the dashboard offers to connect again. The message never holds the token.
        log(`reconnecting to the saved ${saved.kind} controller failed: ${serializeError(error).message}`);
      }
    }
    if (settings.get().bootServiceAutoStart) {
      await boot.set(true, settings.get().bootServiceListen).catch((error: unknown) => log(`boot service: ${(error as Error).message}`));
    }
  };
  const ready = restore();

  /** What "Authorize all waiting" authorizes: the set the CLI's `authorize --all-waiting` and the tray count. */
  const waiting = (): NodeRecord[] => (monitor?.nodes() ?? []).filter((n) => needsAuthorization(n, deps.now?.() ?? Date.now()));
  const findNode = (nodeId: string): NodeRecord => {
    const node = requireMonitor().nodes().find((n) => n.nodeId === nodeId);
    if (!node) throw new InvalidInputError('E_NO_SUCH_NODE', `Node ${nodeId} is not on network ${settings.networkId()}.`, { hint: 'Refresh the node list.' });
    return node;
  };

  const api: G8bootApi = {
    async getState() {
      return state();
    },

    async testController(setup) {
      const trial = await openControllerSession(setup, sessionContext());
      try {
        return (await trial.controller.listNetworks()).map(networkView);
      } finally {
        await trial.close();
      }
    },

    async connect(setup) {
      // The demo is already running (a second one would find its nodes' addresses taken).
      if (setup.kind === 'demo' && session?.kind === 'demo') return state();
      // Refuse before connecting when the token could not be stored.
      const ciphertext = setup.kind === 'central' ? sealToken(deps.secrets, deps.platform, setup.token) : null;
      const next = await openControllerSession(setup, sessionContext());
      let networks: Network[];
      try {
        networks = await next.controller.listNetworks();
      } catch (error) {
        await next.close();
        throw error;
      }
      const remembered = settings.networkId();
      const networkId =
        next.defaultNetworkId ?? (networks.some((n) => n.id === remembered) ? remembered : networks.length === 1 ? networks[0]!.id : null);
      settings.setController(storedSetup(setup, ciphertext));
      settings.setNetworkId(networkId);
      await adopt(next);
      return state();
    },

    async disconnect() {
      settings.setController(null);
      settings.setNetworkId(null);
      await adopt(null);
      return state();
    },

    async listNetworks() {
      return (await requireSession().controller.listNetworks()).map(networkView);
    },

    async selectNetwork(networkId) {
      const id = parseNetworkId(String(networkId));
      await requireSession().controller.getNetwork(id);
      settings.setNetworkId(id);
      startMonitor();
      await refreshThisMachine();
      schedule('nodes');
      return state();
    },

    async joinThisMachine() {
      const current = requireSession();
      const networkId = settings.networkId();
      if (!networkId) throw new G8bootError('E_NO_NETWORK', 'No network is selected.', { hint: 'Choose the network to watch first.' });
      const { startedJoin } = await withLocalService(current.localService, (local) => startJoin(local, networkId));
      await refreshThisMachine();
      // Progress arrives as `state` events while the controller authorizes this machine and assigns its address.
      // A network that can never work is left again when this join was the app's (waitOrUndoJoin).
      void withLocalService(current.localService, (local) =>
        waitOrUndoJoin(local, networkId, startedJoin, { timeoutMs: 5 * 60_000, intervalMs: 1000, onProgress: () => void refreshThisMachine() }),
      )
        .then(refreshThisMachine, (error: unknown) => {
          log(`joining ${networkId}: ${(error as Error).message}`);
          return refreshThisMachine();
        })
        .catch(() => undefined);
      return thisMachine!;
    },

    async listNodes() {
      return monitor?.nodes() ?? [];
    },

    async refreshNodes(options) {
      const current = requireMonitor();
      await current.sweepNow({ deep: options?.deep === true });
      return current.nodes();
    },

    async authorizeNode(nodeId, authorized) {
      const id = parseNodeId(String(nodeId));
      if (typeof authorized !== 'boolean') throw new InvalidInputError('E_USAGE', 'authorized must be true or false.');
      await requireMonitor().authorize(id, authorized);
      schedule('nodes');
      return findNode(id);
    },

    async authorizeAllWaiting() {
      const current = requireMonitor();
      const nodes = waiting();
      // One after the other: the controller's rate limiter paces them, and a failure stops with what was done.
      for (const node of nodes) await current.authorize(node.nodeId, true);
      schedule('nodes');
      return nodes.length;
    },

    async renameNode(nodeId, name) {
      const id = parseNodeId(String(nodeId));
      if (typeof name !== 'string' || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
        throw new InvalidInputError('E_INVALID_NAME', `Invalid node name ${quote(String(name))}.`, { hint: `Up to ${MAX_NAME} characters, no control characters.` });
      }
      await requireMonitor().rename(id, name.trim());
      schedule('nodes');
      return findNode(id);
    },

    async exportNodes(nodeIds, format) {
      if (format !== 'json' && format !== 'csv' && format !== 'blueprint') {
        throw new InvalidInputError('E_USAGE', `Unknown export format ${quote(String(format))}.`, { hint: 'Use json, csv or blueprint.' });
      }
      const wanted = new Set<string>(nodeIds.map((id) => parseNodeId(String(id))));
      const nodes = requireMonitor().nodes().filter((n) => wanted.size === 0 || wanted.has(n.nodeId));
      const extension = format === 'blueprint' ? 'yaml' : format;
      const path = await deps.dialogs.saveFile({
        defaultName: `g8boot-nodes-${settings.networkId()}.${extension}`,
        filters: [{ name: format.toUpperCase(), extensions: [extension] }],
      });
      if (path === null) return null;
      await writeFile(path, exportNodes(nodes, format), { mode: 0o644 });
      return { path };
    },

    async trustCertificate(nodeId, sha256) {
      const id = parseNodeId(String(nodeId));
      const current = requireMonitor();
      await current.trustCertificate(id, parseFingerprint(String(sha256)));
      // Check it against the newly trusted certificate now, rather than at the next poll.
      void current.sweepNow().catch(() => undefined);
      schedule('nodes');
      return findNode(id);
    },

    async setRedisCredentials(update) {
      const networkId = settings.networkId();
      if (!networkId) throw new G8bootError('E_NO_NETWORK', 'No network is selected.', { hint: 'Choose the network to watch first.' });
      const next = await nextCredentials(settings.redisCredentials(networkId), update);
      const empty = next.passwordCiphertext === undefined && next.passwordFile === undefined && !next.allowPlaintext;
      settings.setRedisCredentials(networkId, empty ? null : next);
      // Probe with the new credentials now, rather than at the next poll.
      void monitor?.sweepNow().catch(() => undefined);
      schedule('state');
      return credentialsView(networkId)!;
    },

    async bootLinks(netid) {
      return boot.links(String(netid));
    },

    async buildImage(request) {
      const result = await buildImage(request, {
        env: deps.env,
        toolchainDir: deps.toolchainDir,
        saveFile: (options) => deps.dialogs.saveFile(options),
        progress: (done, total) => hub.emit('build-progress', { done, total }),
        hostFacts: { interfaces: host.networkInterfaces(), platform: host.platform },
        defaultPort: boot.port(),
      });
      // A node booted from this image will ask to join soon: watch closely for a while.
      if (result) monitor?.expectNode();
      if (result) builtImages.add(resolve(result.path));
      return result;
    },

    listDrives: () => burner.listDrives(),
    async burnImage(request) {
      const result = await burner.burnImage(request);
      // A node booted from this stick will ask to join soon: watch closely for a while.
      monitor?.expectNode();
      return result;
    },
    cancelBurn: () => burner.cancel(),

    listHypervisors: () => vms.hypervisors(),
    listVms: () => vms.list(),

    async startVm(request) {
      // The renderer names only images this app wrote (a page must not make the VM read any file it likes).
      if (request.image !== undefined && !builtImages.has(resolve(String(request.image)))) {
        throw new InvalidInputError('E_USAGE', `The app boots only images it built: ${quote(String(request.image), 200)} is not one of them.`, {
          hint: 'Build the image with Build boot image first, or boot the file with `g8boot vm up --image <file>`.',
        });
      }
      let bootUrl: string | undefined;
      // The VM's image chains to this app's boot service, as a NAT guest sees it: make sure it is on.
      if (request.bootUrl === undefined && request.hypervisor !== 'xhyve') {
        if (!boot.view().running) await boot.set(true, settings.get().bootServiceListen);
        if (request.image === undefined) bootUrl = boot.guestUrl() ?? undefined;
      }
      const vm = await vms.start(request, bootUrl);
      monitor?.expectNode();
      return vm;
    },
    stopVm: (name) => vms.stop(String(name)),
    removeVm: (name) => vms.remove(String(name)),
    readVmConsole: (name) => vms.readConsole(String(name)),
    watchVmConsole: (name, watch) => vms.watchConsole(String(name), watch === true),

    async setBootService(on) {
      return boot.set(on === true, settings.get().bootServiceListen);
    },

    async getSettings() {
      return settings.get();
    },

    async updateSettings(patch) {
      const before = settings.get();
      const after = settings.update(patch);
      if (after.startAtLogin !== before.startAtLogin) {
        try {
          await deps.loginItem.set(after.startAtLogin);
        } catch (error) {
          settings.update({ startAtLogin: before.startAtLogin });
          throw error;
        }
      }
      if (after.redisPort !== before.redisPort) startMonitor();
      else {
        if (after.policy !== before.policy || after.verifyWithinMin !== before.verifyWithinMin) {
          monitor?.setPolicy(after.policy, { verifyWithinMs: after.verifyWithinMin * 60_000 });
        }
        if (after.pollIntervalSec !== before.pollIntervalSec) monitor?.setIntervalMs(after.pollIntervalSec * 1000);
      }
      if (after.bootServiceListen !== before.bootServiceListen && boot.view().running) {
        await boot.set(false, after.bootServiceListen);
        await boot.set(true, after.bootServiceListen);
      }
      schedule('state');
      return after;
    },

    async copyText(text) {
      if (typeof text !== 'string' || text.length > MAX_COPY) throw new InvalidInputError('E_USAGE', 'Only text up to 16 KiB can be copied.');
      deps.clipboard.writeText(text);
    },

    async openExternal(url) {
      await deps.openExternal(checkExternalUrl(url));
    },
  };

  /** The stored credentials after an update; a new password is sealed here, a JWT file is read once to check it. */
  async function nextCredentials(current: StoredRedisCredentials | null, update: RedisCredentialsUpdate): Promise<StoredRedisCredentials> {
    if (typeof update !== 'object' || update === null) throw new InvalidInputError('E_USAGE', 'The credentials change must be an object.');
    let next: StoredRedisCredentials = { ...current, allowPlaintext: current?.allowPlaintext ?? false };
    const password = update.password;
    if (password?.kind === 'secret') {
      const value = typeof password.value === 'string' ? password.value.trim() : '';
      // Never quote the value in the message: it is the secret.
      if (!value || /[\u0000-\u001f\u007f]/.test(value)) {
        throw new InvalidInputError('E_INVALID_PASSWORD', "core0's Redis password must be one line of text.", {
          hint: 'Paste the password or the JWT alone, without line breaks.',
        });
      }
      next = { passwordCiphertext: sealRedisPassword(deps.secrets, deps.platform, value), allowPlaintext: next.allowPlaintext };
    } else if (password?.kind === 'file') {
      const path = String(password.path);
      if (!isAbsolute(path)) throw new InvalidInputError('E_REDIS_PASSWORD_FILE', `The JWT file must be given by its full path, not ${quote(path)}.`);
      // Read now, so a wrong path is said here rather than in the log of the next sweep.
      await readPasswordFile(path);
      next = { passwordFile: path, allowPlaintext: next.allowPlaintext };
    } else if (password?.kind === 'none') {
      next = { allowPlaintext: next.allowPlaintext };
    } else if (password !== undefined) {
      throw new InvalidInputError('E_USAGE', 'The password must be a secret, a file or none.');
    }
    if (update.allowPlaintext !== undefined) {
      if (typeof update.allowPlaintext !== 'boolean') throw new InvalidInputError('E_USAGE', 'allowPlaintext must be true or false.');
      next = { ...next, allowPlaintext: update.allowPlaintext };
    }
    return next;
  }

  return {
    api,
    on: (event, listener) => hub.on(event, listener),
    navigate: (view, nodeId) => hub.emit('navigate', nodeId === undefined ? { view } : { view, nodeId }),
    setDesktopStatus(status) {
      desktop = { trayProblem: status.trayProblem };
      schedule('state');
    },
    claimFirstWindow() {
      if (settings.welcomed()) return false;
      settings.markWelcomed();
      return true;
    },
    ready,
    async dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(nodesTimer);
      await ready.catch(() => undefined);
      clearInterval(refreshTimer);
      void stopMonitor();
      await Promise.all(stopping);
      vms.close();
      burner.dispose();
      await boot.close();
      await session?.close().catch(() => undefined);
      session = null;
      hub.clear();
    },
  };
}

/** g8boot's CLI bundle beside this code: dist/cli.mjs from dist/app/main.mjs, or from the sources (tests). */
function defaultWriterScript(): string {
  const candidates = ['../cli.mjs', '../../../dist/cli.mjs'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

function networkView(network: Network): NetworkView {
  return {
    id: network.id,
    name: network.name,
    description: network.description,
    private: network.private,
    pools: network.ipAssignmentPools.map((p) => `${p.start}-${p.end}`),
    authorizedMemberCount: network.authorizedMemberCount,
    totalMemberCount: network.totalMemberCount,
  };
}
