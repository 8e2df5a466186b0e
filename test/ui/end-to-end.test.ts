/**
 * The whole app, end to end, with nothing faked on main's side: the production renderer in Chromium, calling the
 * real app service (`createAppService`, through main's own IPC handler `callForIpc`), connected to ZeroTier
 * Central as played by the simulator, with real redis-server processes answering on the addresses the
 * simulator assigns. Walks the first run, joins this computer, watches a node join, authorizes it from the UI,
 * sees it turn ready, builds a boot image from the UI with the form's default boot URLs, boots it in QEMU and
 * sees the VM's iPXE ask the app's boot service for its script.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../main/app/service/app-service.ts';
import { addKernel, defaultKernelDir } from '../../main/core/boot/service/kernels.ts';
import { startSimulator, type Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { testAppDeps, type TestDeps } from '../app/deps.ts';
import { openApp, startRendererInChromium, viaMainIpc, type RendererInChromium, type AppPage } from './harness.ts';
import { startQemu } from '../helpers/qemu.ts';
import { startRedis, type RedisNode } from './redis.ts';
import { fakeKernel } from '../helpers/fake-kernel.ts';

const NWID = '8056c2e21c0e2e01';
/** A port of its own for the "core0" Redis servers, so parallel tests cannot collide with them. */
const REDIS_PORT = 20_000 + Math.floor(Math.random() * 20_000);
const READY_ADDRESS = '127.77.0.21';
const JOINING_ADDRESS = '127.77.0.20';
const SILENT_ADDRESS = '127.77.0.22';

let ui: RendererInChromium;
let sim: Simulator;
let ztHome: string;
let deps: TestDeps;
let service: AppService;
const redis: RedisNode[] = [];

beforeAll(async () => {
  ui = await startRendererInChromium();
  sim = await startSimulator({
    addressDelayMs: 300,
    configDelayMs: 300,
    networks: [{ id: NWID, name: 'g8os-e2e', description: 'end-to-end test network', subnet: '127.77.0.0/24', pool: { start: '127.77.0.10', end: '127.77.0.250' } }],
    nodes: [
      { name: 'g8os-5254000e2e21', address: READY_ADDRESS, authorized: true },
      // Authorized, with an address where nothing listens: "refused".
      { name: 'g8os-5254000e2e22', address: SILENT_ADDRESS, authorized: true },
    ],
  });
  ztHome = await mkdtemp(join(tmpdir(), 'g8boot-e2e-zt-'));
  await sim.writeZeroTierHome(ztHome);
  redis.push(await startRedis(READY_ADDRESS, REDIS_PORT), await startRedis(JOINING_ADDRESS, REDIS_PORT));

  deps = await testAppDeps();
  // This computer's ZeroTier One is the simulator's local service.
  deps.env.ZEROTIER_HOME = ztHome;
  // A G8OS kernel for the boot service to chain to (its bytes do not matter here: nothing boots it).
  const kernelFile = join(deps.home, 'g8os-test.efi');
  await writeFile(kernelFile, fakeKernel(4096));
  await addKernel({ dir: defaultKernelDir(deps.env), source: kernelFile, makeDefault: true });
  service = createAppService(deps);
  await service.ready;
  await service.api.updateSettings({ pollIntervalSec: 5, redisPort: REDIS_PORT, bootServiceListen: '127.0.0.1:0', bootServiceAutoStart: false });
});

afterAll(async () => {
  await ui?.close();
  await service?.dispose();
  await Promise.all(redis.map((r) => r.stop()));
  await sim?.close();
  await deps?.cleanup();
  if (ztHome) await rm(ztHome, { recursive: true, force: true });
});

function rowOf(app: AppPage, name: string) {
  return app.page.getByRole('row', { name: new RegExp(name) });
}

