/**
 * The one typed contract between the tray app's main process and its renderer.
 *
 * - main/app implements `G8bootApi` (plain Node, no electron import: tests drive it directly and through a
 *   Chromium bridge) and registers one IPC channel per method (`g8boot:<method>`), checking each sender.
 * - main/preload exposes `window.g8boot` (a `G8bootBridge`): one function per call, plus `on()` for events.
 * - renderer/ calls `window.g8boot.<method>(...)` and subscribes with `window.g8boot.on(event, listener)`.
 *
 * Errors cross the boundary as `IpcResult` failures carrying name, code, message and hint (Electron's own
 * rejection would keep only a mangled message). The preload then rejects with that plain `SerializedError`
 * object, not an Error: Electron's context bridge copies a plain object with all its fields into the page,
 * where it would strip an Error down to its message.
 * Nothing here ever carries the ZeroTier Central token or core0's Redis password towards the renderer: each only
 * travels renderer → main, once, when the person pastes it (`ControllerSetup`, `RedisCredentialsUpdate`); the
 * renderer learns no more than "a password is set".
 *
 * Types plus a few constant lists; runtime-agnostic (no Node, DOM or Electron).
 */
import type { BootLinkSet, BootTarget } from './boot-url.ts';
import type { BurnImageRequest, BurnResult, BurnStatusView, DriveView } from './burn.ts';
import type { SerializedError } from './errors.ts';
import type { AuthorizationPolicy, ExportFormat, MonitorEvent, MonitorStatus, NodeRecord } from './nodes.ts';

export type { SerializedError } from './errors.ts';
export type * from './nodes.ts';
export type * from './burn.ts';

export type ControllerKindView = 'central' | 'local' | 'demo';

/** How the person connects g8boot to a ZeroTier controller (first run, or Settings). */
export type ControllerSetup =
  /** ZeroTier Central: the token is stored encrypted (safeStorage) and never sent back. */
  | { kind: 'central'; token: string; url?: string | undefined }
  /** The controller built into zerotier-one on this machine (ztncui-style self-hosting). */
  | { kind: 'local'; ztHome?: string | undefined }
  /** The built-in simulator: a demo network whose nodes join by themselves. */
  | { kind: 'demo' };

export interface NetworkView {
  id: string;
  name: string;
  description: string;
  private: boolean;
  /** IPv4 pools as "start-end". */
  pools: string[];
  authorizedMemberCount: number | null;
  totalMemberCount: number | null;
}

/** This machine's own ZeroTier node (the local zerotier-one service). */
export interface ThisMachine {
  /** false: ZeroTier One is not installed, not running or its token is not readable; see `problem`. */
  available: boolean;
  problem: SerializedError | null;
  /** This machine's ZeroTier address (10 hex digits). */
  address: string | null;
  online: boolean;
  version: string | null;
  /** Its membership of the selected network, if it joined. */
  network: {
    id: string;
    /** REQUESTING_CONFIGURATION | OK | ACCESS_DENIED | NOT_FOUND | PORT_ERROR | … */
    status: string;
    /** The status in words ("waiting for authorization", …). */
    statusText: string;
    addresses: string[];
    device: string | null;
  } | null;
}

export interface BootEventView {
  time: number;
  remote: string;
  route: 'script' | 'iso' | 'usb' | 'efi' | 'kernel';
  networkId: string | null | undefined;
  path: string;
  userAgent: string;
  status: number;
}

export interface BootServiceView {
  running: boolean;
  /** Where it listens, e.g. http://127.0.0.1:8088; null when off. */
  url: string | null;
  listen: string;
  /** The URL a QEMU/VirtualBox NAT guest uses (http://10.0.2.2:PORT); null when off. */
  guestUrl: string | null;
  /**
   * The boot URLs an image built here carries unless the person changes them, in order, each with where it
   * works: a VM on this computer, then this computer's LAN addresses (at the configured port).
   */
  defaultBootUrls: BootTarget[];
  /** The service is set to listen beyond loopback (LAN machines can reach it). */
  openToLan: boolean;
  kernel: string | null;
  recent: BootEventView[];
  problem: SerializedError | null;
}

/** The boot service's links for a network id, each with where it works (main/core/boot/boot-links.ts). */
export type BootLinks = BootLinkSet;

export type HypervisorName = 'qemu' | 'virtualbox' | 'xhyve';

export interface HypervisorView {
  hypervisor: HypervisorName;
  available: boolean;
  version: string | null;
  /** e.g. "kvm", "tcg (slow: /dev/kvm is not accessible)". */
  acceleration: string;
  /** Why it cannot be used, in words, with what to do. */
  problem: string | null;
}

export interface VmView {
  name: string;
  hypervisor: HypervisorName;
  /** running | starting | stopping | paused | saved | stopped | crashed | missing | unknown */
  state: string;
  netid: string | null;
  firmware: 'bios' | 'uefi';
  memoryMiB: number;
  cpus: number;
  createdAt: string;
  detail: string | null;
  /** What the person should know about how it started (e.g. "KVM could not run this guest; restarted with TCG"). */
  warnings: string[];
  /** Why the serial console misses part of the boot on this hypervisor (VirtualBox: no firmware console); null when it shows all. */
  consoleNote?: string | null | undefined;
}

