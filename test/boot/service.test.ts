/**
 * The boot service over real HTTP on loopback: every route, Range and 304, traversal attempts, oversized and
 * malformed requests, and a slow client holding a download while scripts keep being served.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBootMediaRequest, planBootMedia } from '../../main/core/boot/boot-media.ts';
import { layoutToBuffer } from '../../main/core/boot/layout.ts';
import { startBootService, type BootEvent, type BootService } from '../../main/core/boot/service/server.ts';
import { loadToolchain, type Toolchain } from '../../main/core/boot/toolchain/load.ts';
import { fakeKernel } from '../helpers/fake-kernel.ts';

const NWID = '8056c2e21c000001';
let dir: string;
let kernels: string;
let toolchain: Toolchain;
let service: BootService;
const events: BootEvent[] = [];
const kernelBytes = fakeKernel(300_000);

async function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET', svc = service) {
  const r = await request(`${svc.url}${path}`, { method, headers });
  const body = Buffer.from(await r.body.arrayBuffer());
  return { status: r.statusCode, headers: r.headers, body, text: body.toString('utf8') };
}

/** Send raw bytes and return what comes back (for requests an HTTP client would refuse to send). */
function raw(payload: string | Buffer, port = service.port): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(out);
    });
    socket.write(payload);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'g8boot-service-'));
  kernels = join(dir, 'kernels');
  mkdirSync(kernels);
  writeFileSync(join(kernels, 'g8os-1.2.efi'), kernelBytes);
  writeFileSync(join(dir, 'secret.txt'), 'outside the kernel directory');
  symlinkSync(join(dir, 'secret.txt'), join(kernels, 'escape'));
  symlinkSync(join(kernels, 'g8os-1.2.efi'), join(kernels, 'alias'));
  writeFileSync(join(kernels, 'half.part'), 'partial download');
  writeFileSync(join(kernels, '.default'), 'g8os-1.2.efi\n');
  toolchain = await loadToolchain();
  service = await startBootService({ host: '127.0.0.1', port: 0, kernelDir: kernels, toolchain });
  service.events.on('boot', (e) => events.push(e));
});

afterAll(async () => {
  await service?.close(0);
  rmSync(dir, { recursive: true, force: true });
});

