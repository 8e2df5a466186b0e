/**
 * One rule for output paths (`iso -o`, `export -o`), walked through the built CLI: only a regular file is
 * replaced; devices, FIFOs, directories and links to them are refused with exit 2 and left as they were; path
 * problems are found before any work; `-o -` streams and a closed pipe ends quietly; bad input creates nothing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.ts';

const NWID = '8056c2e21c000001';
const ISO = ['iso', '--netid', NWID, '--boot-url', 'http://10.0.2.2:8088'];
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'g8boot-out-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fresh(name: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  return d;
}

describe('iso -o refuses anything but a regular file (exit 2, nothing changed)', () => {
  it('a character device', async () => {
    const d = fresh('chr');
    const device = join(d, 'null');
    execFileSync('mknod', [device, 'c', '1', '3']);
    const r = await runCli([...ISO, '-o', device]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/character device/);
    expect(r.stderr).toMatch(/g8boot burn/);
    expect(statSync(device).isCharacterDevice()).toBe(true);
    expect(readdirSync(d)).toEqual(['null']);
  });

  it('a FIFO', async () => {
    const d = fresh('fifo');
    const fifo = join(d, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli([...ISO, '-o', fifo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/named pipe/);
    expect(r.stderr).toMatch(/-o -/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(d)).toEqual(['pipe']);
  });

  it('a directory', async () => {
    const d = fresh('dir');
    const r = await runCli([...ISO, '-o', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a directory/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('a symbolic link to a device (and to /dev/null itself)', async () => {
    const d = fresh('link');
    const device = join(d, 'dev');
    execFileSync('mknod', [device, 'c', '1', '3']);
    symlinkSync(device, join(d, 'to-dev'));
    symlinkSync('/dev/null', join(d, 'to-null'));
    for (const link of ['to-dev', 'to-null']) {
      const r = await runCli([...ISO, '-o', join(d, link)]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/symbolic link to something that is not a regular file/);
      expect(r.stderr).toMatch(/g8boot burn/);
      expect(lstatSync(join(d, link)).isSymbolicLink()).toBe(true);
    }
    expect(statSync(device).isCharacterDevice()).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['dev', 'to-dev', 'to-null']);
  });

  it('a symbolic link to a directory, and one to nothing', async () => {
    const d = fresh('link2');
    mkdirSync(join(d, 'sub'));
    symlinkSync(join(d, 'sub'), join(d, 'to-dir'));
    symlinkSync(join(d, 'gone'), join(d, 'dangling'));
    expect((await runCli([...ISO, '-o', join(d, 'to-dir')])).code).toBe(2);
    const dangling = await runCli([...ISO, '-o', join(d, 'dangling')]);
    expect(dangling.code).toBe(2);
    expect(dangling.stderr).toMatch(/link to nothing/);
    expect(readdirSync(join(d, 'sub'))).toEqual([]);
    expect(existsSync(join(d, 'gone'))).toBe(false);
  });

  it('a symbolic link to a regular file: the file is replaced, the link stays', async () => {
    const d = fresh('link3');
    writeFileSync(join(d, 'old.iso'), 'old');
    symlinkSync(join(d, 'old.iso'), join(d, 'current.iso'));
    const r = await runCli([...ISO, '-o', join(d, 'current.iso')]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(d, 'current.iso')).isSymbolicLink()).toBe(true);
    expect(statSync(join(d, 'old.iso')).size).toBeGreaterThan(1_000_000);
    expect(readdirSync(d).sort()).toEqual(['current.iso', 'old.iso']);
  });
});

describe('iso -o: path problems are bad input (exit 2) with a message, not an errno', () => {
  it('a name longer than the filesystem allows', async () => {
    const r = await runCli([...ISO, '-o', join(dir, `${'x'.repeat(300)}.iso`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name is too long/);
    expect(r.stderr).not.toMatch(/unexpected error/);
  });

  it('a path through a file (ENOTDIR)', async () => {
    const d = fresh('notdir');
    writeFileSync(join(d, 'file'), 'x');
    const r = await runCli([...ISO, '-o', join(d, 'file', 'g8os.iso')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a file, not a directory|is not a directory/);
    expect(readFileSync(join(d, 'file'), 'utf8')).toBe('x');
  });

  it('a read-only filesystem', async () => {
    const d = fresh('ro');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', d]);
    try {
      const r = await runCli([...ISO, '-o', join(d, 'g8os.iso')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/read-only/);
    } finally {
      execFileSync('umount', [d]);
    }
  });
});

describe('iso -o - streams to standard output', () => {
  it('ends quietly when the reader goes away (iso -o - | head)', async () => {
    const script = `"${process.execPath}" "${BIN}" ${ISO.join(' ')} -o - 2>"$ERR" | head -c 1000 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const errFile = join(dir, 'epipe.err');
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ERR: errFile } });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(stdout));
    });
    expect(readFileSync(errFile, 'utf8')).toBe('');
    // The status of a Unix writer whose reader went away (128 + SIGPIPE), as `yes | head` gives.
    expect(out.trim()).toBe('141');
  });
});

describe('export -o checks the path before the sweep', () => {
  let central: Server;
  let requests = 0;
  beforeAll(async () => {
    central = createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => central.listen(0, '127.0.0.1', r));
  });
  afterAll(() => central.close());

  const env = (home: string) => ({
    G8BOOT_HOME: home,
    ZEROTIER_CENTRAL_URL: `http://127.0.0.1:${(central.address() as AddressInfo).port}/api/v1`,
    ZEROTIER_CENTRAL_TOKEN: 'token-for-a-test',
    ZEROTIER_HOME: join(home, 'no-zerotier'),
  });

  it.each([
    ['a missing directory', (d: string) => join(d, 'missing', 'nodes.csv'), /does not exist/],
    ['a directory', (d: string) => d, /is a directory/],
    ['a path through a file', (d: string) => (writeFileSync(join(d, 'f'), ''), join(d, 'f', 'nodes.csv')), /not a directory/],
    ['a character device', (d: string) => (execFileSync('mknod', [join(d, 'null'), 'c', '1', '3']), join(d, 'null')), /character device/],
    ['a too long name', (d: string) => join(d, `${'n'.repeat(300)}.csv`), /too long/],
  ])('%s: exit 2, no request to the controller, no inventory written', async (_what, target, message) => {
    const home = mkdtempSync(join(dir, 'home-'));
    const out = mkdtempSync(join(dir, 'export-'));
    requests = 0;
    const r = await runCli(['export', NWID, '--format', 'csv', '-o', target(out)], { env: env(home) });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(requests).toBe(0);
    expect(existsSync(join(home, 'data', 'nodes.json'))).toBe(false);
    // The hints are about an export, not a boot image: no `g8boot burn`, no `.iso`.
    expect(r.stderr).not.toMatch(/burn|\.iso/);
  });

  it('the hints name an export file: a directory gets <dir>/nodes.csv, a device gets "-o -"', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const out = mkdtempSync(join(dir, 'export-'));
    const r = await runCli(['export', NWID, '--format', 'csv', '-o', out], { env: env(home) });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`-o ${out}/nodes.csv`);
    symlinkSync('/dev/null', join(out, 'to-null'));
    const d = await runCli(['export', NWID, '--format', 'json', '-o', join(out, 'to-null')], { env: env(home) });
    expect(d.code, d.stderr).toBe(2);
    expect(d.stderr).toMatch(/-o - for standard output/);
    expect(d.stderr).not.toMatch(/burn/);
  });
});

describe('kernel commands: bad input creates nothing', () => {
  it('kernel add of a missing file does not create the kernel directory', async () => {
    const kdir = join(dir, 'kernels-missing');
    const r = await runCli(['kernel', 'add', join(dir, 'nonexistent.efi'), '--kernel-dir', kdir]);
    expect(r.code).toBe(2);
    expect(existsSync(kdir)).toBe(false);
  });

  it('kernel ls with a file as the kernel directory is bad input (exit 2)', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const kernelDir of [file, join(file, 'sub')]) {
      const r = await runCli(['kernel', 'ls', '--kernel-dir', kernelDir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Cannot use .* as the kernel directory/);
      expect(r.stderr).not.toMatch(/unexpected error/);
    }
  });
});
