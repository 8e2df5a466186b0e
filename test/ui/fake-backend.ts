/**
 * An in-memory stand-in for main's app service, for the renderer tests that need states the real one cannot
 * easily reach (errors on demand, 1,000 nodes, VMs without a hypervisor run) and for the benchmark. Shaped by
 * the IPC contract only; the end-to-end test uses the real service.
 */
import { bootLinks } from '../../main/core/boot/boot-links.ts';
import { defaultBootTargets, serviceImageTargets } from '../../main/core/boot/boot-targets.ts';
import { parseBootNetworkId } from '../../main/common/validate.ts';
import { EventEmitter } from 'node:events';
import { G8bootError } from '../../main/common/errors.ts';
import { nodeState } from '../../main/common/node-states.ts';
import type {
  AppState,
  BootLinks,
  BuildImageRequest,
  BuildImageResult,
  ControllerSetup,
  G8bootApi,
  G8bootEvent,
  G8bootEvents,
  G8bootMethod,
  HypervisorView,
  NetworkView,
  NodeRecord,
  ProbeState,
  RedisCredentialsUpdate,
  SerializedError,
  Settings,
  StartVmRequest,
  ThisMachine,
  VmView,
} from '../../main/common/ipc.ts';
import type { Backend } from './harness.ts';

export const NWID = 'd569b5a47421c8b7';
/** A fixed clock, so screenshots are the same on every run. */
export const T0 = Date.parse('2026-01-15T10:00:00Z');