describe('stage-2 scripts', () => {
  it('both URL forms give the same script: DHCP, words, chain with zerotier=<id>', async () => {
    const q = await get(`/g8os.ipxe?netid=${NWID}&args=development%20debug`);
    const p = await get(`/ipxe/${NWID}/development/debug`);
    expect(q.status).toBe(200);
    expect(q.text).toBe(p.text);
    expect(q.text.startsWith('#!ipxe\n')).toBe(true);
    expect(q.text).toContain(`chain --autofree /kernel/g8os-1.2.efi zerotier=${NWID} development debug || goto g8_chain_failed`);
    expect(q.text).toContain('dhcp net${g8-nic}');
    expect(q.text).toContain(`echo g8boot: booting G8OS for ZeroTier network ${NWID}`);
    expect(q.headers['cache-control']).toBe('no-store');
  });

  it('netid 0 or null boots without zerotier=', async () => {
    for (const id of ['0', 'null']) {
      const r = await get(`/g8os.ipxe?netid=${id}`);
      expect(r.status).toBe(200);
      expect(r.text).not.toContain('zerotier=');
      expect(r.text).toMatch(/chain --autofree \/kernel\/g8os-1\.2\.efi \|\| goto/);
    }
  });

  it('the kernel URL never comes from the Host header: a path iPXE resolves against the script URL, or --public-url', async () => {
    const r = await get(`/ipxe/${NWID}`, { host: 'attacker.example:80' });
    expect(r.text).toContain(`chain --autofree /kernel/g8os-1.2.efi zerotier=${NWID}`);
    expect(r.text).not.toContain('attacker');
    const evil = await get(`/ipxe/${NWID}`, { host: 'x${evil}' });
    expect(evil.text).not.toContain('${evil}');
    const svc = await startBootService({ host: '127.0.0.1', port: 0, kernelDir: kernels, toolchain, publicUrl: 'https://boot.example.org/g8' });
    try {
      const p = await get(`/ipxe/${NWID}`, { host: 'attacker.example:80' }, 'GET', svc);
      expect(p.text).toContain(`chain --autofree https://boot.example.org/g8/kernel/g8os-1.2.efi zerotier=${NWID}`);
    } finally {
      await svc.close(0);
    }
  });

  it('a test VM gets the serial console (&console=), unless its own arguments choose one', async () => {
    const vm = await get(`/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`);
    expect(vm.text).toContain(`chain --autofree /kernel/g8os-1.2.efi zerotier=${NWID} console=ttyS0,115200 ||`);
    const own = await get(`/g8os.ipxe?netid=${NWID}&args=console%3Dtty0&console=ttyS0,115200`);
    expect(own.text).toContain(`zerotier=${NWID} console=tty0 ||`);
    expect(own.text).not.toContain('ttyS0');
    const bad = await get(`/g8os.ipxe?netid=${NWID}&console=${encodeURIComponent('ttyS0 || shell')}`, { 'user-agent': 'iPXE/1.0' });
    expect(bad.status).toBe(400);
    expect(bad.text).not.toMatch(/^chain/m);
  });

  it('bad ids and args: 400, and iPXE clients get a script that shows why and waits', async () => {
    const plain = await get('/g8os.ipxe?netid=123');
    expect(plain.status).toBe(400);
    expect(plain.text).toMatch(/Invalid network id "123": it has 3 digits, not 16/);
    const ipxe = await get('/ipxe/123', { 'user-agent': 'iPXE/1.21.1+git' });
    expect(ipxe.status).toBe(400);
    expect(ipxe.text.startsWith('#!ipxe\n')).toBe(true);
    expect(ipxe.text).toMatch(/echo g8boot: Invalid network id "123"/);
    expect(ipxe.text).toContain('sleep 60');
    expect(ipxe.text).not.toMatch(/^chain/m);
    const injected = await get(`/g8os.ipxe?netid=${NWID}&args=${encodeURIComponent('debug\nchain http://evil/')}`, { 'user-agent': 'iPXE/1.0' });
    expect(injected.status).toBe(400);
    expect(injected.text).not.toMatch(/^chain/m);
    const dollar = await get(`/ipxe/${NWID}/x=\${net0/ip}`, { 'user-agent': 'iPXE/1.0' });
    expect(dollar.status).toBe(400);
    expect(dollar.text).not.toContain('${net0');
    expect((await get('/g8os.ipxe')).status).toBe(400);
  });

  it('503 with an explanation when there is no kernel', async () => {
    const empty = join(dir, 'no-kernels');
    mkdirSync(empty);
    const svc = await startBootService({ host: '127.0.0.1', port: 0, kernelDir: empty, toolchain });
    try {
      const r = await get(`/ipxe/${NWID}`, { 'user-agent': 'iPXE/1.0' }, 'GET', svc);
      expect(r.status).toBe(503);
      expect(r.text).toMatch(/no G8OS kernel yet. Add one with: g8boot kernel add/);
    } finally {
      await svc.close(0);
    }
  });

  it('a remote kernel URL, default args and an initrd beside the kernel', async () => {
    const svc = await startBootService({
      host: '127.0.0.1', port: 0, kernelDir: kernels, toolchain,
      kernelUrl: 'https://bootstrap.example.org/kernel/g8os.efi', kernelArgs: ['console=ttyS0'],
    });
    try {
      const r = await get(`/ipxe/${NWID}/debug`, {}, 'GET', svc);
      expect(r.text).toContain(`chain --autofree https://bootstrap.example.org/kernel/g8os.efi zerotier=${NWID} console=ttyS0 debug ||`);
    } finally {
      await svc.close(0);
    }
    writeFileSync(join(kernels, 'g8os-1.2.efi.initrd'), 'initramfs');
    try {
      const r = await get(`/ipxe/${NWID}`);
      expect(r.text).toContain('initrd /kernel/g8os-1.2.efi.initrd || goto g8_chain_failed');
      expect((await get('/kernel/g8os-1.2.efi.initrd')).text).toBe('initramfs');
    } finally {
      rmSync(join(kernels, 'g8os-1.2.efi.initrd'));
    }
  });
});

