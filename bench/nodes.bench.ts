// Node sweep benchmarks (issues 4 and 11):
// 1. One sweep over 1,000 members (monitor.sweepNow: list members, probe each node's Redis, update and save the
//    inventory), 900 answering and 100 accept-and-hang, probe deadline 2 s, DEFAULT settings otherwise (256
//    sockets): the sweep must end within the deadline + 10 % (2.2 s) and the first 900 results must be in within
//    0.3 s (they stream out as they arrive), with at most 256 sockets open. On an empty inventory (nothing known
//    yet) and in steady state. The old default of 64 sockets beside it.
// 2. The same sweep the old way, one node at a time (what the AYS discovery service did), for the ratio.
// 3. The monitor's steady-state CPU with those 1,000 nodes, running at its 30 s interval.
// The members' side (the ZeroTier simulator, 900 "+PONG" responders on 900 loopback addresses and 100 listeners
// that accept and never answer) runs in a child process, so only the monitor's own work is measured here.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_PROBE_CONCURRENCY } from '../main/common/nodes.ts';
import { createMonitor } from '../main/core/nodes/monitor.ts';
import { probeAll } from '../main/core/nodes/probe-all.ts';
import { createSocketGauge } from '../main/core/nodes/socket-gauge.ts';
import { createConfStore } from '../main/core/store/conf-store.ts';
import { createCentralController } from '../main/core/zerotier/central.ts';
import { mib, table } from './lib.ts';

const NWID = 'd569b5a47421c8b7';
const NODES = 1000;
const HANGING = 100;
const DEADLINE_MS = 2000;
/** The deadline + 10 %. */
const BUDGET_MS = DEADLINE_MS * 1.1;
/** The first 900 results (every answering node) within this. */
const FIRST_RESULTS_MS = 300;
const serverModule = new URL('../main/core/zerotier/simulator/server.ts', import.meta.url).pathname;

// 127.78.0.1 ... 127.78.3.250: each node its own loopback address, port 6379.
const peerScript = `
  import { createServer } from 'node:net';
  import { startSimulator } from ${JSON.stringify(serverModule)};
  const address = (i) => '127.78.' + Math.floor(i / 250) + '.' + ((i % 250) + 1);
  const servers = [];
  for (let i = 0; i < ${NODES}; i++) {
    const answers = i < ${NODES - HANGING};
    const server = createServer((socket) => {
      socket.on('error', () => {});
      if (answers) socket.on('data', () => socket.write('+PONG\\r\\n'));
    });
    await new Promise((resolve, reject) => { server.once('error', reject); server.listen(6379, address(i), resolve); });
    servers.push(server);
  }
  const sim = await startSimulator({ addressDelayMs: 0, centralRequestsPerSecond: null, recordBodies: false,
    networks: [{ id: '${NWID}', subnet: '127.78.0.0/16' }] });
  // Established nodes: authorized an hour ago (a node authorized moments ago is "starting" and, silent, probed twice).
  for (let i = 0; i < ${NODES}; i++) {
    const id = sim.addNode({ authorized: true, address: address(i), name: 'g8os-' + i });
    const member = sim.population.member('${NWID}', id);
    member.lastAuthorizedTime = member.creationTime = Date.now() - 3_600_000;
  }
  console.log(JSON.stringify({ url: sim.centralBase, token: sim.token }));
  process.stdin.resume();
  process.stdin.on('end', async () => { await sim.close(); process.exit(0); });
`;

const openFds = () => readdirSync('/proc/self/fd').length;

interface SweepFigures {
  wallMs: number;
  /** When the 900th node had its result, through the monitor (node-ready events, or sweep-progress in steady state). */
  first900Ms: number;
  peakSockets: number;
  peakFdsAboveIdle: number;
  states: Record<string, number>;
}

