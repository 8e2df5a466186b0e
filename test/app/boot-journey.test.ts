/**
 * The app's boot journey, as the renderer drives it, for real: switch the boot service on, build an image
 * with the Build image form's defaults (the boot URLs main offers: a VM on this computer, then this
 * computer's LAN addresses), boot that image in QEMU through the app's own `startVm` (the core's
 * `vm up --image`), and watch the VM's serial console: iPXE's lines, stage 2 fetched from the app's boot
 * service, a real Linux kernel whose command line carries zerotier=<id> and the test VM's serial console.
 *
 * Network rule: inside QEMU's user networking 10.0.2.2 is this computer's loopback, so the VM reaches the
 * app's service (listening on 127.0.0.1) there. The LAN addresses are embedded after it but never contacted:
 * stage 1 stops at the first boot URL that answers.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../main/app/service/app-service.ts';
import { defaultKernelDir } from '../../main/core/boot/service/kernels.ts';
import { CMDLINE_MARKER } from '../helpers/initramfs.ts';
import { OVMF_CODE, qemuAvailable } from '../helpers/qemu.ts';
import { installTestKernel } from '../helpers/test-kernel.ts';
import { testAppDeps, type TestDeps } from './deps.ts';

const NWID = 'a09acf02337b0e2e';
const BOOT_TIMEOUT_MS = 180_000;

const FIRMWARES: ('bios' | 'uefi')[] = OVMF_CODE ? ['bios', 'uefi'] : ['bios'];
let deps: TestDeps;
let service: AppService;

beforeAll(async () => {
  deps = await testAppDeps();
  const kernels = defaultKernelDir(deps.env);
  installTestKernel(kernels);
  service = createAppService(deps);
  await service.ready;
});

afterAll(async () => {
  if (service) {
    for (const vm of await service.api.listVms().catch(() => [])) {
      await service.api.stopVm(vm.name).catch(() => undefined);
      await service.api.removeVm(vm.name).catch(() => undefined);
    }
    await service.dispose();
  }
  await deps?.cleanup();
});

describe.skipIf(!qemuAvailable())('build an image with the form defaults and boot it in QEMU through the app', () => {
  it.each(FIRMWARES)('%s: the VM fetches stage 2 from the app and boots the kernel with zerotier=<id>', async (firmware) => {
    // The Boot service switch, then what the Boot media view shows.
    await service.api.updateSettings({ bootServiceListen: '127.0.0.1:0' });
    const on = await service.api.setBootService(true);
    const port = new URL(on.url!).port;
    const { bootService } = await service.api.getState();
    const defaults = bootService.defaultBootUrls;
    expect(defaults[0]).toMatchObject({ url: `http://10.0.2.2:${port}`, reach: 'vm' });
    for (const target of defaults) expect(target.url).not.toMatch(/\/\/(127\.|localhost|0\.0\.0\.0|\[::)/);

    // Build and save… with the form untouched: the request the renderer sends.
    const path = join(deps.home, `journey-${firmware}.iso`);
    deps.saveAnswers.push(path);
    const built = await service.api.buildImage({ netid: NWID, bootUrls: defaults.map((t) => t.url), kind: 'hybrid' });
    expect(built?.path).toBe(path);

    // Boot test node with that image (the network id is read back from it).
    const vm = await service.api.startVm({ hypervisor: 'qemu', image: path, firmware, memoryMiB: 512, name: `journey-${firmware}-${process.pid}` });
    expect(vm).toMatchObject({ netid: NWID, firmware });
    let console = '';
    try {
      const deadline = Date.now() + BOOT_TIMEOUT_MS;
      while (!console.includes(CMDLINE_MARKER)) {
        if (Date.now() > deadline) throw new Error(`no kernel command line on the VM's console after ${BOOT_TIMEOUT_MS} ms`);
        await new Promise((r) => setTimeout(r, 500));
        console = await service.api.readVmConsole(vm.name);
      }
      await new Promise((r) => setTimeout(r, 500));
      console = await service.api.readVmConsole(vm.name);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- console ---\n${console.slice(-4000)}`);
    } finally {
      await service.api.stopVm(vm.name).catch(() => undefined);
      await service.api.removeVm(vm.name).catch(() => undefined);
    }

    // iPXE's own lines: stage 1 says which boot URL it tries, stage 2 what it boots.
    expect(console).toContain(`g8boot: G8OS boot image for ZeroTier network ${NWID}`);
    expect(console).toMatch(new RegExp(`g8boot: boot URL 1 of ${defaults.length} \\(for a VM on this computer\\)`));
    expect(console).toContain(`g8boot: booting G8OS for ZeroTier network ${NWID}`);
    // The kernel's command line: the network id, and the serial console stage 2 adds for a test VM.
    const line = console.split('\n').find((l) => l.includes(CMDLINE_MARKER))!;
    expect(line).toMatch(new RegExp(`zerotier=${NWID}( |$)`));
    expect(line).toContain('console=ttyS0,115200');
    // The app's boot service saw the VM ask for its script, kernel and initramfs.
    const recent = (await service.api.getState()).bootService.recent.filter((e) => e.networkId === NWID || e.route === 'kernel');
    expect(recent.map((e) => `${e.route} ${e.status}`)).toEqual(expect.arrayContaining(['script 200', 'kernel 200']));
    expect(recent.find((e) => e.route === 'script')!.path).toBe(`/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`);
    await service.api.setBootService(false);
  }, BOOT_TIMEOUT_MS + 90_000);
});