describe('g8boot end to end', () => {
  it('first run, a node joins and turns ready, a boot image is built and boots', { timeout: 200_000 }, async () => {
    const app = await openApp(ui.browser, {
      url: ui.url,
      backend: viaMainIpc(service),
    });
    try {
      const { page } = app;

      // First run: connect to "Central" (the simulator) with a token and its address.
      await page.getByRole('heading', { level: 1, name: 'Connection to ZeroTier' }).waitFor();
      await page.getByLabel('API access token', { exact: true }).fill(sim.token);
      await page.getByText('Another Central address').click();
      await page.getByLabel('API base URL').fill(sim.centralBase);
      await app.screenshot('e2e-first-run-light');
      await page.getByRole('button', { name: 'Test the connection' }).click();
      await page.getByRole('radio', { name: /g8os-e2e/ }).check();
      await page.getByRole('button', { name: 'Connect and watch this network' }).click();

      // Join this computer and follow ZeroTier's states in words.
      await page.getByRole('button', { name: 'Join this computer to the network' }).click();
      const joinStatus = page.locator('.this-machine [role="status"]');
      await joinStatus.filter({ hasText: 'waiting for authorization' }).waitFor({ timeout: 15_000 });
      expect(await joinStatus.textContent()).toContain('ACCESS_DENIED');
      await app.screenshot('e2e-join-waiting-light');
      await page.getByRole('button', { name: 'Authorize this computer' }).click();
      await joinStatus.filter({ hasText: /ready.*127\.77\.0\./ }).waitFor({ timeout: 15_000 });
      expect(await page.getByRole('list', { name: 'Join progress' }).textContent()).toContain('Address assigned (done)');
      await app.screenshot('e2e-joined-light');

      // The nodes: the one with a Redis is ready, the silent one refuses.
      await page.getByRole('button', { name: 'Show the nodes' }).click();
      await rowOf(app, 'g8os-5254000e2e21').getByText(/Ready · /).waitFor({ timeout: 15_000 });
      await rowOf(app, 'g8os-5254000e2e22').getByText('Refused').waitFor({ timeout: 15_000 });

      // A G8OS node boots and asks to join.
      sim.addNode({ name: 'g8os-5254000e2e20', address: JOINING_ADDRESS });
      const joining = rowOf(app, 'g8os-5254000e2e20');
      await joining.getByText('Waiting for authorization').waitFor({ timeout: 15_000 });
      await page.getByRole('button', { name: 'Authorize all waiting (1)' }).waitFor();
      await app.screenshot('e2e-node-waiting-light');

      // Authorize it from its row; it gets its address and its Redis answers.
      await joining.getByRole('button', { name: 'Authorize g8os-5254000e2e20' }).click();
      await joining.getByText(/Ready · /).waitFor({ timeout: 25_000 });
      expect(await joining.textContent()).toContain(JOINING_ADDRESS);
      expect(sim.population.member(NWID, (await joining.getAttribute('data-node-id'))!)?.authorized).toBe(true);
      await app.screenshot('e2e-node-ready-light');

      // The boot service, switched on from its view.
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Boot service' }).click();
      await page.getByRole('switch').click();
      await page.getByRole('switch', { checked: true }).waitFor({ timeout: 10_000 });
      const serviceUrl = (await service.api.getState()).bootService.url;
      expect(serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);

      // Build an image from Boot media: the save dialog answers a temp path, the file is a hybrid ISO.
      const imagePath = join(deps.home, 'e2e.iso');
      deps.saveAnswers.push(imagePath);
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Boot media' }).click();
      expect(await page.getByLabel('ZeroTier network id').inputValue()).toBe(NWID);
      // The form's defaults: a VM on this computer first, then this computer's LAN addresses; never loopback.
      const port = new URL(serviceUrl!).port;
      const defaults = (await page.getByLabel('Boot URLs, tried in order (one per line)').inputValue()).split('\n');
      expect(defaults[0]).toBe(`http://10.0.2.2:${port}`);
      for (const url of defaults) expect(url).not.toMatch(/\/\/(127\.|localhost|0\.0\.0\.0|\[::)/);
      await page.getByRole('list', { name: 'Where each boot URL works' }).getByText('a VM on this computer').waitFor();
      await page.getByRole('button', { name: 'Build and save…' }).click();
      const saved = page.locator('.notice-ok');
      await saved.waitFor({ timeout: 30_000 });
      expect(await saved.textContent()).toContain(imagePath);
      const image = await readFile(imagePath);
      expect(image.subarray(0x8001, 0x8006).toString('latin1')).toBe('CD001');
      expect(await saved.textContent()).toContain(createHash('sha256').update(image).digest('hex'));
      await app.screenshot('e2e-image-built-light');

      // The Boot URLs panel offers the VM's iPXE URL (10.0.2.2), never the service's loopback address.
      const ipxeUrl = (await page.locator('.link-row', { hasText: 'iPXE script URL' }).locator('code').textContent())!;
      expect(ipxeUrl.startsWith(`http://10.0.2.2:${port}/g8os.ipxe?netid=${NWID}`)).toBe(true);

      // The image boots in QEMU (SeaBIOS): its iPXE reaches the app's boot service at 10.0.2.2 (this computer's
      // loopback inside QEMU's user networking) and the request shows in Boot service with iPXE's own user agent.
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Boot service' }).click();
      const vm = startQemu({ image: imagePath, firmware: 'bios', media: 'cd', memoryMiB: 256 });
      try {
        await page.getByRole('cell', { name: /^iPXE\// }).first().waitFor({ timeout: 90_000 });
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- serial ---\n${vm.serial().slice(-3000)}`);
      } finally {
        await vm.stop();
      }
      const asked = (await service.api.getState()).bootService.recent.find((e) => e.route === 'script' && /iPXE\//.test(e.userAgent));
      expect(asked).toMatchObject({ networkId: NWID, path: `/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`, status: 200 });
      await app.screenshot('e2e-boot-request-light');

      // The same live data in dark.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Nodes' }).click();
      await rowOf(app, 'g8os-5254000e2e20').waitFor();
      await app.screenshot('e2e-nodes-dark');

      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('works out of the box with the demo network', { timeout: 90_000 }, async () => {
    const demoDeps = await testAppDeps();
    const demo = createAppService(demoDeps);
    const app = await openApp(ui.browser, {
      url: ui.url,
      backend: viaMainIpc(demo),
    });
    try {
      await demo.ready;
      // The demo's stand-in core0 answers on the port the monitor probes: one of this test's own.
      await demo.api.updateSettings({ pollIntervalSec: 5, redisPort: REDIS_PORT + 1, bootServiceAutoStart: false });
      const { page } = app;
      await page.getByRole('radio', { name: /Demo network/ }).check();
      await page.getByRole('button', { name: 'Start the demo' }).click();
      // Its one network is chosen already.
      await page.getByRole('radio', { name: /g8boot-demo/, checked: true }).waitFor({ timeout: 10_000 });
      await page.getByRole('button', { name: 'Connect and watch this network' }).click();
      await page.getByRole('button', { name: 'Show the nodes' }).click();
      const grid = page.getByRole('grid', { name: 'Nodes' });
      await grid.getByText(/Ready · /).first().waitFor({ timeout: 20_000 });
      const waiting = page.getByRole('row', { name: /Waiting for authorization/ }).first();
      const nodeId = (await waiting.getAttribute('data-node-id'))!;
      await waiting.getByRole('button', { name: /^Authorize / }).click();
      await page.locator(`[role="row"][data-node-id="${nodeId}"]`).getByText(/Ready · /).waitFor({ timeout: 25_000 });
      await app.screenshot('e2e-demo-nodes-light');
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
      await demo.dispose();
      await demoDeps.cleanup();
    }
  });
});
