/**
 * HTTP details of the boot service that clients rely on: If-Range (a resumed download never splices two
 * versions of a file), suffix ranges per RFC 9110, and the kernel-argument length limit exactly as documented.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_KERNEL_ARGS_LENGTH } from '../../main/common/validate.ts';
import { startBootService, type BootService } from '../../main/core/boot/service/server.ts';
import { loadToolchain } from '../../main/core/boot/toolchain/load.ts';
import { fakeKernel } from '../helpers/fake-kernel.ts';

const NWID = '8056c2e21c000001';
let dir: string;
let service: BootService;
const v1 = fakeKernel(100_000, 3);
const v2 = fakeKernel(100_000, 5);

async function get(path: string, headers: Record<string, string> = {}) {
  const r = await request(`${service.url}${path}`, { headers });
  const body = Buffer.from(await r.body.arrayBuffer());
  return { status: r.statusCode, headers: r.headers, body };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'g8boot-http-'));
  mkdirSync(join(dir, 'kernels'));
  writeFileSync(join(dir, 'kernels', 'g8os.efi'), v1);
  service = await startBootService({ host: '127.0.0.1', port: 0, kernelDir: join(dir, 'kernels'), toolchain: await loadToolchain() });
});
afterAll(async () => {
  await service.close(0);
  rmSync(dir, { recursive: true, force: true });
});

describe('If-Range', () => {
  it('resumes while the kernel is the same, and sends the whole new kernel once it changed', async () => {
    const first = await get('/kernel/g8os.efi', { range: 'bytes=0-999' });
    expect(first.status).toBe(206);
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    for (const validator of [etag, lastModified]) {
      const resumed = await get('/kernel/g8os.efi', { range: 'bytes=1000-', 'if-range': validator });
      expect(resumed.status).toBe(206);
      expect(Buffer.concat([first.body, resumed.body]).equals(v1)).toBe(true);
    }
    // The kernel is replaced between the two halves of a download.
    writeFileSync(join(dir, 'kernels', 'g8os.efi'), v2);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'kernels', 'g8os.efi'), later, later);
    for (const validator of [etag, lastModified]) {
      const resumed = await get('/kernel/g8os.efi', { range: 'bytes=1000-', 'if-range': validator });
      expect(resumed.status).toBe(200);
      expect(resumed.body.equals(v2)).toBe(true);
    }
    // A weak tag never matches (RFC 9110: If-Range needs a strong comparison).
    const weak = await get('/kernel/g8os.efi', { range: 'bytes=0-9', 'if-range': `W/${etag}` });
    expect(weak.status).toBe(200);
  });

  it('applies to images too', async () => {
    const whole = await get(`/iso/${NWID}`);
    const etag = String(whole.headers.etag);
    expect((await get(`/iso/${NWID}`, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    expect((await get(`/iso/${NWID}`, { range: 'bytes=0-9', 'if-range': '"g8-stale"' })).status).toBe(200);
  });
});

describe('suffix ranges (RFC 9110 §14.1.2)', () => {
  it('a suffix longer than the body means the whole body', async () => {
    writeFileSync(join(dir, 'kernels', 'small.efi'), fakeKernel(4096));
    const r = await get('/kernel/small.efi', { range: 'bytes=-10000' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 0-4095/4096');
    expect(r.body.equals(fakeKernel(4096))).toBe(true);
    const tail = await get('/kernel/small.efi', { range: 'bytes=-96' });
    expect(tail.headers['content-range']).toBe('bytes 4000-4095/4096');
    expect((await get('/kernel/small.efi', { range: 'bytes=-0' })).status).toBe(416);
  });
});

describe('the kernel-argument length limit', () => {
  it(`is ${MAX_KERNEL_ARGS_LENGTH} characters exactly, in ?args= and in the path`, async () => {
    const exact = 'a'.repeat(MAX_KERNEL_ARGS_LENGTH);
    const over = 'a'.repeat(MAX_KERNEL_ARGS_LENGTH + 1);
    expect((await get(`/g8os.ipxe?netid=${NWID}&args=${exact}`)).status).toBe(200);
    expect((await get(`/g8os.ipxe?netid=${NWID}&args=${over}`)).status).toBe(400);
    expect((await get(`/ipxe/${NWID}/${exact}`)).status).toBe(200);
    expect((await get(`/ipxe/${NWID}/${over}`)).status).toBe(400);
  });
});