export interface StartVmRequest {
  hypervisor: HypervisorName;
  /** Required unless `image` is given (then read from the image). */
  netid?: string | undefined;
  /** Default: this app's boot service as the guest sees it. Not with `image`. */
  bootUrl?: string | undefined;
  /** Boot an image this app built (BuildImageResult.path) instead of building one for the VM. */
  image?: string | undefined;
  /** How the image is attached: cd (default) or disk (the USB stick case). */
  media?: 'cd' | 'disk' | undefined;
  firmware?: 'bios' | 'uefi' | undefined;
  memoryMiB?: number | undefined;
  cpus?: number | undefined;
  name?: string | undefined;
}

export interface BuildImageRequest {
  netid: string;
  /** Boot URLs tried in order (loopback ones are refused), or kernelUrl; neither: the defaults (defaultBootUrls). */
  bootUrls?: string[] | undefined;
  kernelUrl?: string | undefined;
  kernelArgs?: string | undefined;
  /** `hybrid`: ISO that is also a USB image; `esp`: the EFI System Partition alone. */
  kind: 'hybrid' | 'esp';
}

export interface BuildImageResult {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Settings {
  /** Seconds between polls of the member list (5..300). */
  pollIntervalSec: number;
  policy: AuthorizationPolicy;
  /** auto-verify: minutes a node has to answer on Redis before it is deauthorized again. */
  verifyWithinMin: number;
  redisPort: number;
  notifications: boolean;
  startAtLogin: boolean;
  /** addr:port for the boot service. */
  bootServiceListen: string;
  bootServiceAutoStart: boolean;
}

/** core0's Redis credentials for the selected network, as the renderer may see them: never the password. */
export interface RedisCredentialsView {
  networkId: string;
  /** `none`; `stored` (entered in the app, kept encrypted with safeStorage); `file` (a JWT file read before each sweep). */
  password: 'none' | 'stored' | 'file';
  /** The JWT file's path, for `file`. */
  passwordFile: string | null;
  /** The person allowed sending the password to Redis over unencrypted connections on this network. */
  allowPlaintext: boolean;
}

/** A change to the selected network's Redis credentials; fields left out stay as they are. */
export interface RedisCredentialsUpdate {
  /** A new password or JWT (stored encrypted, never sent back), a JWT file to read before each sweep, or none. */
  password?: { kind: 'secret'; value: string } | { kind: 'file'; path: string } | { kind: 'none' } | undefined;
  allowPlaintext?: boolean | undefined;
}

export interface AppState {
  version: string;
  platform: 'darwin' | 'win32' | 'linux';
  /** No controller configured yet: show the first-run flow. */
  firstRun: boolean;
  controller: { kind: ControllerKindView; endpoint: string } | null;
  networkId: string | null;
  /**
   * How secrets are stored: `os` (Keychain, DPAPI, libsecret/kwallet), `basic-text` (Linux without a keyring:
   * Electron's plain-text fallback, warn the person), `unavailable` (cannot store the token at all).
   */
  secretStorage: 'os' | 'basic-text' | 'unavailable';
  thisMachine: ThisMachine | null;
  monitor: MonitorStatus | null;
  bootService: BootServiceView;
  /** core0's Redis credentials for the selected network (null: no network selected). */
  redisCredentials: RedisCredentialsView | null;
  /**
   * What the desktop around the app can do, as the shell found out (absent outside the Electron shell):
   * `trayProblem` says, in words, why no tray icon can be seen (e.g. GNOME without the AppIndicator extension);
   * the dashboard then shows it and is the app's only face.
   */
  desktop?: { trayProblem: string | null } | undefined;
  /** The USB stick being written (or just written, failed, cancelled); null when none. */
  burn: BurnStatusView | null;
}

/** Every call the renderer can make. All return promises; failures reject with a `SerializedError` object. */
export interface G8bootApi {
  getState(): Promise<AppState>;

  // Connecting to ZeroTier
  /** Check a setup without saving it: lists the networks it can see (a Central token is tested here). */
  testController(setup: ControllerSetup): Promise<NetworkView[]>;
  /** Save the setup (token encrypted) and connect. */
  connect(setup: ControllerSetup): Promise<AppState>;
  disconnect(): Promise<AppState>;
  listNetworks(): Promise<NetworkView[]>;
  /** Choose the network to watch; starts the monitor on it. */
  selectNetwork(networkId: string): Promise<AppState>;
  /** Join this machine to the selected network; progress arrives as `state` events. */
  joinThisMachine(): Promise<ThisMachine>;

