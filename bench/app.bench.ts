// Tray app benchmark (issue 7): the main process's core at idle with 1,000 nodes. The app service (what the
// Electron shell runs, without Electron) watches a 1,000-member network on the ZeroTier simulator with the monitor
// at its default interval (30 s); 700 nodes are authorized and answer like core0, 200 wait for authorization,
// 100 went quiet long ago. After the first sweep, RSS and CPU of this process are sampled for a minute of idle.
// The simulator and the nodes' Redis stand-ins run in a child process, so their work is not counted.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createAppService } from '../main/app/service/app-service.ts';
import { SETTINGS_FILE } from '../main/app/settings/app-settings.ts';
import { createConfStore } from '../main/core/store/index.ts';
import { table } from './lib.ts';

const IDLE_MS = Number(process.env.G8BOOT_BENCH_IDLE_MS ?? 60_000);
const NWID = 'd569b5a47421c8b7';
const PORT = 20000 + Math.floor(Math.random() * 20000);
const serverModule = new URL('../main/core/zerotier/simulator/server.ts', import.meta.url).pathname;
const core0Module = new URL('../main/core/zerotier/simulator/core0-stand-in.ts', import.meta.url).pathname;

const home = await mkdtemp(join(tmpdir(), 'g8boot-app-bench-'));
const script = `
  import { startSimulator } from ${JSON.stringify(serverModule)};
  import { answerForMembers } from ${JSON.stringify(core0Module)};
  const sim = await startSimulator({ addressDelayMs: 0, recordBodies: false, networks: [{ id: '${NWID}', subnet: '127.97.0.0/16' }] });
  await sim.writeZeroTierHome(${JSON.stringify(join(home, 'zt'))});
  for (let i = 0; i < 1000; i++) {
    const node = sim.addNode({ authorized: i < 700, name: 'g8os-' + i });
    if (i >= 900) sim.setOnline(node, false, { lastSeenAgoMs: 3_600_000 });
  }
  const core0 = answerForMembers({ simulator: sim, networkId: '${NWID}', port: ${PORT} });
  while (core0.addresses().length < 700) await new Promise((r) => setTimeout(r, 100));
  console.log(JSON.stringify({ url: sim.centralBase, token: sim.token }));
  process.stdin.resume();
  process.stdin.on('end', async () => { await core0.close(); await sim.close(); process.exit(0); });
`;
const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const { url, token } = JSON.parse(line) as { url: string; token: string };

const env = { G8BOOT_HOME: home, ZEROTIER_HOME: join(home, 'zt'), PATH: process.env.PATH };
const cipher = {
  isEncryptionAvailable: () => true,
  encryptString: (text: string) => Buffer.from(text).reverse(),
  decryptString: (data: Buffer) => Buffer.from(data).reverse().toString(),
};
const service = createAppService({
  settings: createConfStore({ name: SETTINGS_FILE, cwd: join(home, 'config') }),
  inventory: createConfStore({ name: 'nodes', cwd: join(home, 'data') }),
  secrets: cipher,
  dialogs: { saveFile: async () => null },
  clipboard: { writeText: () => undefined },
  openExternal: async () => undefined,
  loginItem: { set: async () => undefined },
  platform: 'linux',
  env,
});
await service.api.updateSettings({ redisPort: PORT });
let sweeps = 0;
let lastSweep = { nodes: 0, durationMs: 0 };
service.on('monitor-event', (event) => {
  if (event.type !== 'sweep') return;
  sweeps++;
  lastSweep = { nodes: event.nodes, durationMs: event.durationMs };
});
let nodeLists = 0;
service.on('nodes', () => nodeLists++);

const t0 = performance.now();
await service.api.connect({ kind: 'central', token, url });
while (sweeps === 0) await new Promise((r) => setTimeout(r, 50));
const firstSweepMs = performance.now() - t0;
const nodes = await service.api.listNodes();
const ready = nodes.filter((n) => n.probe?.state === 'ready').length;
const waiting = nodes.filter((n) => !n.authorized && n.online).length;

// Idle: let the first sweep's garbage go, then sample.
(globalThis as { gc?: () => void }).gc?.();
const samples: number[] = [];
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
const sweepsBefore = sweeps;
const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 1000);
await new Promise((r) => setTimeout(r, IDLE_MS));
clearInterval(sampler);
const cpu = process.cpuUsage(cpuStart);
const wallMs = performance.now() - wallStart;
const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const sorted = [...samples].sort((a, b) => a - b);

await service.dispose();
child.stdin.end();
await once(child, 'exit');
await rm(home, { recursive: true, force: true });

process.stdout.write(
  `1,000 nodes (${ready} ready, ${waiting} waiting); first sweep ${firstSweepMs.toFixed(0)} ms; ` +
    `${sweeps - sweepsBefore} sweeps during ${(wallMs / 1000).toFixed(0)} s of idle (last: ${lastSweep.nodes} nodes in ${lastSweep.durationMs} ms); ${nodeLists} node lists pushed in all\n`,
);
process.stdout.write(
  `${table(['main process core, idle', 'value'], [
    ['RSS median (MiB)', mib(sorted[Math.floor(sorted.length / 2)] ?? 0)],
    ['RSS max (MiB)', mib(sorted.at(-1) ?? 0)],
    ['CPU over the minute (% of one core)', cpuPercent.toFixed(2)],
  ])}\n`,
);
