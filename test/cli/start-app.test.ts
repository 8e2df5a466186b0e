/**
 * `npm start`'s launcher (scripts/start-app.mjs): where Electron's binary cannot be fetched it says so in one
 * paragraph, points to what runs without it, and exits 3 without a stack trace; with a binary it runs the app
 * with it and keeps its exit code. The download is pointed at a closed port on loopback: nothing leaves this machine.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

const LAUNCHER = join(ROOT, 'scripts', 'start-app.mjs');
const dir = mkdtempSync(join(tmpdir(), 'g8boot-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const electronPresent = existsSync(join(ROOT, 'node_modules', 'electron', 'path.txt'));

function start(env: Record<string, string>) {
  const base = { ...process.env };
  delete base.ELECTRON_OVERRIDE_DIST_PATH;
  return spawnSync(process.execPath, [LAUNCHER], { cwd: ROOT, env: { ...base, electron_config_cache: join(dir, 'cache'), ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('npm start', () => {
  it.skipIf(electronPresent)("without Electron's binary: one paragraph on what runs without it, exit 3, no stack trace", () => {
    const run = start({ ELECTRON_MIRROR: 'http://127.0.0.1:1/' });
    expect(run.status).toBe(3);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe("g8boot: downloading Electron's binary (once)...");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^g8boot: the tray app needs Electron's binary, which could not be downloaded/);
    for (const pointer of ['`npx g8boot demo`', '`npx g8boot serve`', '`npx g8boot --help`', '`npm start` again']) expect(lines[1]).toContain(pointer);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stdout).toBe('');
  });

  it('with a binary: runs the app (this checkout) with it and keeps its exit code', () => {
    const fake = join(dir, 'dist');
    rmSync(fake, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', fake]);
    writeFileSync(join(fake, 'electron'), '#!/bin/sh\necho "electron $*"\nexit 7\n');
    chmodSync(join(fake, 'electron'), 0o755);
    const run = start({ ELECTRON_OVERRIDE_DIST_PATH: fake });
    expect(run.stdout.trim()).toBe(`electron ${resolve(ROOT)}`);
    expect(run.status).toBe(7);
  });
});
