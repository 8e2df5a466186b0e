/**
 * The image boots, for real: QEMU (TCG) with user networking boots it as a CD and as a disk (USB stick), on
 * SeaBIOS and on OVMF, with the NIC's own iPXE ROM off so only the image's iPXE runs. The test's HTTP server
 * on 127.0.0.1 (the guest's 10.0.2.2) must receive the stage-2 request for the network id; QEMU is stopped
 * the moment it arrives.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startQemu, type Firmware, type Media, type QemuBoot } from '../helpers/qemu.ts';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.ts';
import { testKernelPath } from '../helpers/test-kernel.ts';

const NWID = '1d71939404912b40';
const BOOT_TIMEOUT_MS = 90_000;
let dir: string;
let server: RecordingServer;


beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'g8boot-qemu-boot-'));
  const vmlinuz = testKernelPath();
  server = await startRecordingServer((req, res) => {
    if (req.url === '/vmlinuz') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(vmlinuz).size });
      createReadStream(vmlinuz).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('#!ipxe\necho stage 2 reached\nsleep 600\n');
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function buildImage(name: string, args: string[]): Promise<string> {
  const image = join(dir, name);
  const r = await runCli(['iso', '--netid', NWID, ...args, '-o', image]);
  expect(r.code, r.stderr).toBe(0);
  return image;
}

async function bootUntil(image: string, firmware: Firmware, media: Media, wait: (vm: QemuBoot) => Promise<unknown>, memoryMiB?: number) {
  const vm = startQemu({ image, firmware, media, ...(memoryMiB ? { memoryMiB } : {}) });
  try {
    await wait(vm);
    return vm.serial();
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- serial console ---\n${vm.serial().slice(-3000)}`);
  } finally {
    await vm.stop();
  }
}

describe.each([
  ['bios', 'cd'],
  ['uefi', 'cd'],
  ['bios', 'disk'],
  ['uefi', 'disk'],
] as [Firmware, Media][])('booting the image on %s as a %s', (firmware, media) => {
  it('fetches the stage-2 script for the network id from the boot URL', async () => {
    // A distinct path per boot, so a request from one boot cannot satisfy another's wait.
    const tag = `${firmware}-${media}`;
    const image = await buildImage(`${tag}.iso`, ['--boot-url', `${server.guestUrl}/${tag}`]);
    const started = Date.now();
    await bootUntil(image, firmware, media, () =>
      // 10.0.2.2 is a VM on this computer: stage 1 asks stage 2 for the serial console.
      server.waitFor((r) => r.url === `/${tag}/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`, BOOT_TIMEOUT_MS, `GET /${tag}/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`),
    );
    const request = server.requests.find((r) => r.url.startsWith(`/${tag}/`))!;
    expect(request.method).toBe('GET');
    expect(request.headers['user-agent']).toMatch(/iPXE/);
    process.stderr.write(`boot ${tag}: stage 2 requested after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, BOOT_TIMEOUT_MS + 30_000);
});

describe.each(['bios', 'uefi'] as Firmware[])('inline kernel mode on %s', (firmware) => {
  it('fetches the kernel and boots it with zerotier=<id> on its command line', async () => {
    const image = await buildImage(`inline-${firmware}.iso`, ['--kernel', `${server.guestUrl}/vmlinuz`, '--kernel-args', 'console=ttyS0 panic=-1']);
    const vmStarted = Date.now();
    const serial = await bootUntil(
      image,
      firmware,
      'cd',
      async (vm) => {
        await server.waitFor((r) => r.url === '/vmlinuz' && r.at >= vmStarted, BOOT_TIMEOUT_MS, 'GET /vmlinuz');
        // The kernel prints its command line on the serial console early in boot.
        const deadline = Date.now() + BOOT_TIMEOUT_MS;
        while (!/Kernel command line: .*zerotier=/.test(vm.serial())) {
          if (Date.now() > deadline) throw new Error('the kernel never printed its command line');
          await new Promise((r) => setTimeout(r, 250));
        }
      },
      512,
    );
    expect(serial).toMatch(new RegExp(`Kernel command line: .*zerotier=${NWID} console=ttyS0 panic=-1`));
  }, 2 * BOOT_TIMEOUT_MS);
});