async function main(): Promise<boolean> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', peerScript], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  const home = mkdtempSync(join(tmpdir(), 'g8boot-bench-nodes-'));
  const controller = createCentralController({ baseUrl: url, token, requestsPerSecond: 1000 });
  const store = createConfStore({ cwd: home });

  /**
   * One sweep by a fresh monitor; `cold`: on an empty inventory (nothing known about the nodes yet).
   * `concurrency` undefined: the default.
   */
  const sweep = async (concurrency: number | undefined, cold: boolean): Promise<SweepFigures> => {
    const gauge = createSocketGauge();
    const monitor = createMonitor({
      controller,
      networkId: NWID,
      store: cold ? createConfStore({ cwd: mkdtempSync(join(home, 'cold-')) }) : store,
      vmStarts: null,
      probe: { connectTimeoutMs: DEADLINE_MS, timeoutMs: DEADLINE_MS, concurrency, gauge },
    });
    const idle = openFds();
    let peakFds = idle;
    const sampler = setInterval(() => (peakFds = Math.max(peakFds, openFds())), 5);
    let ready = 0;
    let first900Ms = Number.NaN;
    const started = performance.now();
    // Results stream out: on an empty inventory each answering node is a node-ready event the moment its probe
    // ends; in steady state (nothing changes) the sweep's progress events say how many are in.
    monitor.on((event) => {
      const count = event.type === 'node-ready' ? ++ready : event.type === 'sweep-progress' ? event.done : 0;
      if (count >= NODES - HANGING && Number.isNaN(first900Ms)) first900Ms = performance.now() - started;
    });
    const nodes = await monitor.sweepNow();
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    await monitor.stop();
    const states: Record<string, number> = {};
    for (const node of nodes) states[node.probe?.state ?? '-'] = (states[node.probe?.state ?? '-'] ?? 0) + 1;
    return { wallMs, first900Ms, peakSockets: gauge.peak, peakFdsAboveIdle: peakFds - idle, states };
  };

  /** The streaming primitive alone (probeAll and its onResult), with exact per-result times. */
  const probeOnly = async (concurrency: number | undefined): Promise<{ wallMs: number; first900Ms: number; peak: number }> => {
    const members = await controller.listMembers(NWID);
    const gauge = createSocketGauge();
    let results = 0;
    let first900Ms = Number.NaN;
    const started = performance.now();
    await probeAll(members, {
      connectTimeoutMs: DEADLINE_MS,
      timeoutMs: DEADLINE_MS,
      concurrency,
      gauge,
      onResult: (_, result) => {
        if (result.state === 'ready' && ++results === NODES - HANGING) first900Ms = performance.now() - started;
      },
    });
    return { wallMs: performance.now() - started, first900Ms, peak: gauge.peak };
  };

  const seconds = (ms: number) => (Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(2)} s`);
  const rssBeforeKiB = process.memoryUsage().rss / 1024;
  // Warm up the JIT and the API connection; this also gives the shared inventory its first sweep.
  await sweep(undefined, false);
  const rows: (string | number)[][] = [];
  const results: Record<string, SweepFigures> = {};
  const cases: [string, number | undefined, boolean][] = [
    [`${DEFAULT_PROBE_CONCURRENCY} sockets (default), empty inventory`, undefined, true],
    [`${DEFAULT_PROBE_CONCURRENCY} sockets (default), steady state`, undefined, false],
    ['64 sockets (the old default), empty inventory', 64, true],
    ['64 sockets (the old default), steady state', 64, false],
  ];
  if (process.env.G8BOOT_BENCH_SKIP_OLD_WAY !== '1') cases.push(['old way, one at a time', 1, false]);
  for (const [name, concurrency, cold] of cases) {
    const r = await sweep(concurrency, cold);
    results[name] = r;
    rows.push([name, seconds(r.wallMs), seconds(r.first900Ms), `${r.peakSockets} / ${concurrency ?? DEFAULT_PROBE_CONCURRENCY}`, r.peakFdsAboveIdle, Object.entries(r.states).map(([s, n]) => `${n} ${s}`).join(', ')]);
  }
  const primitive = await probeOnly(undefined);
  rows.push([`probeAll alone, ${DEFAULT_PROBE_CONCURRENCY} sockets (exact per-result times)`, seconds(primitive.wallMs), seconds(primitive.first900Ms), `${primitive.peak} / ${DEFAULT_PROBE_CONCURRENCY}`, '-', '-']);
  const peakRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(
    `${table(['sweep of 1,000 members, 100 hanging (deadline 2 s)', 'wall', 'first 900', 'sockets peak', 'fds peak*', 'states'], rows)}\n`,
  );
  const cold = results[`${DEFAULT_PROBE_CONCURRENCY} sockets (default), empty inventory`]!;
  const steady = results[`${DEFAULT_PROBE_CONCURRENCY} sockets (default), steady state`]!;
  const old = results['old way, one at a time'];
  process.stdout.write(
    `* open file descriptors above idle, sampled every 5 ms: the probe's sockets, plus the API connection and the inventory file\n` +
      `goals: wall <= ${seconds(BUDGET_MS)} (deadline + 10 %), first 900 <= ${seconds(FIRST_RESULTS_MS)}, sockets <= ${DEFAULT_PROBE_CONCURRENCY}. ` +
      `"first 900" through the monitor: the 900th node-ready event (empty inventory), or the first sweep-progress event counting 900 (steady state, 100 ms granularity)\n` +
      (old ? `ratio: the old way took ${(old.wallMs / cold.wallMs).toFixed(0)}x as long as the default\n` : 'the old way was skipped (G8BOOT_BENCH_SKIP_OLD_WAY=1)\n') +
      `peak RSS of this process: ${mib(peakRssKiB)} (${mib(rssBeforeKiB)} before the first sweep: Node and its type-stripping of the sources)\n` +
      `note: each of the 100 hanging nodes holds a socket for the whole 2 s deadline; with 256 sockets they all start at once and the 900 ` +
      `answering nodes flow through the other 156, so a sweep takes one deadline. At 64 sockets the hanging nodes queue: two deadlines or more.\n`,
  );

  // Steady state: the monitor running on its own at the default 30 s interval, two intervals measured.
  const monitor = createMonitor({ controller, networkId: NWID, store, vmStarts: null, probe: { connectTimeoutMs: DEADLINE_MS, timeoutMs: DEADLINE_MS } });
  const sweeps: number[] = [];
  monitor.on((event) => event.type === 'sweep' && sweeps.push(event.durationMs));
  monitor.start();
  while (sweeps.length < 1) await new Promise((r) => setTimeout(r, 50));
  const cpuBefore = process.cpuUsage();
  const windowStarted = performance.now();
  while (sweeps.length < 3) await new Promise((r) => setTimeout(r, 50));
  const cpu = process.cpuUsage(cpuBefore);
  const windowMs = performance.now() - windowStarted;
  await monitor.stop();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(
    `steady state, 1,000 nodes every 30 s: ${cpuMs.toFixed(0)} ms CPU over ${(windowMs / 1000).toFixed(1)} s ` +
      `(${((cpuMs / windowMs) * 100).toFixed(2)} % of one core; ${(cpuMs / 2).toFixed(0)} ms per sweep, sweeps took ${sweeps.slice(1).join(', ')} ms)\n`,
  );

  await controller.close();
  child.stdin.end();
  await once(child, 'exit');
  rmSync(home, { recursive: true, force: true });
  const bounded = Object.entries(results).every(([name, r]) => r.peakSockets <= (name.startsWith('old') ? 1 : name.startsWith('64') ? 64 : DEFAULT_PROBE_CONCURRENCY));
  const fast = [cold, steady].every((r) => r.wallMs <= BUDGET_MS && r.first900Ms <= FIRST_RESULTS_MS);
  return fast && primitive.first900Ms <= FIRST_RESULTS_MS && bounded;
}

process.exit((await main()) ? 0 : 1);
