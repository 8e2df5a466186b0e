/**
 * The demo network: one offline ZeroTier network on this machine, the same for `g8boot demo` and the app's demo
 * mode. The simulator plays Central, this machine's ZeroTier service and the controller; every member gets a
 * loopback address (127.86.0.x), and a core0 stand-in answers there (core0-stand-in.ts), so g8boot's probes see
 * nodes become ready without sending a packet off this machine (FIELD-NOTES §8).
 *
 * The script: three nodes are up (two ready, one whose core0 wants a password), one waits for authorization, a
 * new one asks to join every ~20 s (most become ready; one boots slowly, one hangs, one never starts core0), and
 * now and then a node goes quiet and comes back. Everything that happens is told to `on()` listeners as it
 * happens (joins, authorizations, addresses, what the node will answer, lost/back).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { numberToIpv4, ipv4ToNumber } from '../ipv4.ts';
import { createCore0StandIns, pickStandInPort, type Core0Role, type Core0StandIns } from './core0-stand-in.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from './server.ts';

export const DEMO_NETWORK_ID = 'd569b5a47421c8b7';
export const DEMO_SUBNET = '127.86.0.0/24';
/** What the demo node whose core0 wants a password accepts (printed in the demo's hint: it protects nothing). */
export const DEMO_REDIS_PASSWORD = 'g8boot-demo';
const FIRST_ADDRESS = '127.86.0.10';
const THIS_COMPUTER_ADDRESS = '127.86.0.2';
const LAST_ADDRESS = '127.86.0.250';

/** How a demo node's core0 behaves once it has its address. `booting` answers like core0 after `bootMs`. */
export type DemoScript = Core0Role | 'booting';

/** The nodes present at start (authorized or not), then the roles new nodes take in turn. */
const INITIAL: readonly { role: DemoScript; authorized: boolean }[] = [
  { role: 'core0', authorized: true },
  { role: 'core0', authorized: true },
  { role: 'password', authorized: true },
  { role: 'core0', authorized: false },
];
const JOINERS: readonly DemoScript[] = ['core0', 'booting', 'core0', 'silent', 'core0', 'absent', 'core0', 'core0'];

export interface DemoOptions {
  host?: string | undefined;
  port?: number | undefined;
  /** A new node asks to join this often (ms). Default 20 s. */
  joinEveryMs?: number | undefined;
  /** A node goes quiet (or a quiet one comes back) this often (ms). Default 45 s; 0 turns it off. */
  flapEveryMs?: number | undefined;
  /** Stop adding nodes at this many. Default 12. */
  maxNodes?: number | undefined;
  /** How long a `booting` node's core0 takes to answer once it has its address (ms). Default 20 s. */
  bootMs?: number | undefined;
  /**
   * The port the core0 stand-ins answer on. A number is used as is (the app probes its configured port);
   * `{ preferred }` takes that port when free, else any free one (the CLI: 6379 means `g8boot nodes` needs no
   * flag). Default { preferred: 6379 }.
   */
  redisPort?: number | { preferred: number } | undefined;
  /**
   * This computer (the simulated local ZeroTier node) is on the demo network already, authorized, at 127.86.0.2:
   * the CLI's demo starts as a network one has set up. Default false (the app's demo lets the person join it).
   */
  thisComputerJoined?: boolean | undefined;
  /** Where to write the ZeroTier home (authtoken.secret, zerotier-one.port); default a new temp directory. */
  homeDir?: string | undefined;
  /** Anything else for the simulator (delays, version...). */
  simulator?: SimulatorOptions | undefined;
}

export type DemoEvent =
  | { type: 'joined'; at: number; nodeId: string; name: string; authorized: boolean }
  | { type: 'authorized' | 'deauthorized'; at: number; nodeId: string; name: string }
  /** The node received its address; `answers` is what a probe of core0 there will find. */
  | { type: 'address'; at: number; nodeId: string; name: string; address: string; answers: DemoAnswer }
  /** A booting node's core0 answers now. */
  | { type: 'core0-started'; at: number; nodeId: string; name: string; address: string }
  | { type: 'lost' | 'back'; at: number; nodeId: string; name: string }
  /**
   * The node's stand-in could not listen on its address: another program (another demo started with the same
   * --redis-port, a Redis) holds address:port, so whatever answers a probe there is not this demo's node.
   */
  | { type: 'taken'; at: number; nodeId: string; name: string; address: string };

/** What the probe will report, in the probe's own words (ProbeState), plus the slow starter. */
export type DemoAnswer = 'ready' | 'auth-required' | 'timeout' | 'refused' | 'starting';

export interface Demo {
  simulator: Simulator;
  networkId: string;
  /** The directory to use as ZEROTIER_HOME. */
  home: string;
  /** ZEROTIER_CENTRAL_URL, ZEROTIER_CENTRAL_TOKEN and ZEROTIER_HOME for the CLI. */
  env: Record<string, string>;
  /** The port the core0 stand-ins answer on. */
  redisPort: number;
  /** False when this OS does not let the demo listen on its loopback addresses (macOS: only 127.0.0.1). */
  core0Answers: boolean;
  /** Events so far, then as they happen; returns the function that unsubscribes. */
  on(listener: (event: DemoEvent) => void): () => void;
  stop(): Promise<void>;
}

