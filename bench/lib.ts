/**
 * Shared benchmark helpers: timing statistics, whole-command timing with hyperfine (process start
 * included), peak memory of a child process with GNU time, and a side-by-side table.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
export const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