/** The interfaces of the computer the fake backend pretends to run on: a LAN address and loopback. */
const FAKE_INTERFACES = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
  eth0: [{ address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4', mac: '52:54:00:12:34:56', internal: false, cidr: '192.168.1.20/24' }],
} as const satisfies NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;

const PROBE_CYCLE: ProbeState[] = ['ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'refused', 'timeout', 'auth-required', 'no-address'];

/** Node `i` of a synthetic network: mostly ready, some waiting, some failing, a few offline. */
export function makeNode(i: number, now = Date.now()): NodeRecord {
  const nodeId = (0xa000000000 + i * 7919).toString(16).padStart(10, '0');
  const authorized = i % 13 !== 5;
  const state: ProbeState = authorized ? PROBE_CYCLE[i % PROBE_CYCLE.length]! : 'pending';
  const ip = state === 'no-address' || !authorized ? null : `10.147.${(i >> 8) & 255}.${(i & 255) + 1}`;
  const online = i % 29 !== 3;
  const record: Omit<NodeRecord, 'state'> = {
    networkId: NWID,
    nodeId,
    name: `g8os-525400${(0x100000 + i).toString(16).slice(-6)}`,
    description: '',
    ips: ip ? [ip, `fdd5:69b5:a474:21c8:b799:93${nodeId.slice(0, 2)}:${nodeId.slice(2, 6)}:${nodeId.slice(6)}`] : [],
    ip,
    physicalAddress: `203.0.113.${(i % 250) + 1}`,
    clientVersion: '1.14.1',
    authorized,
    thisComputer: false,
    online,
    firstSeen: now - 3_600_000,
    lastSeen: online ? now - (i % 50) * 1000 : now - 7 * 60_000,
    creationTime: now - 3_600_000,
    appearedAt: null,
    addressSince: ip ? now - 3_500_000 : null,
    probe: authorized
      ? {
          state,
          address: ip,
          port: 6379,
          tls: state === 'ready' || state === 'auth-required' ? false : null,
          latencyMs: state === 'ready' ? 0.4 + (i % 17) * 0.37 : null,
          core0Version: null,
          detail: state === 'ready' ? 'PONG' : state === 'refused' ? 'connection refused' : state === 'timeout' ? 'no answer within 2000 ms' : state,
          checkedAt: now - 4000,
        }
      : null,
    history: [{ at: now - 3_600_000, state: 'pending' }, ...(authorized ? [{ at: now - 3_500_000, state }] : [])],
    vmHint: i === 2 ? { vm: 'g8boot-test-1', hypervisor: 'qemu', startedAt: now - 3_650_000 } : null,
  };
  return { ...record, state: nodeState(record, now) };
}

export function makeNodes(count: number, now = Date.now()): NodeRecord[] {
  return Array.from({ length: count }, (_, i) => makeNode(i, now));
}

const NETWORKS: NetworkView[] = [
  { id: NWID, name: 'g8os-dev', description: 'development nodes', private: true, pools: ['10.147.17.1-10.147.17.254'], authorizedMemberCount: 11, totalMemberCount: 12 },
  { id: '8056c2e21c000001', name: 'lab', description: '', private: true, pools: ['172.22.0.1-172.22.255.254'], authorizedMemberCount: 0, totalMemberCount: 0 },
];

const SETTINGS: Settings = {
  pollIntervalSec: 30,
  policy: 'manual',
  verifyWithinMin: 10,
  redisPort: 6379,
  notifications: true,
  startAtLogin: false,
  bootServiceListen: '127.0.0.1:8088',
  bootServiceAutoStart: true,
};

export interface FakeOptions {
  /** Start connected to a network (default) or on the first run. */
  firstRun?: boolean;
  nodes?: NodeRecord[];
  /** Calls that fail with this error. */
  failures?: Partial<Record<G8bootMethod, SerializedError>>;
  hypervisors?: HypervisorView[];
}

function failure(error: SerializedError): Error {
  return new G8bootError(error.code, error.message, { hint: error.hint });
}

export class FakeBackend implements Backend {
  readonly events = new EventEmitter();
  readonly failures: Partial<Record<G8bootMethod, SerializedError>>;
  state: AppState;
  nodes: NodeRecord[];
  settings: Settings = { ...SETTINGS };
  vms: VmView[] = [];
  /** What the next startVm reports about how it started. */
  startWarnings: string[] = [];
  hypervisors: HypervisorView[];
  /** Console text each VM has written so far. */
  consoles = new Map<string, string>();
  watched = new Set<string>();
  exports: { nodeIds: string[]; format: string }[] = [];
  readonly api: G8bootApi;

  constructor(options: FakeOptions = {}) {
    this.failures = options.failures ?? {};
    this.nodes = options.nodes ?? makeNodes(12);
    this.hypervisors = options.hypervisors ?? [
      { hypervisor: 'qemu', available: true, version: '7.2.15', acceleration: 'kvm', problem: null },
      { hypervisor: 'virtualbox', available: false, version: null, acceleration: 'none', problem: 'VBoxManage was not found: install VirtualBox 7, or put VBoxManage on the PATH.' },
      { hypervisor: 'xhyve', available: false, version: null, acceleration: 'none', problem: 'xhyve runs on Intel Macs only.' },
    ];
    const connected = !options.firstRun;
    this.state = {
      version: '0.1.0',
      platform: 'linux',
      firstRun: !connected,
      controller: connected ? { kind: 'central', endpoint: 'https://api.zerotier.com/api/v1' } : null,
      networkId: connected ? NWID : null,
      secretStorage: 'os',
      thisMachine: this.machine(connected ? 'OK' : null),
      monitor: connected ? { networkId: NWID, running: true, policy: 'manual', intervalMs: 30_000, fastUntil: null, lastSweepAt: Date.now() - 4000, stale: false, lastError: null } : null,
      bootService: {
        running: true,
        url: 'http://127.0.0.1:8088',
        listen: '127.0.0.1:8088',
        guestUrl: 'http://10.0.2.2:8088',
        // What the core computes for a computer whose LAN address is 192.168.1.20.
        defaultBootUrls: defaultBootTargets({ interfaces: FAKE_INTERFACES, platform: 'linux', port: 8088 }),
        openToLan: false,
        kernel: 'g8os-1.2.0.efi',
        recent: connected
          ? [
              { time: T0 - 60_000, remote: '127.0.0.1', route: 'script', networkId: NWID, path: `/ipxe/${NWID}`, userAgent: 'iPXE/1.21.1+git20250501', status: 200 },
              { time: T0 - 65_000, remote: '127.0.0.1', route: 'iso', networkId: NWID, path: `/iso/${NWID}`, userAgent: 'curl/7.88.1', status: 200 },
            ]
          : [],
        problem: null,
      },
      redisCredentials: connected ? { networkId: NWID, password: 'none', passwordFile: null, allowPlaintext: false } : null,
      burn: null,
    };
    const self = this;
    const api: G8bootApi = {
      getState: async () => self.state,
      testController: async (_setup: ControllerSetup) => NETWORKS,
      connect: async (setup: ControllerSetup) => {
        self.setState({ firstRun: false, controller: { kind: setup.kind, endpoint: setup.kind === 'demo' ? 'simulator' : 'https://api.zerotier.com/api/v1' } });
        return self.state;
      },
      disconnect: async () => {
        self.setState({ firstRun: true, controller: null, networkId: null, monitor: null });
        return self.state;
      },
      listNetworks: async () => NETWORKS,
      selectNetwork: async (networkId: string) => {
        self.setState({ networkId });
        return self.state;
      },
      joinThisMachine: async () => {
        self.setState({ thisMachine: self.machine('REQUESTING_CONFIGURATION') });
        return self.state.thisMachine as ThisMachine;
      },
      listNodes: async () => self.nodes,
      refreshNodes: async () => self.nodes,
      authorizeNode: async (nodeId: string, authorized: boolean) => {
        const node = self.nodes.find((n) => n.nodeId === nodeId);
        if (!node) throw failure({ name: 'G8bootError', code: 'E_NOT_FOUND', message: `no node ${nodeId}` });
        const changed = { ...node, authorized, probe: authorized ? node.probe : null };
        const updated: NodeRecord = { ...changed, state: nodeState(changed, Date.now()) };
        self.setNodes(self.nodes.map((n) => (n.nodeId === nodeId ? updated : n)));
        return updated;
      },
      authorizeAllWaiting: async () => {
        const waiting = self.nodes.filter((n) => n.state === 'waiting').length;
        self.setNodes(self.nodes.map((n) => (n.state === 'waiting' ? { ...n, authorized: true, state: nodeState({ ...n, authorized: true }, Date.now()) } : n)));
        return waiting;
      },
      renameNode: async (nodeId: string, name: string) => {
        const node = self.nodes.find((n) => n.nodeId === nodeId);
        if (!node) throw failure({ name: 'G8bootError', code: 'E_NOT_FOUND', message: `no node ${nodeId}` });
        const updated = { ...node, name };
        self.setNodes(self.nodes.map((n) => (n.nodeId === nodeId ? updated : n)));
        return updated;
      },
      exportNodes: async (nodeIds, format) => {
        self.exports.push({ nodeIds, format });
        return { path: `/tmp/nodes.${format === 'blueprint' ? 'yaml' : format}` };
      },
      // The core's own link list, for a service listening on loopback.
      bootLinks: async (netid: string): Promise<BootLinks> =>
        bootLinks({
          networkId: parseBootNetworkId(netid),
          downloadBase: 'http://127.0.0.1:8088',
          imageTargets: serviceImageTargets({ interfaces: FAKE_INTERFACES, platform: 'linux', arrivedOn: '127.0.0.1', port: 8088, listenHost: '127.0.0.1' }),
          publicUrl: null,
          port: 8088,
        }),
      buildImage: async (request: BuildImageRequest): Promise<BuildImageResult> => {
        for (let done = 0; done <= 4; done++) self.emit('build-progress', { done, total: 4 });
        return { path: `/tmp/g8os-${request.netid}.iso`, bytes: 2_097_152, sha256: 'a'.repeat(64) };
      },
      listDrives: async () => [
        { device: '/dev/sdb', description: 'SanDisk Ultra', sizeBytes: 32015679488, bus: 'usb', removable: true, readOnly: false, mountpoints: [], offered: true, hiddenBecause: null, warnings: [] },
        { device: '/dev/nvme0n1', description: 'SAMSUNG MZVL2512HCJQ-00B00', sizeBytes: 512110190592, bus: 'nvme', removable: false, readOnly: false, mountpoints: ['/'], offered: false, hiddenBecause: 'system disk: it holds this computer\'s system (/ is mounted from it)', warnings: [] },
      ],
      burnImage: async (request) => ({
        device: request.device, description: 'SanDisk Ultra', bytes: 2_097_152, sha256: 'a'.repeat(64), writeSeconds: 0.4, verifySeconds: 0.2, ejected: true, ejectProblem: null, notes: [],
      }),
      cancelBurn: async () => {},
      listHypervisors: async () => self.hypervisors,
      listVms: async () => self.vms,
      startVm: async (request: StartVmRequest) => {
        const vm: VmView = {
          name: request.name ?? `g8boot-test-${self.vms.length + 1}`,
          hypervisor: request.hypervisor,
          state: 'running',
          netid: request.netid ?? null,
          firmware: request.firmware ?? 'bios',
          memoryMiB: request.memoryMiB ?? 2048,
          cpus: request.cpus ?? 2,
          createdAt: new Date(T0).toISOString(),
          detail: null,
          warnings: [],
          // What the app service says for VirtualBox (core/vm/virtualbox/driver.ts VBOX_EARLY_CONSOLE_NOTE).
          consoleNote: request.hypervisor === 'virtualbox' ? "VirtualBox's firmware does not copy its screen to the serial port, so iPXE's lines show only in the VM's window." : null,
        };
        self.vms = [...self.vms, vm];
        self.consoles.set(vm.name, 'SeaBIOS (version 1.16.2-debian-1.16.2-1)\niPXE (https://ipxe.org) 00:03.0 CA00 PCI2.10 PnP PMM\n');
        return { ...vm, warnings: self.startWarnings };
      },
      stopVm: async (name: string) => {
        self.vms = self.vms.map((vm) => (vm.name === name ? { ...vm, state: 'stopped' } : vm));
        return self.vms.find((vm) => vm.name === name) as VmView;
      },
      removeVm: async (name: string) => {
        self.vms = self.vms.filter((vm) => vm.name !== name);
      },
      readVmConsole: async (name: string) => self.consoles.get(name) ?? '',
      watchVmConsole: async (name: string, watch: boolean) => {
        if (watch) self.watched.add(name);
        else self.watched.delete(name);
      },
      setBootService: async (on: boolean) => {
        self.setState({ bootService: { ...self.state.bootService, running: on, url: on ? 'http://127.0.0.1:8088' : null, guestUrl: on ? 'http://10.0.2.2:8088' : null } });
        return self.state.bootService;
      },
      trustCertificate: async (nodeId: string, sha256: string) => {
        self.nodes = self.nodes.map((n) =>
          n.nodeId === nodeId ? { ...n, trustedCertificate: { sha256, since: Date.now(), how: 'person' as const }, probe: n.probe && { ...n.probe, state: 'ready' as const } } : n,
        );
        self.emit('nodes', self.nodes);
        return self.nodes.find((n) => n.nodeId === nodeId)!;
      },
      setRedisCredentials: async (update: RedisCredentialsUpdate) => {
        const current = self.state.redisCredentials!;
        const password = update.password?.kind === 'secret' ? 'stored' : update.password?.kind === 'file' ? 'file' : update.password?.kind === 'none' ? 'none' : current.password;
        const passwordFile = update.password?.kind === 'file' ? update.password.path : password === 'file' ? current.passwordFile : null;
        const next = { ...current, password, passwordFile, allowPlaintext: update.allowPlaintext ?? current.allowPlaintext } as const;
        self.setState({ redisCredentials: next });
        return next;
      },
      getSettings: async () => self.settings,
      updateSettings: async (patch: Partial<Settings>) => {
        self.settings = { ...self.settings, ...patch };
        return self.settings;
      },
      copyText: async () => {},
      openExternal: async () => {},
    };
    // Every call fails when told to: the error crosses the bridge as main's would.
    this.api = Object.fromEntries(
      Object.entries(api).map(([method, fn]) => [
        method,
        async (...args: unknown[]) => {
          const error = self.failures[method as G8bootMethod];
          if (error) throw failure(error);
          return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        },
      ]),
    ) as unknown as G8bootApi;
  }

  /** From now on, the first argument of every call of `method` (what the page asked for), in order; the calls still go through. */
  argumentsOf<M extends G8bootMethod>(method: M): Parameters<G8bootApi[M]>[0][] {
    const seen: Parameters<G8bootApi[M]>[0][] = [];
    const api = this.api as unknown as Record<G8bootMethod, (...args: unknown[]) => Promise<unknown>>;
    const original = api[method];
    api[method] = async (...args: unknown[]) => {
      seen.push(args[0] as Parameters<G8bootApi[M]>[0]);
      return original(...args);
    };
    return seen;
  }

  machine(status: string | null): ThisMachine {
    const words: Record<string, string> = {
      REQUESTING_CONFIGURATION: 'asking the controller to join',
      ACCESS_DENIED: 'waiting for authorization',
      OK: 'connected',
    };
    return {
      available: true,
      problem: null,
      address: 'd569b5a474',
      online: true,
      version: '1.14.1',
      network: status
        ? { id: NWID, status, statusText: words[status] ?? status, addresses: status === 'OK' ? ['10.147.17.1/24'] : [], device: status === 'OK' ? 'ztly5vdzqf' : null }
        : null,
    };
  }

  on<E extends G8bootEvent>(event: E, listener: (payload: G8bootEvents[E]) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  emit<E extends G8bootEvent>(event: E, payload: G8bootEvents[E]): void {
    this.events.emit(event, payload);
  }

  setState(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    this.emit('state', this.state);
  }

  setNodes(nodes: NodeRecord[]): void {
    this.nodes = nodes;
    this.emit('nodes', nodes);
  }
}
