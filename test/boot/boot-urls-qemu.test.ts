/**
 * One image, several boot URLs, for real: `g8boot iso` (the built CLI) with two boot URLs whose first has
 * nothing listening; QEMU (SeaBIOS) boots it, stage 1 says it is moving on, fetches stage 2 from the second,
 * and a real Linux kernel boots with zerotier=<id>. Both URLs are 10.0.2.2, this computer's loopback as QEMU's
 * user networking shows it, so no traffic leaves the machine.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootEvent, BootService } from '../../main/core/boot/service/server.ts';
import { runCli } from '../helpers/cli.ts';
import { qemuAvailable, startQemu } from '../helpers/qemu.ts';
import { bootedCommandLine, startTestKernelBootService } from '../helpers/test-boot-service.ts';

const NWID = 'a09acf02337b0d0d';
const TIMEOUT_MS = 150_000;
let dir: string;
let service: BootService;
let boots: BootEvent[];
let close: (() => Promise<void>) | undefined;

/** A loopback port with nothing listening on it (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  ({ dir, service, boots, close } = await startTestKernelBootService('g8boot-two-urls-'));
});

afterAll(async () => {
  await close?.();
});

describe.skipIf(!qemuAvailable())('an image with two boot URLs', () => {
  it('boots from the second when the first is dead, saying so on the console', async () => {
    const dead = `http://10.0.2.2:${await deadPort()}`;
    const live = `http://10.0.2.2:${service.port}`;
    const image = join(dir, 'two.iso');
    const built = await runCli(['iso', '--netid', NWID, '--boot-url', dead, '--boot-url', live, '-o', image]);
    expect(built.code).toBe(0);
    expect(built.stderr).toContain(`1. ${dead}/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`);
    expect(built.stderr).toContain(`2. ${live}/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`);

    // SeaBIOS's serial console (etc/sercon-port = 0x3f8, COM1), as g8boot's own QEMU VMs get it: iPXE's lines reach the log.
    const sercon = join(dir, 'sercon-port');
    writeFileSync(sercon, Buffer.from([0xf8, 0x03]));
    const vm = startQemu({ image, firmware: 'bios', media: 'cd', memoryMiB: 512, extraArgs: ['-fw_cfg', `name=etc/sercon-port,file=${sercon}`] });
    try {
      const line = await bootedCommandLine(vm, TIMEOUT_MS);
      const serial = vm.serial();
      expect(line).toMatch(new RegExp(`zerotier=${NWID}( |$)`));
      expect(line).toContain('console=ttyS0,115200');
      // Stage 1 said which boot URL it tried and why it moved on.
      // (SeaBIOS mirrors an 80-column screen: long lines wrap, so only their starts are compared.)
      expect(serial).toContain(`g8boot: boot URL 1 of 2 (for a VM on this computer): ${dead}/`);
      expect(serial).toContain('g8boot: boot URL 1 of 2 failed (see above); trying the next one');
      expect(serial).toContain(`g8boot: boot URL 2 of 2 (for a VM on this computer): ${live}/`);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- serial ---\n${vm.serial().slice(-4000)}`);
    } finally {
      await vm.stop();
    }
    // The live service was asked for the script, by iPXE, after the dead one failed.
    const scripts = boots.filter((e) => e.route === 'script' && e.networkId === NWID);
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatchObject({ path: `/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`, status: 200, userAgent: expect.stringMatching(/iPXE/) });
  }, TIMEOUT_MS + 30_000);
});