describe('images', () => {
  it('/iso/<id> is the image g8boot iso builds for this service (a loopback service: a VM on this computer), named and tagged', async () => {
    const r = await get(`/iso/${NWID}`, { host: `10.0.2.2:${service.port}` });
    expect(r.status).toBe(200);
    const expected = layoutToBuffer(planBootMedia(toolchain, parseBootMediaRequest({ netid: NWID, bootUrls: `http://10.0.2.2:${service.port}` })).layout);
    expect(r.body.equals(expected)).toBe(true);
    expect(r.headers['content-length']).toBe(String(expected.length));
    expect(r.headers['content-disposition']).toBe(`attachment; filename="g8os-${NWID}.iso"`);
    expect(r.headers.etag).toMatch(/^"g8-[0-9a-f]{32}"$/);
    const legacy = await get(`/g8os.iso?netid=${NWID}`, { host: `10.0.2.2:${service.port}` });
    expect(legacy.body.equals(expected)).toBe(true);
    const usb = await get(`/usb/${NWID}`, { host: `10.0.2.2:${service.port}` });
    expect(usb.body.equals(expected)).toBe(true);
    expect(usb.headers['content-disposition']).toBe(`attachment; filename="g8os-${NWID}.img"`);
  });

  it('stage 1 inside never chains to the Host the client sent: to where the service is reachable, or to --public-url', async () => {
    const r = await get(`/iso/${NWID}/development`, { host: 'boot.lab:8088' });
    expect(r.body.includes(Buffer.from('boot.lab'))).toBe(false);
    expect(r.body.includes(Buffer.from(`chain --autofree http://10.0.2.2:${service.port}/g8os.ipxe?netid=${NWID}&args=development&console=ttyS0,115200 ||`))).toBe(true);
    expect(r.body.includes(Buffer.from('127.0.0.1'))).toBe(false);
    await expect(startBootService({ host: '127.0.0.1', port: 0, kernelDir: kernels, toolchain, publicUrl: 'http://localhost:8088' })).rejects.toMatchObject({ code: 'E_LOOPBACK_BOOT_URL' });
    const svc = await startBootService({ host: '127.0.0.1', port: 0, kernelDir: kernels, toolchain, publicUrl: 'https://boot.example.org/g8' });
    try {
      const p = await get(`/iso/${NWID}`, { host: 'ignored:1' }, 'GET', svc);
      expect(p.body.includes(Buffer.from(`chain --autofree https://boot.example.org/g8/g8os.ipxe?netid=${NWID} ||`))).toBe(true);
      // With a public URL, the page offers the bare-metal provider's iPXE URL, labelled so.
      const page = await get(`/?netid=${NWID}`, { host: 'ignored:1' }, 'GET', svc);
      expect(page.text).toContain(`iPXE script URL (bare-metal providers) <span class="where">— works on: any machine that can reach it, bare-metal providers included</span></dt><dd><code>https://boot.example.org/g8/g8os.ipxe?netid=${NWID}</code>`);
      expect(page.text).not.toContain('ignored');
    } finally {
      await svc.close(0);
    }
  });

  it('/efi/<id> is the ESP alone', async () => {
    const r = await get(`/efi/${NWID}`);
    const expected = layoutToBuffer(planBootMedia(toolchain, parseBootMediaRequest({ netid: NWID, bootUrls: `http://10.0.2.2:${service.port}` })).esp);
    expect(r.body.equals(expected)).toBe(true);
    expect(r.headers['content-disposition']).toBe(`attachment; filename="g8os-${NWID}-esp.img"`);
  });

  it('ETag / If-None-Match gives 304; distinct ids get distinct tags', async () => {
    const first = await get(`/iso/${NWID}`);
    const again = await get(`/iso/${NWID}`, { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const other = await get('/iso/8056c2e21c000002', { 'if-none-match': String(first.headers.etag) });
    expect(other.status).toBe(200);
    expect(other.headers.etag).not.toBe(first.headers.etag);
  });

  it('Range requests on images: 206 with the right bytes, 416 past the end, HEAD without a body', async () => {
    const full = await get(`/iso/${NWID}`);
    const mbr = await get(`/iso/${NWID}`, { range: 'bytes=0-511' });
    expect(mbr.status).toBe(206);
    expect(mbr.headers['content-range']).toBe(`bytes 0-511/${full.body.length}`);
    expect(mbr.body.equals(full.body.subarray(0, 512))).toBe(true);
    const tail = await get(`/iso/${NWID}`, { range: 'bytes=-1024' });
    expect(tail.body.equals(full.body.subarray(full.body.length - 1024))).toBe(true);
    const middle = await get(`/iso/${NWID}`, { range: 'bytes=40000-1200000' });
    expect(middle.body.equals(full.body.subarray(40000, 1200001))).toBe(true);
    const past = await get(`/iso/${NWID}`, { range: `bytes=${full.body.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${full.body.length}`);
    const head = await get(`/iso/${NWID}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(full.body.length));
    expect(head.body.length).toBe(0);
  });

  it('bad ids are refused with 400 and no image', async () => {
    const r = await get('/iso/zz', { 'user-agent': 'iPXE/1.0' });
    expect(r.status).toBe(400);
    expect(r.text.startsWith('#!ipxe')).toBe(true);
  });
});

describe('kernels', () => {
  it('serves a kernel with Range and conditional requests', async () => {
    const r = await get('/kernel/g8os-1.2.efi');
    expect(r.status).toBe(200);
    expect(r.body.equals(kernelBytes)).toBe(true);
    expect(r.headers['accept-ranges']).toBe('bytes');
    const part = await get('/kernel/g8os-1.2.efi', { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.body.equals(kernelBytes.subarray(1000, 2000))).toBe(true);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${kernelBytes.length}`);
    expect((await get('/kernel/g8os-1.2.efi', { 'if-none-match': String(r.headers.etag) })).status).toBe(304);
    expect((await get('/kernel/g8os-1.2.efi', { range: 'bytes=999999999-' })).status).toBe(416);
    // A symlink that stays inside the directory is fine.
    expect((await get('/kernel/alias')).body.equals(kernelBytes)).toBe(true);
  });

  it.each([
    '/kernel/..%2Fsecret.txt',
    '/kernel/%2e%2e/secret.txt',
    '/kernel/%2E%2E%2Fsecret.txt',
    '/kernel/..%5csecret.txt',
    '/kernel/escape',
    '/kernel/half.part',
    '/kernel/.default',
    '/kernel/',
    '/kernel/a/b',
    '/kernel/%00',
  ])('refuses %s', async (path) => {
    const r = await get(path);
    expect([400, 404]).toContain(r.status);
    expect(r.text).not.toContain('outside the kernel directory');
  });

  it('normalizes ../ in the raw request line without escaping the directory', async () => {
    const reply = await raw('GET /kernel/../../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 40[04]/);
    expect(reply).not.toContain('outside the kernel directory');
  });
});

describe('the service itself', () => {
  it('/ offers links for a network id, escapes what it echoes, and forbids scripts', async () => {
    const page = await get(`/?netid=${NWID}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.text).toContain(`${service.url}/iso/${NWID}`);
    // Each link says where it works; a loopback service offers the VM's iPXE URL, and no bare-metal link.
    expect(page.text).toContain(`http://10.0.2.2:${service.port}/g8os.ipxe?netid=${NWID}&amp;console=ttyS0,115200`);
    expect(page.text).toContain('works on: a VM on this computer');
    expect(page.text).toContain('No bare-metal provider link');
    expect(page.text).not.toMatch(/iPXE script URL \(bare-metal/);
    expect(page.text).toContain('qemu-system-x86_64');
    const evil = await get(`/?netid=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(evil.status).toBe(400);
    expect(evil.text).not.toContain('<script>');
    expect(evil.text).toContain('&lt;script&gt;');
  });

  it('/healthz and /api/status with counters and recent boots', async () => {
    expect((await get('/healthz')).text).toBe('ok\n');
    await get(`/ipxe/${NWID}`, { 'user-agent': 'iPXE/1.21.1' });
    const status = JSON.parse((await get('/api/status')).text);
    expect(status.kernel.name).toBe('g8os-1.2.efi');
    expect(status.counters.script).toBeGreaterThan(0);
    expect(status.recentBoots[0]).toMatchObject({ route: 'script', networkId: NWID, path: `/ipxe/${NWID}`, userAgent: 'iPXE/1.21.1', status: 200 });
    const event = events.findLast((e) => e.path === `/ipxe/${NWID}`)!;
    expect(event).toMatchObject({ route: 'script', networkId: NWID, remote: '127.0.0.1', userAgent: 'iPXE/1.21.1' });
  });

  it('is read-only: other methods get 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const reply = await raw(`${method} /iso/${NWID} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(reply).toMatch(/^HTTP\/1\.1 405/);
      expect(reply.toLowerCase()).toContain('allow: get, head');
    }
  });

  it('refuses oversized and malformed requests', async () => {
    const bigHeader = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(bigHeader).toMatch(/^HTTP\/1\.1 431/);
    const longUrl = await raw(`GET /ipxe/${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(longUrl).toMatch(/^HTTP\/1\.1 414/);
    const badEncoding = await raw('GET /ipxe/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(badEncoding).toMatch(/^HTTP\/1\.1 400/);
    const garbage = await raw('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    // The service is still fine afterwards.
    expect((await get('/healthz')).status).toBe(200);
  });

  it('keeps serving scripts while slow clients hold image and kernel downloads', async () => {
    // Clients that ask for a download and then read nothing: their sockets fill up and stall.
    const stalled = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        new Promise<import('node:net').Socket>((resolve) => {
          const s = connect(service.port, '127.0.0.1', () => {
            s.write(`GET /${i % 2 ? 'kernel/g8os-1.2.efi' : `iso/${NWID}`} HTTP/1.1\r\nHost: x\r\n\r\n`);
            s.pause();
            setTimeout(() => resolve(s), 100);
          });
        }),
      ),
    );
    try {
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 50 }, () => get(`/g8os.ipxe?netid=${NWID}`)));
      const elapsed = performance.now() - started;
      expect(results.every((r) => r.status === 200 && r.text.includes(`zerotier=${NWID}`))).toBe(true);
      expect(elapsed).toBeLessThan(5000);
    } finally {
      stalled.forEach((s) => s.destroy());
    }
  });

  it('says when the port is taken', async () => {
    await expect(startBootService({ host: '127.0.0.1', port: service.port, kernelDir: kernels, toolchain })).rejects.toThrow(/the port is in use/);
  });
});

describe('shape of what it serves', () => {
  it('images served for two ids differ only where the id matters', async () => {
    const a = (await get('/iso/8056c2e21c000001')).body;
    const b = (await get('/iso/8056c2e21c000002')).body;
    expect(a.length).toBe(b.length);
    let differing = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
    // Script, ESP metadata, volume id, catalog-free: a few hundred bytes of 3 MiB.
    expect(differing).toBeGreaterThan(0);
    expect(differing).toBeLessThan(8192);
    expect(readFileSync(join(toolchain.dir, 'ipxe.lkrn')).length).toBeGreaterThan(0);
  });
});
