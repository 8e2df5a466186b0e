/**
 * Write to USB stick… in the app, end to end, with nothing faked on main's side: the production renderer in
 * Chromium calls the real app service through main's own IPC handler (`callForIpc`); the drive list is the real
 * listing of this machine plus a loop device standing in for a stick (named in G8BOOT_BURN_DEVICES, as a person
 * without a stick would), attached while the dialog is open: it must appear. The person picks it, confirms with
 * its name and size, follows the progress, and sees it verified; the loop device then holds exactly the boot
 * image for the request, and the tray's model shows the write while it runs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callForIpc } from '../../main/app/ipc/handlers.ts';
import { createAppService, type AppService } from '../../main/app/service/app-service.ts';
import { trayModel } from '../../main/app/tray/tray-model.ts';
import type { BurnStatusView } from '../../main/common/burn.ts';
import { testAppDeps, type TestDeps } from '../app/deps.ts';
import { parseBootMediaRequest, planBootMedia } from '../../main/core/boot/boot-media.ts';
import { layoutToBuffer } from '../../main/core/boot/layout.ts';
import { loadToolchain } from '../../main/core/boot/toolchain/load.ts';
import { createLoopDevice, loopDevicesAvailable, type LoopDevice } from '../helpers/loop-device.ts';
import { openApp, startRendererInChromium, viaMainIpc, type RendererInChromium } from './harness.ts';

const NWID = '8056c2e21c0e2e77';
const BOOT_URL = 'http://192.0.2.10:8088';

let ui: RendererInChromium;
let deps: TestDeps;
let service: AppService;
let stick: LoopDevice | undefined;

describe.skipIf(!loopDevicesAvailable())('Write to USB stick… (Chromium, real main-process handlers, a loop device)', () => {
  beforeAll(async () => {
    ui = await startRendererInChromium();
    deps = await testAppDeps();
    service = createAppService(deps);
    await service.ready;
    await service.api.connect({ kind: 'demo' });
    await service.api.updateSettings({ bootServiceAutoStart: false });
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await service?.dispose();
    await deps?.cleanup();
    stick?.detach();
  });

  it('a stick plugged in while the dialog is open appears; confirmed by name and size, written, verified', { timeout: 120_000 }, async () => {
    const app = await openApp(ui.browser, { url: ui.url, backend: viaMainIpc(service) });
    const statuses: BurnStatusView[] = [];
    const trayLabels: string[] = [];
    const stop = service.on('burn-progress', (status) => {
      statuses.push(status);
      // What the tray shows at this moment (the app's own state, as the shell reads it).
      void service.api.getState().then((state) => {
        const item = trayModel({ state, nodes: [], hypervisors: [], startAtLogin: false }).menu.find((m) => m.kind === 'label' && m.label.startsWith('Loop device:'));
        if (item && item.kind === 'label') trayLabels.push(item.label);
      });
    });
    try {
      const { page } = app;
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Boot media' }).click();
      await page.getByLabel('ZeroTier network id').fill(NWID);
      await page.getByLabel('Boot URLs, tried in order (one per line)').fill(BOOT_URL);
      await page.getByRole('button', { name: 'Write to USB stick…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Write to a USB stick' });
      await dialog.waitFor();
      // This machine has no stick: the list says so, and its own disks are hidden with the reason.
      await dialog.getByText('No USB stick or SD card found. Plug one in: it appears here.').waitFor();
      expect(await dialog.getByRole('radio').count()).toBe(0);

      // "Plug in" a stick while the dialog is open.
      stick = createLoopDevice(48 << 20, 'ui-stick');
      deps.env.G8BOOT_BURN_DEVICES = stick.device;
      const option = dialog.getByRole('radio', { name: new RegExp(`Loop device · 50.3 MB · LOOP \\(${stick.device}\\)`) });
      await option.waitFor({ timeout: 10_000 });
      await app.screenshot('write-stick-pick-light');
      await option.check();
      await dialog.getByRole('button', { name: 'Write…' }).click();
      await dialog.getByText(`Erase Loop device, 50.3 MB (${stick.device}) and write the boot image to it?`).waitFor();
      await app.screenshot('write-stick-confirm-light');
      await dialog.getByRole('button', { name: 'Erase and write Loop device' }).click();

      const verified = dialog.getByRole('status').filter({ hasText: 'Written and verified' });
      await verified.waitFor({ timeout: 60_000 });
      expect(await verified.textContent()).toContain(`Loop device, 50.3 MB (${stick.device})`);
      await app.screenshot('write-stick-verified-light');

      // The stick holds exactly the image the core builds for the same request (what `g8boot iso` writes to a file).
      const expected = layoutToBuffer(planBootMedia(await loadToolchain(undefined), parseBootMediaRequest({ netid: NWID, bootUrls: [BOOT_URL] })).layout);
      expect(readFileSync(stick.file).subarray(0, expected.length).equals(expected)).toBe(true);
      expect(expected.subarray(0x8001, 0x8006).toString('latin1')).toBe('CD001');
      expect(await verified.textContent()).toContain(createHash('sha256').update(expected).digest('hex'));

      // Progress went out step by step, and the tray showed it while it ran.
      const steps = [...new Set(statuses.map((s) => s.progress.step))];
      expect(steps).toEqual(expect.arrayContaining(['prepare', 'write', 'verify']));
      expect(statuses.at(-1)).toMatchObject({ state: 'verified', device: stick.device });
      expect(trayLabels.some((label) => /^Loop device: (Preparing|Unmounting|Opening|Writing|Verifying|Syncing)/.test(label))).toBe(true);
      expect((await service.api.getState()).burn?.state).toBe('verified');

      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect(app.problems).toEqual([]);
    } finally {
      stop();
      await app.close();
    }
  });

  it('refuses a loop device the person did not name, and a system disk, whatever the page sends', async () => {
    const r1 = await callForIpc(service.api, 'burnImage', [{ netid: NWID, bootUrls: [BOOT_URL], device: '/dev/loop0' === stick?.device ? '/dev/loop1' : '/dev/loop0' }]);
    expect(r1.ok).toBe(false);
    const rootDisk = (await service.api.listDrives()).find((d) => d.hiddenBecause?.startsWith('system disk'));
    if (rootDisk) {
      const r2 = await callForIpc(service.api, 'burnImage', [{ netid: NWID, bootUrls: [BOOT_URL], device: rootDisk.device }]);
      expect(r2).toMatchObject({ ok: false, error: { code: 'E_DRIVE_REFUSED' } });
    }
  });
});
