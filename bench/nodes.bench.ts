// Node sweep benchmarks (issue 4):
// 1. One sweep over 1,000 members (monitor.sweepNow: list members, probe each node's Redis, update and save the
//    inventory), 900 answering and 100 accept-and-hang, probe deadline 2 s: wall time (budget 2.5 s), sockets
//    open at most (the probe's own counter and /proc/self/fd), peak RSS. At the default 64 sockets and at 128.
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
import { createMonitor } from '../main/core/nodes/monitor.ts';
import { createSocketGauge } from '../main/core/nodes/socket-gauge.ts';
import { createConfStore } from '../main/core/store/conf-store.ts';
import { createCentralController } from '../main/core/zerotier/central.ts';
import { mib, table } from './lib.ts';

const NWID = 'd569b5a47421c8b7';
const NODES = 1000;
const HANGING = 100;
const DEADLINE_MS = 2000;
const BUDGET_MS = 2500;
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
  for (let i = 0; i < ${NODES}; i++) sim.addNode({ authorized: true, address: address(i), name: 'g8os-' + i });
  console.log(JSON.stringify({ url: sim.centralBase, token: sim.token }));
  process.stdin.resume();
  process.stdin.on('end', async () => { await sim.close(); process.exit(0); });
`;

const openFds = () => readdirSync('/proc/self/fd').length;

interface SweepFigures {
  wallMs: number;
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

  /** One sweep by a fresh monitor; `cold`: on an empty inventory (nothing known about the nodes yet). */
  const sweep = async (concurrency: number, cold: boolean): Promise<SweepFigures> => {
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
    const started = performance.now();
    const nodes = await monitor.sweepNow();
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    await monitor.stop();
    const states: Record<string, number> = {};
    for (const node of nodes) states[node.probe?.state ?? '-'] = (states[node.probe?.state ?? '-'] ?? 0) + 1;
    return { wallMs, peakSockets: gauge.peak, peakFdsAboveIdle: peakFds - idle, states };
  };

  const rssBeforeKiB = process.memoryUsage().rss / 1024;
  // Warm up the JIT and the API connection; this also gives the shared inventory its first sweep.
  await sweep(128, false);
  const rows: (string | number)[][] = [];
  const results: Record<string, SweepFigures> = {};
  for (const [name, concurrency, cold] of [
    ['64 sockets (default), empty inventory', 64, true],
    ['64 sockets (default), steady state', 64, false],
    ['128 sockets, empty inventory', 128, true],
    ['128 sockets, steady state', 128, false],
    ['old way, one at a time', 1, false],
  ] as const) {
    const r = await sweep(concurrency, cold);
    results[name] = r;
    rows.push([name, `${(r.wallMs / 1000).toFixed(2)} s`, `${r.peakSockets} / ${concurrency}`, r.peakFdsAboveIdle, Object.entries(r.states).map(([s, n]) => `${n} ${s}`).join(', ')]);
  }
  const peakRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`${table(['sweep of 1,000 members (deadline 2 s)', 'wall', 'sockets peak', 'fds peak*', 'states'], rows)}\n`);
  const fast = results['128 sockets, empty inventory']!;
  const old = results['old way, one at a time']!;
  process.stdout.write(
    `* open file descriptors above idle, sampled every 5 ms: the probe's sockets, plus the API connection and the inventory file\n` +
      `ratio: the old way took ${(old.wallMs / fast.wallMs).toFixed(0)}x as long as 128 sockets ` +
      `(${(old.wallMs / results['64 sockets (default), empty inventory']!.wallMs).toFixed(0)}x the default 64)\n` +
      `peak RSS of this process: ${mib(peakRssKiB)} (${mib(rssBeforeKiB)} before the first sweep: Node and its type-stripping of the sources)\n` +
      `note: each of the 100 hanging nodes holds a socket for the whole 2 s deadline, so at 64 sockets a sweep cannot be ` +
      `shorter than 2 x 2 s; 128 sockets hold them all at once. In steady state the nodes that timed out last time start first.\n`,
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
  const bounded = Object.entries(results).every(([name, r]) => r.peakSockets <= (name.startsWith('old') ? 1 : name.startsWith('64') ? 64 : 128));
  return fast.wallMs <= BUDGET_MS && results['128 sockets, steady state']!.wallMs <= BUDGET_MS && bounded;
}

process.exit((await main()) ? 0 : 1);
