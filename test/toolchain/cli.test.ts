/**
 * The toolchain commands through the built CLI (dist/cli.mjs via bin/g8boot.mjs, built by
 * test/global-setup.ts), as npm scripts and people run them.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildArchive, buildDeb, serveArchive, tempDir, type ArchiveServer, type FixtureDeb } from './fixture-archive.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let work: string;
let debs: FixtureDeb[];
let server: ArchiveServer;

beforeAll(async () => {
  work = tempDir('cli');
  debs = [buildDeb(work, 'ipxe'), buildDeb(work, 'isolinux'), buildDeb(work, 'syslinux-common', { compression: 'gzip' })];
  server = await serveArchive(buildArchive(debs));
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a script with node, asynchronously: the fixture mirror lives in this process and must keep serving. */
function runNode(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: repo,
      env: { ...process.env, G8BOOT_TOOLCHAIN_DIR: undefined, G8BOOT_DEBIAN_MIRROR: undefined, G8BOOT_CACHE_DIR: undefined, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function scene() {
  const root = tempDir('cli-scene');
  roots.push(root);
  const env = {
    G8BOOT_TOOLCHAIN_DIR: join(root, 'toolchain'),
    G8BOOT_DEBIAN_MIRROR: server.mirror,
    G8BOOT_CACHE_DIR: join(root, 'cache'),
  };
  return { root, env, g8boot: (...args: string[]) => runNode(['bin/g8boot.mjs', ...args], env) };
}

describe('g8boot toolchain (built CLI)', () => {
  it('status --json reports a missing toolchain with exit code 3', async () => {
    const s = scene();
    const run = await s.g8boot('toolchain', 'status', '--json');
    expect(run.code).toBe(3);
    const status = JSON.parse(run.stdout);
    expect(status).toMatchObject({ dir: s.env.G8BOOT_TOOLCHAIN_DIR, ok: false, error: { code: 'E_TOOLCHAIN_MISSING' } });
    expect(status.error.hint).toContain('npm run toolchain');
  });

  it('fetch --if-missing fetches once, then returns without using the network', async () => {
    const s = scene();
    const first = await s.g8boot('toolchain', 'fetch', '--if-missing');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`Fetched the iPXE toolchain into ${s.env.G8BOOT_TOOLCHAIN_DIR}`);
    for (const deb of debs) expect(first.stderr).toMatch(new RegExp(`${deb.name} +${deb.version.replace(/[.+]/g, '\\$&')}`));
    expect(existsSync(join(s.env.G8BOOT_TOOLCHAIN_DIR, 'licenses', 'ipxe.copyright'))).toBe(true);

    const seen = server.requests.length;
    const second = await s.g8boot('toolchain', 'fetch', '--if-missing', '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'present', dir: s.env.G8BOOT_TOOLCHAIN_DIR });
    expect(server.requests.length).toBe(seen);

    const status = await s.g8boot('toolchain', 'status', '--json');
    expect(status.code).toBe(0);
    const json = JSON.parse(status.stdout);
    expect(json).toMatchObject({ ok: true, mirror: server.mirror, suite: 'trixie', error: null });
    expect(json.packages.map((p: { name: string; version: string }) => `${p.name} ${p.version}`)).toEqual(debs.map((d) => `${d.name} ${d.version}`));
    expect(json.files.every((f: { ok: boolean }) => f.ok)).toBe(true);

    const again = await s.g8boot('toolchain', 'fetch', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'up-to-date' });

    // A damaged file: status names it and the command to run, with exit code 3; --if-missing repairs it.
    writeFileSync(join(s.env.G8BOOT_TOOLCHAIN_DIR, 'ldlinux.c32'), 'damaged');
    const damaged = await s.g8boot('toolchain', 'status');
    expect(damaged.code).toBe(3);
    expect(damaged.stdout).toMatch(/ldlinux\.c32 +7 bytes, manifest\.json says/);
    expect(damaged.stderr).toContain(join(s.env.G8BOOT_TOOLCHAIN_DIR, 'ldlinux.c32'));
    expect(damaged.stderr).toContain('npm run toolchain');
    const repaired = await s.g8boot('toolchain', 'fetch', '--if-missing', '--json');
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(JSON.parse(repaired.stdout)).toMatchObject({ status: 'fetched' });
    expect(readFileSync(join(s.env.G8BOOT_TOOLCHAIN_DIR, 'ldlinux.c32')).equals(debs[2]!.files['usr/lib/syslinux/modules/bios/ldlinux.c32']!)).toBe(true);
  });

  it('rejects bad input with exit code 2', async () => {
    const s = scene();
    const badMirror = await s.g8boot('toolchain', 'fetch', '--mirror', 'not a url');
    expect(badMirror.code).toBe(2);
    expect(badMirror.stderr).toMatch(/Debian mirror URL/);
    const both = await s.g8boot('toolchain', 'fetch', '--force', '--if-missing');
    expect(both.code).toBe(2);
    expect(existsSync(s.env.G8BOOT_TOOLCHAIN_DIR)).toBe(false);
  });

  it('fails with exit code 1, naming the mirror, when the mirror cannot be reached', async () => {
    const s = scene();
    const run = await runNode(['bin/g8boot.mjs', 'toolchain', 'fetch'], { ...s.env, G8BOOT_DEBIAN_MIRROR: 'http://127.0.0.1:1/debian' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the Debian mirror http://127.0.0.1:1/debian');
    expect(run.stderr).toContain('--mirror URL or G8BOOT_DEBIAN_MIRROR');
  });

  it('stops on Ctrl-C with exit code 130, leaving nothing behind', async () => {
    const s = scene();
    const stalling = await serveArchive(buildArchive(debs), { stallAfter: { path: debs[0]!.filename, bytes: 100 } });
    try {
      const child = spawn(process.execPath, ['bin/g8boot.mjs', 'toolchain', 'fetch'], {
        cwd: repo,
        env: { ...process.env, ...s.env, G8BOOT_DEBIAN_MIRROR: stalling.mirror },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.on('close', done));
      while (!stalling.requests.includes(debs[0]!.filename)) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain(`interrupted; ${s.env.G8BOOT_TOOLCHAIN_DIR} was left as it was`);
      expect(readdirSync(s.root).sort()).toEqual(['cache']);
    } finally {
      await stalling.close();
    }
  });

  it('finds resources/toolchain of the project from the bundle in dist/', async () => {
    const run = await runNode(['bin/g8boot.mjs', 'toolchain', 'status', '--json'], {});
    expect(JSON.parse(run.stdout).dir).toBe(join(repo, 'resources', 'toolchain'));
  });
});
