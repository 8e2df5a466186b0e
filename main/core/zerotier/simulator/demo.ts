/**
 * Demo mode: the simulator with a small scripted population, for `g8boot demo` and the app's demo mode. A few
 * G8OS nodes are up, one waits for authorization, a new one asks to join every ~20 s, and now and then a node
 * goes quiet and comes back. The environment it returns points the CLI at it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSimulator, type Simulator, type SimulatorOptions } from './server.ts';

export interface DemoOptions {
  host?: string | undefined;
  port?: number | undefined;
  /** A new node asks to join this often (ms). Default 20 s. */
  joinEveryMs?: number | undefined;
  /** A node goes quiet (or a quiet one comes back) this often (ms). Default 45 s. */
  flapEveryMs?: number | undefined;
  /** Stop adding nodes at this many. Default 12. */
  maxNodes?: number | undefined;
  /** Where to write the ZeroTier home (authtoken.secret, zerotier-one.port); default a new temp directory. */
  homeDir?: string | undefined;
  /** Anything else for the simulator (delays, version...). */
  simulator?: SimulatorOptions | undefined;
}

export interface Demo {
  simulator: Simulator;
  networkId: string;
  /** The directory to use as ZEROTIER_HOME. */
  home: string;
  /** ZEROTIER_CENTRAL_URL, ZEROTIER_CENTRAL_TOKEN and ZEROTIER_HOME for the CLI. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** A name like the ones G8OS node records had: after the MAC address of the management NIC. */
function g8osName(): string {
  return `g8os-525400${randomBytes(3).toString('hex')}`;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const simulator = await startSimulator({
    host: options.host,
    port: options.port,
    networks: [{ id: 'd569b5a47421c8b7', name: 'g8boot-demo', description: 'g8boot demo network' }],
    ...options.simulator,
  });
  const networkId = simulator.networkIds[0] ?? '';
  const ownHome = options.homeDir === undefined;
  const home = options.homeDir ?? (await mkdtemp(join(tmpdir(), 'g8boot-demo-')));
  await simulator.writeZeroTierHome(home);

  for (let i = 0; i < 3; i++) simulator.addNode({ name: g8osName(), authorized: true });
  simulator.addNode({ name: g8osName() });

  const maxNodes = options.maxNodes ?? 12;
  const joins = setInterval(() => {
    if (simulator.population.members(networkId).length < maxNodes) simulator.addNode({ name: g8osName() });
  }, options.joinEveryMs ?? 20_000);
  const quiet = new Set<string>();
  const flaps = setInterval(() => {
    const [back] = quiet;
    if (back !== undefined) {
      quiet.delete(back);
      simulator.setOnline(back, true);
      return;
    }
    const candidates = simulator.population.members(networkId).filter((m) => m.authorized && m.nodeId !== simulator.localNodeId);
    const pick = candidates[Math.floor(Math.random() * candidates.length)];
    if (pick) {
      quiet.add(pick.nodeId);
      // Seen last six minutes ago: offline at once, as if it had been quiet for a while.
      simulator.setOnline(pick.nodeId, false, { lastSeenAgoMs: 6 * 60_000 });
    }
  }, options.flapEveryMs ?? 45_000);

  return {
    simulator,
    networkId,
    home,
    env: { ZEROTIER_CENTRAL_URL: simulator.centralBase, ZEROTIER_CENTRAL_TOKEN: simulator.token, ZEROTIER_HOME: home },
    async stop() {
      clearInterval(joins);
      clearInterval(flaps);
      await simulator.close();
      if (ownHome) await rm(home, { recursive: true, force: true });
    },
  };
}
