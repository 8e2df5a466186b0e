/**
 * Issue 15: the boot service under load and under attack, on loopback. The service runs as people run it
 * (`g8boot serve`, its own process); wrk (C) drives the downloads; this process holds the hostile connections
 * and a prober.
 *
 * 1. 200 concurrent clients downloading ISO images (/iso/<id>, 1,000 distinct ids) for 15 s.
 * 2. The same, with 5,000 hostile connections held open beside them: each sends a request's headers a byte every
 *    2 s and never finishes (re-opened a second after the service cuts it, so the pressure stays).
 * Throughout, a prober opens a fresh connection every 250 ms: /g8os.ipxe (what a booting machine asks first) and
 * the first byte of an image. Figures: wrk's complete-download latency (p50/p99/max) and timeouts (10 s), the
 * prober's latencies, the service's RSS before, during and after.
 *
 * The peer is main before this change (no cap, Node's default timeouts), measured the same way: set
 * G8BOOT_BENCH_SERVE_BIN to another checkout's bin/g8boot.mjs to print its figures.
 * Goal: 0 timeouts, p99 <= 1 s, RSS back within 10 % of its start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { runWrk, stats, table, wrkScript } from './lib.ts';
import { serveUrl } from '../test/helpers/cli.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = process.env.G8BOOT_BENCH_SERVE_BIN ?? join(root, 'bin', 'g8boot.mjs');
const work = mkdtempSync(join(tmpdir(), 'g8boot-bench-serve-load-'));
const SECONDS = Number(process.env.G8BOOT_BENCH_SECONDS ?? 15);
const HOSTILE = 5000;

const script = wrkScript(work, '/iso/8056c2e21c%06x');

/** Complete downloads by `connections` clients for `seconds`; a download counts as timed out after 10 s. */
async function wrk(url: string, seconds: number, connections: number) {
  const r = await runWrk(url, script, { seconds, connections, timeout: '10s' });
  return { ...r, errors: r.socketErrors + r.non2xx, mbPerSecond: r.bytes / 1048576 / r.seconds };
}

