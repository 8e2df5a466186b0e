/**
 * Write to USB stick… as the renderer drives it, through main's own IPC handler (`callForIpc`) into the real app
 * service, on a loop device standing in for a stick (named in G8BOOT_BURN_DEVICES): a second write asked for while
 * the first is still being prepared (a double click on "Erase and write") is refused as busy, and never writes the
 * same drive a second time; a cancel asked for while the image is still being prepared stops the write before a
 * byte reaches the drive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { callForIpc } from '../../main/app/ipc/handlers.ts';
import { createAppService, type AppService } from '../../main/app/service/app-service.ts';
import type { BurnStatusView } from '../../main/common/burn.ts';
import { testAppDeps, type TestDeps } from './deps.ts';
import { createLoopDevice, loopDevicesAvailable, type LoopDevice } from '../helpers/loop-device.ts';

const NWID = '8056c2e21c0e2e77';
const BOOT_URL = 'http://192.0.2.10:8088';
let deps: TestDeps;
let service: AppService;
const sticks: LoopDevice[] = [];

describe.skipIf(!loopDevicesAvailable())('Write to USB stick… through IPC (real app service, a loop device)', () => {
  beforeAll(async () => {
    deps = await testAppDeps();
    service = createAppService(deps);
    await service.ready;
  }, 60_000);

  afterAll(async () => {
    await service?.dispose();
    await deps?.cleanup();
    for (const stick of sticks) stick.detach();
  });

  it('one write at a time: a second request sent at once is refused as busy, the first is verified', { timeout: 60_000 }, async () => {
    const stick = createLoopDevice(16 << 20, 'ipc-stick');
    sticks.push(stick);
    deps.env.G8BOOT_BURN_DEVICES = stick.device;
    const statuses: BurnStatusView[] = [];
    const stop = service.on('burn-progress', (status) => void statuses.push(status));
    try {
      const request = { netid: NWID, bootUrls: [BOOT_URL], device: stick.device };
      const [first, second] = await Promise.all([callForIpc(service.api, 'burnImage', [request]), callForIpc(service.api, 'burnImage', [request])]);
      expect(first).toMatchObject({ ok: true });
      expect(second).toMatchObject({ ok: false, error: { code: 'E_BURN_BUSY' } });
      // One write went out, and the app's state says it was verified (not failed by a second writer's clash).
      expect(statuses.filter((s) => s.progress.step === 'prepare')).toHaveLength(1);
      expect((await service.api.getState()).burn).toMatchObject({ state: 'verified', device: stick.device });
    } finally {
      stop();
    }
  });

  it('a cancel sent while the image is being prepared stops the write before anything is written', { timeout: 60_000 }, async () => {
    const stick = createLoopDevice(16 << 20, 'ipc-cancel');
    sticks.push(stick);
    deps.env.G8BOOT_BURN_DEVICES = stick.device;
    const writing = callForIpc(service.api, 'burnImage', [{ netid: NWID, bootUrls: [BOOT_URL], device: stick.device }]);
    const cancelled = await callForIpc(service.api, 'cancelBurn', []);
    expect(cancelled).toMatchObject({ ok: true });
    expect(await writing).toMatchObject({ ok: false, error: { code: 'E_BURN_CANCELLED' } });
    expect((await service.api.getState()).burn).toMatchObject({ state: 'cancelled', device: stick.device });
    expect(readFileSync(stick.file).every((b) => b === 0)).toBe(true);
  });
});
