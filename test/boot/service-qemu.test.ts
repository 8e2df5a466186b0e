/**
 * The whole chain, for real, on SeaBIOS and OVMF: the image comes from the boot service's /iso/<id> (asked for
 * with the Host a QEMU guest would use, 10.0.2.2:PORT) → its stage 1 fetches stage 2 from the service →
 * stage 2 loads a real Linux kernel (Debian's) and a busybox initramfs from /kernel/ → the kernel boots and
 * init prints /proc/cmdline on the serial console, where the test must see zerotier=<id>.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootEvent, BootService } from '../../main/core/boot/service/server.ts';
import { startQemu, type Firmware } from '../helpers/qemu.ts';
import { bootedCommandLine, startTestKernelBootService } from '../helpers/test-boot-service.ts';

const NWID = 'a09acf02337b057b';
const TIMEOUT_MS = 150_000;
let dir: string;
let service: BootService;
let boots: BootEvent[];
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ dir, service, boots, close } = await startTestKernelBootService('g8boot-chain-'));
});

afterAll(async () => {
  await close?.();
});

describe.each(['bios', 'uefi'] as Firmware[])('full boot chain on %s', (firmware) => {
  it('boots the served kernel with zerotier=<id> on its command line', async () => {
    // What a guest that downloaded the image itself would get: stage 1 pointing at 10.0.2.2:PORT.
    const response = await request(`${service.url}/iso/${NWID}/console=ttyS0`, { headers: { host: `10.0.2.2:${service.port}` } });
    expect(response.statusCode).toBe(200);
    const image = join(dir, `${firmware}.iso`);
    writeFileSync(image, Buffer.from(await response.body.arrayBuffer()));

    const from = boots.length;
    const vm = startQemu({ image, firmware, media: 'cd', memoryMiB: 512 });
    try {
      const line = await bootedCommandLine(vm, TIMEOUT_MS);
      expect(line).toMatch(new RegExp(`zerotier=${NWID}( |$)`));
      expect(line).toMatch(/console=ttyS0/);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- serial ---\n${vm.serial().slice(-4000)}`);
    } finally {
      await vm.stop();
    }
    const seen = boots.slice(from).map((e) => `${e.route} ${e.path} ${e.status}`);
    expect(seen).toContain(`script /g8os.ipxe?netid=${NWID}&args=console%3DttyS0&console=ttyS0,115200 200`);
    expect(seen).toContain('kernel /kernel/g8os-test.initrd 200');
    expect(seen).toContain('kernel /kernel/g8os-test 200');
    expect(boots.slice(from).every((e) => /iPXE/.test(e.userAgent))).toBe(true);
  }, TIMEOUT_MS + 30_000);
});