  // Nodes
  listNodes(): Promise<NodeRecord[]>;
  refreshNodes(options?: { deep?: boolean }): Promise<NodeRecord[]>;
  authorizeNode(nodeId: string, authorized: boolean): Promise<NodeRecord>;
  /** Authorize every node waiting for it; returns how many. */
  authorizeAllWaiting(): Promise<number>;
  renameNode(nodeId: string, name: string): Promise<NodeRecord>;
  /** Main asks where to save (dialog); null when the person cancelled. */
  exportNodes(nodeIds: string[], format: ExportFormat): Promise<{ path: string } | null>;
  /**
   * Trust a node's TLS certificate from now on: the new one it presented after "certificate changed" (pass the
   * SHA-256 shown to the person, `probe.certificate`, so a later change is not trusted by mistake). Re-probes it.
   */
  trustCertificate(nodeId: string, sha256: string): Promise<NodeRecord>;
  /** Set core0's Redis password (or JWT file) and the plain-text choice for the selected network; re-probes. */
  setRedisCredentials(update: RedisCredentialsUpdate): Promise<RedisCredentialsView>;

  // Boot media
  bootLinks(netid: string): Promise<BootLinks>;
  /** Main asks where to save (dialog), then builds; progress arrives as `build-progress`; null when cancelled. */
  buildImage(request: BuildImageRequest): Promise<BuildImageResult | null>;
  /** Every whole disk: the sticks offered, the others with why they are hidden. The dialog polls it (drives come and go). */
  listDrives(): Promise<DriveView[]>;
  /**
   * Build the image and write it to the drive (after the renderer's confirmation), verify and eject it;
   * progress arrives as `burn-progress`. Rejects with the failed step (and offset) when it is not verified.
   */
  burnImage(request: BurnImageRequest): Promise<BurnResult>;
  /** Stop the write in progress (the drive is left as the status says). */
  cancelBurn(): Promise<void>;

  // Test VMs
  listHypervisors(): Promise<HypervisorView[]>;
  listVms(): Promise<VmView[]>;
  startVm(request: StartVmRequest): Promise<VmView>;
  stopVm(name: string): Promise<VmView>;
  removeVm(name: string): Promise<void>;
  /** The end of the VM's serial console; new output arrives as `vm-console` while subscribed. */
  readVmConsole(name: string): Promise<string>;
  watchVmConsole(name: string, watch: boolean): Promise<void>;

  // Boot service
  setBootService(on: boolean): Promise<BootServiceView>;

  // Settings
  getSettings(): Promise<Settings>;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;

  // Desktop
  copyText(text: string): Promise<void>;
  /** Opens https links on the allowlist in the browser; anything else is refused. */
  openExternal(url: string): Promise<void>;
}

export type G8bootMethod = keyof G8bootApi;

/** Pushed from main to the renderer. */
export interface G8bootEvents {
  state: AppState;
  /** The whole node list whenever it changes (the renderer virtualizes it). */
  nodes: NodeRecord[];
  'monitor-event': MonitorEvent;
  'boot-event': BootEventView;
  'build-progress': { done: number; total: number };
  'burn-progress': BurnStatusView;
  'vm-console': { name: string; text: string };
  /** The tray or a notification asks the dashboard to show something. */
  navigate: { view: View; nodeId?: string | undefined };
}

export type G8bootEvent = keyof G8bootEvents;
export type View = 'setup' | 'nodes' | 'boot' | 'vms' | 'service' | 'settings';

/** What `window.g8boot` is: one function per call, plus subscriptions that return their unsubscribe. */
export type G8bootBridge = G8bootApi & {
  on<E extends G8bootEvent>(event: E, listener: (payload: G8bootEvents[E]) => void): () => void;
};

/** The channel of each method and event. One prefix, so main can refuse anything else. */
export const IPC_PREFIX = 'g8boot:';
export const methodChannel = (method: G8bootMethod) => `${IPC_PREFIX}${method}`;
export const eventChannel = (event: G8bootEvent) => `${IPC_PREFIX}event:${event}`;

/** Every method, checked against the interface at compile time (adding one without listing it fails to build). */
export const G8BOOT_METHODS = [
  'getState', 'testController', 'connect', 'disconnect', 'listNetworks', 'selectNetwork', 'joinThisMachine',
  'listNodes', 'refreshNodes', 'authorizeNode', 'authorizeAllWaiting', 'renameNode', 'exportNodes',
  'trustCertificate', 'setRedisCredentials',
  'bootLinks', 'buildImage', 'listDrives', 'burnImage', 'cancelBurn',
  'listHypervisors', 'listVms', 'startVm', 'stopVm', 'removeVm', 'readVmConsole', 'watchVmConsole',
  'setBootService', 'getSettings', 'updateSettings', 'copyText', 'openExternal',
] as const satisfies readonly G8bootMethod[];
type Missing = Exclude<G8bootMethod, (typeof G8BOOT_METHODS)[number]>;
export const ALL_METHODS_LISTED: Missing extends never ? true : Missing = true;

export const G8BOOT_EVENTS = ['state', 'nodes', 'monitor-event', 'boot-event', 'build-progress', 'burn-progress', 'vm-console', 'navigate'] as const satisfies readonly G8bootEvent[];

/** What a handler returns over IPC. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** Whether something a call rejected with is a failure from main (the renderer shows its message and hint). */
export function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && typeof (value as SerializedError).message === 'string'
    && typeof (value as SerializedError).code === 'string';
}