/** Fresh connections every 250 ms: the stage-2 script (complete) and an image's first byte. */
function prober(url: string) {
  const script: number[] = [];
  const firstByte: number[] = [];
  let failures = 0;
  let running = true;
  const loop = (async () => {
    let n = 0;
    while (running) {
      const id = `8056c2e21c${(n++ % 1000).toString(16).padStart(6, '0')}`;
      try {
        let t = performance.now();
        const s = await request(`${url}/g8os.ipxe?netid=${id}`, { reset: true, headersTimeout: 15_000, bodyTimeout: 15_000 });
        await s.body.text();
        script.push(performance.now() - t);
        t = performance.now();
        const i = await request(`${url}/iso/${id}`, { reset: true, headersTimeout: 15_000, bodyTimeout: 15_000 });
        firstByte.push(performance.now() - t);
        i.body.destroy();
      } catch {
        failures++;
      }
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      const withMax = (samples: number[]) => ({ ...stats(samples.length ? samples : [NaN]), maxMs: samples.length ? Math.max(...samples) : NaN });
      return { script: withMax(script), firstByte: withMax(firstByte), failures };
    },
  };
}

/** HOSTILE connections sending headers a byte every 2 s, re-opened a second after each is cut. */
function hostile(port: number, count: number) {
  const open = new Set<Socket>();
  let cut = 0;
  let running = true;
  const one = () => {
    if (!running) return;
    const socket = connect(port, '127.0.0.1');
    const text = `GET /iso/8056c2e21c000001 HTTP/1.1\r\nHost: boot\r\nX-Slow: ${'a'.repeat(4096)}`;
    let i = 0;
    const timer = setInterval(() => socket.writable && socket.write(text[i++ % text.length]!), 2000 + Math.random() * 100);
    socket.on('error', () => {});
    socket.once('connect', () => open.add(socket));
    socket.once('close', () => {
      clearInterval(timer);
      open.delete(socket);
      cut++;
      if (running) setTimeout(one, 1000);
    });
  };
  return {
    start: async () => {
      for (let i = 0; i < count; i += 250) {
        for (let j = 0; j < 250 && i + j < count; j++) one();
        await sleep(20);
      }
    },
    held: () => open.size,
    cut: () => cut,
    stop: () => {
      running = false;
      for (const s of open) s.destroy();
    },
  };
}

const server = spawn(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0', '--quiet', '--kernel-url', 'http://10.0.2.2/k'], { stdio: ['ignore', 'ignore', 'pipe'] });
try {
  const url = await serveUrl(server);
  const port = Number(new URL(url).port);
  // The launcher re-runs the CLI under Node 24: measure the process that serves (the child, if any).
  const servingPid = () => {
    try {
      const children = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      return children.length ? Number(children[0]) : server.pid!;
    } catch {
      return server.pid!;
    }
  };
  const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${servingPid()}/status`, 'utf8'))![1]) / 1024;

  await wrk(url, 3, 8); // warm-up: JIT, first plans
  await sleep(2000);
  const rssStart = rssMiB();
  const peak = { value: rssStart };
  const sampler = setInterval(() => (peak.value = Math.max(peak.value, rssMiB())), 250);

  const probeA = prober(url);
  const plain = await wrk(url, SECONDS, 200);
  const plainProbe = await probeA.stop();

  const attack = hostile(port, HOSTILE);
  await attack.start();
  await sleep(3000);
  const heldAtStart = attack.held();
  const probeB = prober(url);
  const attacked = await wrk(url, SECONDS, 200);
  const attackedProbe = await probeB.stop();
  const heldAtEnd = attack.held();
  const cutByService = attack.cut();
  attack.stop();
  clearInterval(sampler);

  // RSS after: the collector and the allocator return memory over a few seconds; take the lowest of 20 s.
  let rssAfter = rssMiB();
  for (let i = 0; i < 40; i++) {
    await sleep(500);
    rssAfter = Math.min(rssAfter, rssMiB());
  }

  const f = (v: number) => (Number.isNaN(v) ? '-' : `${v.toFixed(0)} ms`);
  console.log(table(
    ['measure', '200 downloaders', '+ 5,000 hostile connections'],
    [
      [`ISO downloads completed (wrk, ${SECONDS} s)`, plain.requests, attacked.requests],
      ['throughput', `${plain.mbPerSecond.toFixed(0)} MiB/s`, `${attacked.mbPerSecond.toFixed(0)} MiB/s`],
      ['complete download p50 / p99 / max', `${f(plain.p50)} / ${f(plain.p99)} / ${f(plain.max)}`, `${f(attacked.p50)} / ${f(attacked.p99)} / ${f(attacked.max)}`],
      ['timeouts (10 s) / other errors', `${plain.timeouts} / ${plain.errors}`, `${attacked.timeouts} / ${attacked.errors}`],
      ['fresh client: /g8os.ipxe p50 / p95 / max', `${f(plainProbe.script.medianMs)} / ${f(plainProbe.script.p95Ms)} / ${f(plainProbe.script.maxMs)}`, `${f(attackedProbe.script.medianMs)} / ${f(attackedProbe.script.p95Ms)} / ${f(attackedProbe.script.maxMs)}`],
      ['fresh client: first byte of an image p50 / p95 / max', `${f(plainProbe.firstByte.medianMs)} / ${f(plainProbe.firstByte.p95Ms)} / ${f(plainProbe.firstByte.maxMs)}`, `${f(attackedProbe.firstByte.medianMs)} / ${f(attackedProbe.firstByte.p95Ms)} / ${f(attackedProbe.firstByte.maxMs)}`],
      ['fresh client probes', plainProbe.script.runs, attackedProbe.script.runs],
      ['fresh client failures', plainProbe.failures, attackedProbe.failures],
      ['hostile connections held by the service (start / end of run)', '-', `${heldAtStart} / ${heldAtEnd}`],
      ['hostile connections cut by the service (deadline or cap)', '-', cutByService],
    ],
  ));
  console.log(`\nservice RSS: start ${rssStart.toFixed(0)} MiB, peak ${peak.value.toFixed(0)} MiB, after ${rssAfter.toFixed(0)} MiB (${(((rssAfter - rssStart) / rssStart) * 100).toFixed(1)} %)`);
  const timeouts = plain.timeouts + attacked.timeouts;
  const freshOk = Math.max(plainProbe.script.p95Ms, attackedProbe.script.p95Ms, attackedProbe.firstByte.p95Ms) <= 1000 && attackedProbe.failures === 0;
  const rssOk = rssAfter <= rssStart * 1.1;
  console.log(
    `targets: 0 timeouts: ${timeouts === 0 ? 'met' : `MISSED (${timeouts})`}; fresh clients served within 1 s (p95): ${freshOk ? 'met' : 'MISSED'}; ` +
      `complete-download p99 <= 1 s: ${Math.max(plain.p99, attacked.p99) <= 1000 ? 'met' : 'MISSED'}; RSS back within 10 %: ${rssOk ? 'met' : 'MISSED'}`,
  );
} finally {
  server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
