/**
 * Shared benchmark helpers: timing statistics, whole-command timing with hyperfine (process start
 * included), peak memory of a child process with GNU time, HTTP load with wrk, and a side-by-side table.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Stats {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  meanMs: number;
}

export function stats(samplesMs: readonly number[]): Stats {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { runs: s.length, medianMs: at(0.5), p95Ms: at(0.95), minMs: s[0]!, meanMs: s.reduce((a, b) => a + b, 0) / s.length };
}

/** Time an async function: `warmup` unmeasured runs, then `runs` measured ones. */
export async function timeIt(fn: () => unknown, runs: number, warmup = 5): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

/** Whole commands, process start included, measured by hyperfine. Returns per-command stats in ms. */
export function hyperfine(commands: Record<string, string>, options: { runs?: number; warmup?: number } = {}): Record<string, Stats> {
  const dir = mkdtempSync(join(tmpdir(), 'g8boot-bench-'));
  try {
    const out = join(dir, 'hyperfine.json');
    const names = Object.keys(commands);
    const args = ['--style', 'none', '--warmup', String(options.warmup ?? 3), '--runs', String(options.runs ?? 30), '--export-json', out, '-N'];
    for (const name of names) args.push('--command-name', name, commands[name]!);
    execFileSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const results = (JSON.parse(readFileSync(out, 'utf8')) as { results: { command: string; times: number[] }[] }).results;
    return Object.fromEntries(results.map((r) => [r.command, stats(r.times.map((t) => t * 1000))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak resident memory (KiB) of one run of a command, from GNU time. */
export function peakRssKiB(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): number {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  return Number(lines.at(-1));
}

/** wrk's summary of one run (from the script wrkScript writes). Latencies in ms. */
export interface WrkResult {
  requests: number;
  seconds: number;
  bytes: number;
  /** Connect, read and write errors. */
  socketErrors: number;
  /** Requests that got no response within wrk's --timeout. */
  timeouts: number;
  non2xx: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * A wrk script (written into `dir`) that requests `pathFormat` with a counter cycling through 1,000 values (e.g.
 * `/iso/8056c2e21c%06x`: 1,000 distinct network ids) and prints its summary as JSON for runWrk.
 */
export function wrkScript(dir: string, pathFormat: string): string {
  const file = join(dir, `${pathFormat.replace(/\W/g, '_')}.lua`);
  writeFileSync(
    file,
    `counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", string.format("${pathFormat}", counter % 1000))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON{"requests":%d,"seconds":%f,"bytes":%d,"socketErrors":%d,"timeouts":%d,"non2xx":%d,"p50":%f,"p99":%f,"max":%f}\\n',
    summary.requests, summary.duration / 1e6, summary.bytes, e.connect + e.read + e.write, e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
`,
  );
  return file;
}

/**
 * One wrk run (one thread) in a child process, so this process keeps running (samplers, probers) meanwhile.
 * `timeout` is wrk's --timeout (its default is 2 s).
 */
export function runWrk(url: string, script: string, options: { seconds: number; connections: number; timeout?: string }): Promise<WrkResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, ...(options.timeout ? ['--timeout', options.timeout] : []), '-s', script, url];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      const m = /JSON(\{.*\})/.exec(out);
      return m ? resolve(JSON.parse(m[1]!) as WrkResult) : reject(new Error(out));
    });
  });
}

export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
export const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
