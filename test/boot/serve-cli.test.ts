/** `g8boot serve` and `g8boot kernel …` through the built CLI, as people and scripts run them. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.ts';
import { fakeKernel } from '../helpers/fake-kernel.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'g8boot-serve-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startServe(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, G8BOOT_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 10_000);
    child.stderr.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

describe('g8boot serve', () => {
  it('serves on loopback, logs boot requests, and exits 0 on SIGTERM', async () => {
    const kernels = join(dir, 'k1');
    (await import('node:fs')).mkdirSync(kernels);
    writeFileSync(join(kernels, 'g8os.efi'), fakeKernel(4096));
    const serve = startServe(['--listen', '127.0.0.1:0', '--kernel-dir', kernels, '--kernel-args', 'development']);
    const url = await serve.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await request(`${url}/ipxe/8056c2e21c000001`, { headers: { 'user-agent': 'iPXE/1.21.1' } });
    const script = await r.body.text();
    // The kernel is a path iPXE resolves against the script URL: no Host header is trusted for it.
    expect(script).toContain("chain --autofree /kernel/g8os.efi zerotier=8056c2e21c000001 development ||");
    expect(serve.output().stderr).toMatch(/Loopback only/);
    await new Promise((r) => setTimeout(r, 100));
    expect(serve.output().stderr).toMatch(/127\.0\.0\.1 script 8056c2e21c000001 200 iPXE\/1\.21\.1/);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.output().stderr).toMatch(/SIGTERM: stopping/);
  });

  it('prints JSON lines with --json and says so when it serves beyond this machine', async () => {
    const serve = startServe(['--listen', '0.0.0.0:0', '--json', '--kernel-url', 'http://example.org/k']);
    const url = await serve.url;
    const port = new URL(url).port;
    await (await request(`http://127.0.0.1:${port}/g8os.ipxe?netid=0`)).body.text();
    await new Promise((r) => setTimeout(r, 100));
    expect(serve.output().stderr).toMatch(/Serving beyond this machine \(0\.0\.0\.0\)/);
    const event = JSON.parse(serve.output().stdout.trim().split('\n')[0]!);
    expect(event).toMatchObject({ route: 'script', networkId: null, status: 200, path: '/g8os.ipxe?netid=0' });
    // Beyond loopback the images never chain to the Host a client sends (issue #15): asked through loopback,
    // the image chains to a VM on this computer and this computer's LAN addresses.
    expect(serve.output().stderr).toContain('never the Host a client sends');
    const iso = Buffer.from(await (await request(`http://127.0.0.1:${port}/iso/8056c2e21c000001`, { headers: { host: 'attacker.example:80' } })).body.arrayBuffer());
    expect(iso.includes(Buffer.from('attacker'))).toBe(false);
    expect(iso.includes(Buffer.from(`chain --autofree http://10.0.2.2:${port}/g8os.ipxe?netid=8056c2e21c000001&console=ttyS0,115200 ||`))).toBe(true);
    expect(iso.includes(Buffer.from('127.0.0.1'))).toBe(false);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('--help says its default port and shows examples, the loopback one first', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(default: "127.0.0.1:8088")');
    const examples = r.stdout.split('Examples:\n')[1]!.split('\n').filter((l) => l.trim());
    expect(examples[0]).toMatch(/^ {2}g8boot serve +# VMs on this computer: .*http:\/\/10\.0\.2\.2:8088$/);
    expect(examples.slice(1).every((l) => !/8080/.test(l))).toBe(true);
  });

  it.each([['http://127.0.0.1:8088'], ['http://localhost:8088'], ['http://0.0.0.0:8088']])('refuses --public-url %s (only this computer reaches it) with exit code 2', async (url) => {
    const r = await runCli(['serve', '--public-url', url], { env: { G8BOOT_HOME: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/which a booting machine resolves to itself/);
  });

  it.each([['http://127.0.0.1:8088/kernel/g8os'], ['http://localhost/g8os.efi'], ['http://[::1]/g8os']])('refuses --kernel-url %s (nodes fetch it themselves) with exit code 2', async (url) => {
    const r = await runCli(['serve', '--kernel-url', url], { env: { G8BOOT_HOME: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kernel URL .* which the booting machine resolves to itself/);
    expect(r.stderr).toMatch(/g8boot kernel add/);
  });

  it.each([['nonsense'], ['127.0.0.1:99999'], ['[::1:8088'], ['127.0.0.1:']])('refuses --listen %s with exit code 2', async (listen) => {
    const r = await runCli(['serve', '--listen', listen], { env: { G8BOOT_HOME: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Invalid listen address/);
  });
});

describe('g8boot kernel', () => {
  const payload = fakeKernel(2_000_000, 31);
  const sha = createHash('sha256').update(payload).digest('hex');

  it('adds from a file, lists, sets the default and removes', async () => {
    const kdir = join(dir, 'k2');
    const src = join(dir, 'g8os-a.efi');
    writeFileSync(src, payload);
    const added = await runCli(['kernel', 'add', src, '--kernel-dir', kdir, '--json']);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'g8os-a.efi', bytes: payload.length, sha256: sha, isDefault: true });
    writeFileSync(join(dir, 'b.efi'), fakeKernel(1024));
    expect((await runCli(['kernel', 'add', join(dir, 'b.efi'), '--name', 'g8os-b.efi', '--kernel-dir', kdir])).code).toBe(0);
    expect((await runCli(['kernel', 'default', 'g8os-a.efi', '--kernel-dir', kdir])).code).toBe(0);
    const ls = JSON.parse((await runCli(['kernel', 'ls', '--kernel-dir', kdir, '--json'])).stdout) as { name: string; isDefault: boolean }[];
    expect(ls.map((k) => [k.name, k.isDefault])).toEqual([['g8os-a.efi', true], ['g8os-b.efi', false]]);
    expect((await runCli(['kernel', 'rm', 'g8os-a.efi', '--kernel-dir', kdir])).code).toBe(0);
    expect(readdirSync(kdir).filter((f) => !f.startsWith('.'))).toEqual(['g8os-b.efi']);
    const bad = await runCli(['kernel', 'add', src, '--name', '../evil', '--kernel-dir', kdir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid kernel name/);
  });

  it('refuses empty files and files that are no kernel, with the reason, and never makes one the default', async () => {
    const kdir = join(dir, 'k-bad');
    const cases: [string, Buffer | string, RegExp][] = [
      ['empty.efi', '', /the file is empty/],
      ['page.efi', '<!DOCTYPE html><html><body>Not found</body></html>', /HTML page/],
      ['tarball.efi', Buffer.alloc(8192, 0x41), /neither a Linux bzImage .* nor an EFI executable/],
    ];
    for (const [name, bytes, reason] of cases) {
      writeFileSync(join(dir, name), bytes);
      const r = await runCli(['kernel', 'add', join(dir, name), '--default', '--kernel-dir', kdir]);
      expect(r.code, name).toBe(2);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toMatch(/not a kernel/);
      expect(existsSync(kdir), 'nothing created').toBe(false);
    }
    // A file put in the directory by hand is listed with its problem and never chosen, even when newest.
    expect((await runCli(['kernel', 'add', join(dir, 'g8os-a.efi'), '--kernel-dir', kdir])).code).toBe(0);
    writeFileSync(join(kdir, 'zz-newest.efi'), '');
    const ls = JSON.parse((await runCli(['kernel', 'ls', '--kernel-dir', kdir, '--json'])).stdout) as { name: string; isDefault: boolean; problem: string | null }[];
    expect(ls.map((k) => [k.name, k.isDefault, k.problem])).toEqual([['g8os-a.efi', true, null], ['zz-newest.efi', false, 'the file is empty']]);
    const def = await runCli(['kernel', 'default', 'zz-newest.efi', '--kernel-dir', kdir]);
    expect(def.code).toBe(2);
    expect(def.stderr).toMatch(/the file is empty/);
  });

  it('refuses a download that is no kernel and keeps nothing of it', async () => {
    const kdir = join(dir, 'k-bad-url');
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>captive portal</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/g8os.efi`;
      const r = await runCli(['kernel', 'add', url, '--kernel-dir', kdir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/HTML page/);
      expect(readdirSync(kdir)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('downloads from a URL, resumes after an interruption, and checks the SHA256', async () => {
    const kdir = join(dir, 'k3');
    let attempts = 0;
    const ranges: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      attempts++;
      ranges.push(req.headers.range);
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (m) {
        const from = Number(m[1]);
        res.writeHead(206, { 'content-length': payload.length - from, 'content-range': `bytes ${from}-${payload.length - 1}/${payload.length}` });
        res.end(payload.subarray(from));
        return;
      }
      // First attempt: send half, then cut the connection.
      res.writeHead(200, { 'content-length': payload.length });
      res.write(payload.subarray(0, 1_000_000), () => setTimeout(() => res.destroy(), 50));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases/g8os-1.3.efi`;
    try {
      const first = await runCli(['kernel', 'add', url, '--kernel-dir', kdir]);
      expect(first.code).toBe(1);
      expect(first.stderr).toMatch(/stopped at|ended at/);
      expect(first.stderr).toMatch(/resumes where it stopped/);
      expect(existsSync(join(kdir, 'g8os-1.3.efi'))).toBe(false);
      const wrong = await runCli(['kernel', 'add', url, '--kernel-dir', kdir, '--sha256', '0'.repeat(64)]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(new RegExp(`SHA256 is ${sha}`));
      expect(existsSync(join(kdir, 'g8os-1.3.efi'))).toBe(false);
      // The mismatch threw the partial download away; cut it again and then resume.
      const cut = await runCli(['kernel', 'add', url, '--kernel-dir', kdir]);
      expect(cut.code).toBe(1);
      const second = await runCli(['kernel', 'add', url, '--kernel-dir', kdir, '--sha256', sha, '--json']);
      expect(second.code, second.stderr).toBe(0);
      const result = JSON.parse(second.stdout);
      expect(result).toMatchObject({ name: 'g8os-1.3.efi', sha256: sha });
      expect(result.resumedFrom).toBeGreaterThan(0);
      expect(ranges.at(-1)).toBe(`bytes=${result.resumedFrom}-`);
      expect(readFileSync(join(kdir, 'g8os-1.3.efi')).equals(payload)).toBe(true);
      expect(attempts).toBeGreaterThanOrEqual(4);
    } finally {
      server.close();
    }
  });

  it('follows redirects to the real file', async () => {
    const kdir = join(dir, 'k4');
    const server = createServer((req, res) => {
      if (req.url === '/latest') {
        res.writeHead(302, { location: '/releases/g8os-2.0.efi' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': payload.length });
      res.end(payload);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/latest`;
      const r = await runCli(['kernel', 'add', url, '--name', 'g8os-latest.efi', '--kernel-dir', kdir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ name: 'g8os-latest.efi', sha256: sha, bytes: payload.length });
    } finally {
      server.close();
    }
  });
});
