// ZeroTier benchmarks (issue 3):
// 1. A 1,000-member network: list, parse and classify in <= 200 ms of client CPU. The simulator runs in a child
//    process so its own work (building 1,000 members) is not counted; the client's CPU time comes from
//    process.cpuUsage() around each call.
// 2. Authorize 50 waiting members in one go (as `g8boot authorize <nwid> --all-waiting` does) without exceeding
//    Central's free-tier 20 requests/s: the simulator enforces the limit and logs every request.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import pLimit from 'p-limit';
import { createCentralController } from '../main/core/zerotier/central.ts';
import type { NodeState } from '../main/common/node-states.ts';
import { memberNodeState } from '../main/core/nodes/records.ts';
import { startSimulator } from '../main/core/zerotier/simulator/server.ts';

const NWID = 'd569b5a47421c8b7';
const serverModule = new URL('../main/core/zerotier/simulator/server.ts', import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function listThousand(): Promise<boolean> {
  // 1,000 members: 700 ready, 200 waiting, 100 gone quiet long ago.
  const script = `
    import { startSimulator } from ${JSON.stringify(serverModule)};
    const sim = await startSimulator({ addressDelayMs: 0, centralRequestsPerSecond: null, recordBodies: false,
      networks: [{ id: '${NWID}', subnet: '10.147.0.0/16', rfc4193: true }] });
    for (let i = 0; i < 1000; i++) {
      const node = sim.addNode({ authorized: i < 700, name: 'g8os-' + i });
      if (i >= 900) sim.setOnline(node, false, { lastSeenAgoMs: 3_600_000 });
    }
    console.log(JSON.stringify({ url: sim.centralBase, token: sim.token }));
    process.stdin.resume();
    process.stdin.on('end', async () => { await sim.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  const central = createCentralController({ baseUrl: url, token, requestsPerSecond: 1000 });
  const cpu: number[] = [];
  const wall: number[] = [];
  let counts: Partial<Record<NodeState, number>> & { online: number } = { online: 0 };
  for (let run = 0; run < 13; run++) {
    const started = performance.now();
    const before = process.cpuUsage();
    const members = await central.listMembers(NWID);
    counts = { online: 0 };
    const now = Date.now();
    for (const member of members) {
      const state = memberNodeState(member, now);
      counts[state] = (counts[state] ?? 0) + 1;
      if (member.online) counts.online++;
    }
    const used = process.cpuUsage(before);
    // The first three runs warm up the JIT and the connection.
    if (run >= 3) {
      cpu.push((used.user + used.system) / 1000);
      wall.push(performance.now() - started);
    }
  }
  await central.close();
  child.stdin.end();
  await once(child, 'exit');
  const worst = Math.max(...cpu);
  process.stdout.write(
    `list+parse+classify 1,000 members: client CPU median ${median(cpu).toFixed(1)} ms, max ${worst.toFixed(1)} ms ` +
      `(budget 200 ms); wall median ${median(wall).toFixed(1)} ms over ${cpu.length} runs\n` +
      `  classified: ${Object.entries(counts).map(([state, n]) => `${n} ${state}`).join(', ')}\n`,
  );
  return worst <= 200;
}

async function authorizeFifty(): Promise<boolean> {
  const sim = await startSimulator({ addressDelayMs: 0, centralRequestsPerSecond: 20, recordBodies: false });
  for (let i = 0; i < 50; i++) sim.addNode();
  for (let i = 0; i < 20; i++) sim.addNode({ authorized: true });
  const central = createCentralController({ baseUrl: sim.centralBase, token: sim.token });
  const started = performance.now();
  const waiting = (await central.listMembers(NWID)).filter((m) => memberNodeState(m, Date.now()) === 'waiting');
  const limit = pLimit(8);
  await Promise.all(waiting.map((m) => limit(() => central.updateMember(NWID, m.nodeId, { authorized: true }))));
  const elapsed = performance.now() - started;
  await central.close();
  await sim.close();
  const times = sim.requests.map((r) => r.at);
  const busiestSecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
  const refused = sim.requests.filter((r) => r.status === 429).length;
  const authorized = sim.population.members(NWID).filter((m) => m.authorized).length;
  process.stdout.write(
    `authorize ${waiting.length} waiting members: ${(elapsed / 1000).toFixed(2)} s, ${sim.requests.length} requests, ` +
      `busiest 1-s window ${busiestSecond} requests (limit 20), ${refused} answered 429, ${authorized}/70 authorized\n`,
  );
  return waiting.length === 50 && busiestSecond <= 20 && refused === 0 && authorized === 70;
}

const ok = [await listThousand(), await authorizeFifty()];
process.exit(ok.every(Boolean) ? 0 : 1);