/** Every address the demo may give a node (the stand-ins' port must be free on all of them). */
function poolAddresses(): string[] {
  const first = ipv4ToNumber(FIRST_ADDRESS) ?? 0;
  const last = ipv4ToNumber(LAST_ADDRESS) ?? first;
  const addresses: string[] = [];
  for (let n = first; n <= last; n++) addresses.push(numberToIpv4(n));
  return addresses;
}

/** A name like the ones G8OS node records had: after the MAC address of the management NIC. */
function g8osName(): string {
  return `g8os-525400${randomBytes(3).toString('hex')}`;
}

const ANSWERS: Record<DemoScript, DemoAnswer> = { core0: 'ready', password: 'auth-required', silent: 'timeout', absent: 'refused', booting: 'starting' };

/** One line for a person, e.g. "joined      3f2a1b9c0d g8os-525400a1b2c3: waiting for authorization". */
export function describeDemoEvent(event: DemoEvent, redisPort: number): string {
  const who = `${event.nodeId} ${event.name}`;
  switch (event.type) {
    case 'joined':
      return `joined      ${who}: ${event.authorized ? 'authorized already' : 'waiting for authorization'}`;
    case 'authorized':
      return `authorized  ${who}: assigning its address`;
    case 'deauthorized':
      return `deauthorized ${who}`;
    case 'address': {
      const where = `${event.address}:${redisPort}`;
      const words: Record<DemoAnswer, string> = {
        ready: `core0 answers on ${where}: ready`,
        'auth-required': `core0 on ${where} wants a password: auth-required (G8BOOT_REDIS_PASSWORD=${DEMO_REDIS_PASSWORD} makes it ready)`,
        timeout: `core0 on ${where} accepts but never answers: timeout`,
        refused: `nothing listens on ${where} (core0 did not start): refused`,
        starting: `core0 on ${where} is still starting: refused for now, ready soon`,
      };
      return `address     ${who} ${event.address}; ${words[event.answers]}`;
    }
    case 'core0-started':
      return `started     ${who}: core0 answers on ${event.address}:${redisPort}: ready`;
    case 'lost':
      return `lost        ${who}: went quiet (its core0 stops answering)`;
    case 'back':
      return `back        ${who}: online again`;
    case 'taken':
      return `taken       ${who}: another program listens on ${event.address}:${redisPort}, so what answers there is not this demo (is another demo running? start this one without --redis-port)`;
  }
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const simulator = await startSimulator({
    host: options.host,
    port: options.port,
    networks: [
      {
        id: DEMO_NETWORK_ID,
        name: 'g8boot-demo',
        description: 'g8boot demo network',
        subnet: DEMO_SUBNET,
        pool: { start: FIRST_ADDRESS, end: LAST_ADDRESS },
        rfc4193: false,
        sixPlane: false,
      },
    ],
    ...options.simulator,
  });
  const networkId = simulator.networkIds[0] ?? DEMO_NETWORK_ID;
  const ownHome = options.homeDir === undefined;
  let home: string | undefined;
  let standIns: Core0StandIns | undefined;
  const timers: NodeJS.Timeout[] = [];
  const cleanup = async () => {
    for (const timer of timers) clearInterval(timer);
    await standIns?.close();
    await simulator.close();
    if (ownHome && home) await rm(home, { recursive: true, force: true });
  };
  try {
    home = options.homeDir ?? (await mkdtemp(join(tmpdir(), 'g8boot-demo-')));
    await simulator.writeZeroTierHome(home);
    if (options.thisComputerJoined) {
      const local = simulator.population.node(simulator.localNodeId);
      if (local) local.wantedAddress = THIS_COMPUTER_ADDRESS;
      simulator.population.localJoin(networkId);
      // Joined a while ago: its address is there from the start.
      simulator.population.updateMember(networkId, simulator.localNodeId, { authorized: true, name: 'this computer' }).configDueAt = simulator.population.now();
    }
    const wanted = options.redisPort ?? { preferred: 6379 };
    const picked = typeof wanted === 'number' ? wanted : await pickStandInPort(poolAddresses(), wanted.preferred);
    const redisPort = picked ?? (typeof wanted === 'number' ? wanted : wanted.preferred);
    standIns = createCore0StandIns({ port: redisPort, password: DEMO_REDIS_PASSWORD });
    return await run(simulator, networkId, home, standIns, picked !== null, options, timers, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function run(
  simulator: Simulator,
  networkId: string,
  home: string,
  standIns: Core0StandIns,
  core0Answers: boolean,
  options: DemoOptions,
  timers: NodeJS.Timeout[],
  cleanup: () => Promise<void>,
): Promise<Demo> {
  const listeners = new Set<(event: DemoEvent) => void>();
  const scripts = new Map<string, DemoScript>();
  const quiet = new Set<string>();
  const bootMs = options.bootMs ?? 20_000;
  let nextAddress = ipv4ToNumber(FIRST_ADDRESS) ?? 0;
  let joiners = 0;

  // Kept so a listener that subscribes after start-up still hears how the network came to be.
  const history: DemoEvent[] = [];
  const emit = (event: DemoEvent) => {
    history.push(event);
    if (history.length > 500) history.shift();
    for (const listener of listeners) listener(event);
  };
  const addNode = (script: DemoScript, authorized: boolean) => {
    const address = numberToIpv4(nextAddress++);
    const nodeId = simulator.addNode({ name: g8osName(), authorized, address });
    scripts.set(nodeId, script);
  };

  // What the last look saw of each member: events are the differences, so API calls (authorize from the CLI or
  // the app) show up the same way as the script's own doings.
  const seen = new Map<string, { authorized: boolean; address: string | null; online: boolean }>();
  const pendingBoots = new Map<string, NodeJS.Timeout>();
  // Said once per address: a stand-in that cannot listen is told, not left for the probes to contradict.
  const taken = new Set<string>();
  const serve = (nodeId: string, address: string, role: Core0Role) => {
    void standIns.serve(address, role).then((listening) => {
      if (listening || !core0Answers || taken.has(address)) return;
      taken.add(address);
      emit({ type: 'taken', at: Date.now(), nodeId, name: simulator.population.member(networkId, nodeId)?.name ?? '', address });
    });
  };
  const look = () => {
    const now = Date.now();
    for (const member of simulator.population.members(networkId)) {
      const { nodeId } = member;
      if (nodeId === simulator.localNodeId) continue;
      const name = member.name;
      const before = seen.get(nodeId);
      const address = member.ipAssignments[0] ?? null;
      const online = simulator.population.node(nodeId)?.online ?? false;
      seen.set(nodeId, { authorized: member.authorized, address, online });
      if (!before) emit({ type: 'joined', at: now, nodeId, name, authorized: member.authorized });
      if (before && before.authorized !== member.authorized) emit({ type: member.authorized ? 'authorized' : 'deauthorized', at: now, nodeId, name });
      if (address !== null && before?.address !== address) {
        const script = scripts.get(nodeId) ?? 'absent';
        serve(nodeId, address, script === 'booting' ? 'absent' : script);
        emit({ type: 'address', at: now, nodeId, name, address, answers: ANSWERS[script] });
        if (script === 'booting') {
          const timer = setTimeout(() => {
            pendingBoots.delete(nodeId);
            scripts.set(nodeId, 'core0');
            if (!quiet.has(nodeId)) serve(nodeId, address, 'core0');
            emit({ type: 'core0-started', at: Date.now(), nodeId, name, address });
          }, bootMs);
          pendingBoots.set(nodeId, timer);
        }
      }
      if (before && before.online !== online) emit({ type: online ? 'back' : 'lost', at: now, nodeId, name });
    }
  };

  for (const { role, authorized } of INITIAL) addNode(role, authorized);
  // Start-up nodes are "already there": their addresses are assigned at once, so they are ready from the start.
  look();
  timers.push(setInterval(look, 250));

  const maxNodes = options.maxNodes ?? 12;
  timers.push(
    setInterval(() => {
      if (simulator.population.members(networkId).length >= maxNodes) return;
      addNode(JOINERS[joiners++ % JOINERS.length] ?? 'core0', false);
      look();
    }, options.joinEveryMs ?? 20_000),
  );
  const flapEveryMs = options.flapEveryMs ?? 45_000;
  if (flapEveryMs > 0) {
    timers.push(
      setInterval(() => {
        const [back] = quiet;
        if (back !== undefined) {
          quiet.delete(back);
          simulator.setOnline(back, true);
          const address = seen.get(back)?.address;
          const script = scripts.get(back);
          if (address && script && script !== 'booting') serve(back, address, script);
          look();
          return;
        }
        const candidates = simulator.population
          .members(networkId)
          .filter((m) => m.authorized && m.ipAssignments.length > 0 && m.nodeId !== simulator.localNodeId && scripts.get(m.nodeId) === 'core0');
        const pick = candidates[Math.floor(Math.random() * candidates.length)];
        if (!pick) return;
        quiet.add(pick.nodeId);
        // Seen last six minutes ago: offline at once, as if it had been quiet for a while; its core0 is gone too.
        simulator.setOnline(pick.nodeId, false, { lastSeenAgoMs: 6 * 60_000 });
        const address = pick.ipAssignments[0];
        if (address) serve(pick.nodeId, address, 'silent');
        look();
      }, flapEveryMs),
    );
  }

  return {
    simulator,
    networkId,
    home,
    env: { ZEROTIER_CENTRAL_URL: simulator.centralBase, ZEROTIER_CENTRAL_TOKEN: simulator.token, ZEROTIER_HOME: home },
    redisPort: standIns.port,
    core0Answers,
    on(listener) {
      for (const event of history) listener(event);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      for (const timer of pendingBoots.values()) clearTimeout(timer);
      listeners.clear();
      await cleanup();
    },
  };
}
