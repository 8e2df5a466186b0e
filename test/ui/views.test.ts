/**
 * Every view of the production renderer in Chromium, over a fake backend (states on demand): screenshots in
 * light and dark, empty and error states, and the node table's behaviour with 1,000 nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_TRAY_ON_GNOME } from '../../main/app/desktop/tray-support.ts';
import { FakeBackend, makeNodes, NWID } from './fake-backend.ts';
import { focusedAttribute, inPage, openApp, startRendererInChromium, type AppPage, type RendererInChromium } from './harness.ts';

let ui: RendererInChromium;

beforeAll(async () => {
  ui = await startRendererInChromium();
});

afterAll(async () => {
  await ui?.close();
});

const open = (backend: FakeBackend, colorScheme: 'light' | 'dark' = 'light') => openApp(ui.browser, { url: ui.url, backend, colorScheme });

/** Open the app, run `body`, and always close; the page must end without errors (CSP violations included). */
async function withApp(backend: FakeBackend, body: (app: AppPage) => Promise<void>, colorScheme: 'light' | 'dark' = 'light'): Promise<void> {
  const app = await open(backend, colorScheme);
  try {
    await body(app);
    expect(app.problems).toEqual([]);
  } finally {
    await app.close();
  }
}

async function goTo(app: AppPage, label: string, heading: string): Promise<void> {
  await app.page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: label }).click();
  await app.page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 5000 });
}

describe('renderer views', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`shows every view (${scheme})`, async () => {
      const backend = new FakeBackend();
      await backend.api.startVm({ hypervisor: 'qemu', netid: NWID });
      await withApp(
        backend,
        async (app) => {
          const { page } = app;
          await page.getByRole('grid', { name: 'Nodes' }).waitFor({ timeout: 5000 });
          // The scheme reaches the page: dark and light backgrounds differ.
          const background = await inPage<string>(page, "getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()");
          expect(background).toBe(scheme === 'dark' ? '#15181e' : '#f6f7f9');
          expect(await page.getByText(/^12 nodes ·/).textContent()).toContain('waiting for authorization');
          await app.screenshot(`nodes-${scheme}`);

          await page.getByRole('row', { name: /g8os-525400100002/ }).click();
          await page.getByRole('complementary', { name: 'g8os-525400100002' }).waitFor({ timeout: 5000 });
          await app.screenshot(`node-details-${scheme}`);

          await goTo(app, 'Connection', 'Connection to ZeroTier');
          await page.getByRole('radio', { name: /g8os-dev/ }).waitFor({ timeout: 5000 });
          await app.screenshot(`connection-${scheme}`);

          await goTo(app, 'Boot media', 'Boot media');
          await page.getByText(`http://10.0.2.2:8088/g8os.ipxe?netid=${NWID}`).waitFor({ timeout: 5000 });
          await app.screenshot(`boot-media-${scheme}`);

          await goTo(app, 'Test VMs', 'Test VMs');
          await page.getByRole('cell', { name: /Running/ }).waitFor({ timeout: 5000 });
          await page.getByRole('button', { name: 'Console of g8boot-test-1' }).click();
          await page.getByRole('log', { name: /g8boot-test-1/ }).getByText('iPXE').waitFor({ timeout: 5000 });
          await app.screenshot(`test-vms-${scheme}`);

          await goTo(app, 'Boot service', 'Boot service');
          expect(await page.getByRole('switch').getAttribute('aria-checked')).toBe('true');
          await page.getByRole('cell', { name: /iPXE script/ }).waitFor({ timeout: 5000 });
          await app.screenshot(`boot-service-${scheme}`);

          await goTo(app, 'Settings', 'Settings');
          await page.getByRole('radio', { name: /Ask me/ }).waitFor({ timeout: 5000 });
          await app.screenshot(`settings-${scheme}`);
        },
        scheme,
      );
    });

    it(`walks the first run (${scheme})`, async () => {
      const backend = new FakeBackend({ firstRun: true, nodes: [] });
      await withApp(
        backend,
        async (app) => {
          const { page } = app;
          await page.getByRole('heading', { level: 1, name: 'Connection to ZeroTier' }).waitFor({ timeout: 5000 });
          // A token is needed before Central can be tested.
          const test = page.getByRole('button', { name: 'Test the connection' });
          expect(await test.isDisabled()).toBe(true);
          await page.getByLabel('API access token', { exact: true }).fill('not-a-real-token');
          await app.screenshot(`first-run-${scheme}`);
          await test.click();
          await page.getByRole('radio', { name: /g8os-dev/ }).check();
          await app.screenshot(`first-run-networks-${scheme}`);
          await page.getByRole('button', { name: 'Connect and watch this network' }).click();
          await page.getByRole('button', { name: 'Join this computer to the network' }).waitFor({ timeout: 5000 });
          expect(backend.state.networkId).toBe(NWID);
        },
        scheme,
      );
    });
  }

  it('says what went wrong and what to do', async () => {
    const backend = new FakeBackend({
      firstRun: true,
      failures: {
        testController: { name: 'G8bootError', code: 'E_ZT_AUTH', message: 'ZeroTier Central refused the token (401).', hint: 'Create a new API access token in ZeroTier Central and paste it here.' },
      },
    });
    await withApp(backend, async (app) => {
      const { page } = app;
      await page.getByLabel('API access token', { exact: true }).fill('wrong');
      await page.getByRole('button', { name: 'Test the connection' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: 5000 });
      expect(await alert.textContent()).toContain('refused the token (401)');
      expect(await alert.textContent()).toContain('Create a new API access token');
      await app.screenshot('error-token-light');
    });
  });

  it('warns when ZeroTier stops answering, when this computer is offline, and when the desktop shows no tray', async () => {
    const backend = new FakeBackend();
    await withApp(backend, async (app) => {
      const { page } = app;
      await page.getByRole('grid', { name: 'Nodes' }).waitFor();
      backend.setState({
        monitor: {
          ...backend.state.monitor!,
          stale: true,
          lastError: { name: 'G8bootError', code: 'E_ZT_UNAVAILABLE', message: 'ZeroTier Central answered 503.', hint: 'Central may be down; g8boot retries by itself.' },
        },
        thisMachine: { ...backend.state.thisMachine!, online: false },
      });
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Showing the last known state: ZeroTier Central answered 503.');
      expect(await alert.textContent()).toContain('Central may be down; g8boot retries by itself.');
      const status = page.getByLabel('Status');
      expect(await status.textContent()).toContain('ZeroTier on this computer is offline');
      expect(await status.textContent()).toContain('ZeroTier is not answering');
      await app.screenshot('error-stale-light');
      // Off the network every node looks unreachable: the status bar says why, and what to run.
      backend.setState({ thisMachine: { ...backend.state.thisMachine!, online: true, network: null } });
      await page.getByText(`is not on network ${backend.state.networkId}`).waitFor();
      expect(await status.textContent()).toContain(`Join it with \`g8boot zt join ${backend.state.networkId} --wait\`.`);
      // A desktop that shows no tray: the dashboard, the app's only face then, says so.
      backend.setState({ desktop: { trayProblem: NO_TRAY_ON_GNOME } });
      await status.getByText('No tray icon on this desktop', { exact: false }).waitFor();
      expect(await status.textContent()).toContain('closing it quits g8boot');
    });
  });

  it('offers a way out when the first load fails', async () => {
    const backend = new FakeBackend({ failures: { getState: { name: 'G8bootError', code: 'E_STORE', message: 'The settings file is damaged.', hint: 'Remove it; g8boot starts afresh.' } } });
    await withApp(backend, async (app) => {
      const { page } = app;
      await page.getByRole('heading', { name: 'g8boot could not start its dashboard' }).waitFor({ timeout: 5000 });
      expect(await page.getByRole('alert').textContent()).toContain('Remove it; g8boot starts afresh.');
      delete backend.failures.getState;
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('grid', { name: 'Nodes' }).waitFor({ timeout: 5000 });
    });
  });

  it('shows empty states that say what to do', async () => {
    const backend = new FakeBackend({ nodes: [], hypervisors: [{ hypervisor: 'qemu', available: false, version: null, acceleration: 'none', problem: 'qemu-system-x86_64 was not found: install QEMU.' }] });
    backend.state = { ...backend.state, bootService: { ...backend.state.bootService, recent: [] } };
    await withApp(backend, async (app) => {
      const { page } = app;
      await page.getByText('No node has joined this network yet').waitFor({ timeout: 5000 });
      await app.screenshot('empty-nodes-light');
      await page.getByRole('button', { name: 'Start a test VM' }).click();
      await page.getByText('No hypervisor to run a test node').waitFor({ timeout: 5000 });
      await page.getByText('qemu-system-x86_64 was not found: install QEMU.').waitFor({ timeout: 5000 });
      await page.getByText('No test VM yet').waitFor({ timeout: 5000 });
      await app.screenshot('empty-vms-light');
      await goTo(app, 'Boot service', 'Boot service');
      await page.getByText('No machine has asked for a boot script yet').waitFor({ timeout: 5000 });
    });
  });

  it('is usable with the keyboard alone', async () => {
    const backend = new FakeBackend();
    await withApp(backend, async (app) => {
      const { page } = app;
      await page.getByRole('grid', { name: 'Nodes' }).waitFor();
      // The views come first in the tab order, with a visible focus ring.
      await page.keyboard.press('Tab');
      expect(await inPage<string>(page, 'document.activeElement.textContent')).toBe('Connection');
      expect(await inPage<string>(page, 'getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      // The new view's heading takes the focus, so a screen reader announces where the person is.
      await page.getByRole('heading', { level: 1, name: 'Boot media' }).waitFor();
      expect(await focusedAttribute(page, 'id')).toBe('view-title');

      // Back up the views (Settings, Boot service, … Nodes) and open one with Space.
      for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+Tab');
      expect(await inPage<string>(page, 'document.activeElement.textContent')).toMatch(/^Nodes/);
      await page.keyboard.press('Space');
      await page.getByRole('heading', { level: 1, name: 'Nodes' }).waitFor();
      // Tab walks into the grid's one tab stop, then that row's buttons.
      await page.locator('[role="row"][data-index="0"]').focus();
      await page.keyboard.press('Tab');
      expect(await inPage<string>(page, 'document.activeElement.getAttribute("aria-label")')).toMatch(/^Copy IP of /);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await inPage<string>(page, 'document.activeElement.getAttribute("aria-label")')).toMatch(/^Rename /);
      await page.keyboard.press('Enter');
      await page.getByRole('dialog').waitFor();
      // Escape cancels the dialog without renaming.
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      expect(app.calls).not.toContain('renameNode');
    });
  });

  it('checks forms before calling main, and saves only what changed', async () => {
    const backend = new FakeBackend();
    const patches = backend.argumentsOf('updateSettings');
    await withApp(backend, async (app) => {
      const { page } = app;
      await goTo(app, 'Boot media', 'Boot media');
      await page.getByLabel('ZeroTier network id').fill('not-a-network');
      await page.getByText('Enter a network id').waitFor();
      await page.getByRole('button', { name: 'Build and save…' }).click();
      expect(await page.getByRole('alert').textContent()).toContain('not-a-network');
      expect(app.calls).not.toContain('buildImage');
      await app.screenshot('error-boot-media-light');

      await goTo(app, 'Settings', 'Settings');
      await page.getByLabel('Check the network every (seconds)').fill('10');
      await page.getByRole('radio', { name: /Authorize, then verify/ }).check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
      expect(patches.at(-1)).toEqual({ pollIntervalSec: 10, policy: 'auto-verify' });
    });
  });

  it('Build image: boot URLs with where each works, loopback refused inline, the LAN only after consent', async () => {
    const backend = new FakeBackend();
    const builds = backend.argumentsOf('buildImage');
    const patches = backend.argumentsOf('updateSettings');
    await withApp(backend, async (app) => {
      const { page } = app;
      await goTo(app, 'Boot media', 'Boot media');
      const urls = page.getByLabel('Boot URLs, tried in order (one per line)');
      // The defaults main computed: a VM on this computer, then this computer's LAN address.
      expect(await urls.inputValue()).toBe('http://10.0.2.2:8088\nhttp://192.168.1.20:8088');
      const places = page.getByRole('list', { name: 'Where each boot URL works' });
      await places.getByText('a VM on this computer (QEMU user networking, VirtualBox NAT)').waitFor();
      await places.getByText("machines on the same LAN (this computer's address there)").waitFor();

      // A loopback URL: said where it works (nowhere else) and refused before main is asked.
      await urls.fill('http://127.0.0.1:8088');
      await places.getByText(/only this computer/).waitFor();
      await page.getByRole('button', { name: 'Build and save…' }).click();
      const alert = page.getByRole('alert');
      expect(await alert.textContent()).toContain('which a booting machine resolves to itself');
      expect(await alert.textContent()).toContain('http://10.0.2.2:8088');
      expect(builds).toEqual([]);
      await app.screenshot('boot-media-loopback-refused-light');

      // A kernel booted directly is fetched by the booting machine too: a loopback kernel URL is refused the same way.
      await page.getByRole('radio', { name: 'A kernel, directly' }).check();
      await page.getByLabel('Kernel URL').fill('http://127.0.0.1:8088/kernel/g8os');
      await page.getByRole('button', { name: 'Build and save…' }).click();
      await page.getByRole('alert').filter({ hasText: 'would never fetch the kernel' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('http://10.0.2.2:8088/kernel/g8os');
      expect(builds).toEqual([]);
      await page.getByRole('radio', { name: 'Chain to a boot URL (the boot service)' }).check();

      // The LAN: the service listens on loopback, so the form asks before opening it, saying what that exposes.
      await urls.fill('http://10.0.2.2:8088\nhttp://192.168.1.20:8088');
      await page.getByRole('button', { name: 'Open the boot service to the LAN…' }).click();
      const ask = page.getByRole('alertdialog', { name: 'Open the boot service to your LAN?' });
      expect(await ask.textContent()).toContain('kernels in g8boot');
      await app.screenshot('boot-media-lan-consent-light');
      await ask.getByRole('button', { name: 'Keep it on this computer' }).click();
      expect(patches.at(-1)).toBeUndefined();
      await page.getByRole('button', { name: 'Open the boot service to the LAN…' }).click();
      await page.getByRole('button', { name: 'Open to the LAN', exact: true }).click();
      await page.getByRole('alertdialog').waitFor({ state: 'detached' });
      expect(patches.at(-1)).toEqual({ bootServiceListen: '0.0.0.0:8088' });

      // Build with both: the request carries the URLs in order.
      await page.getByRole('button', { name: 'Build and save…' }).click();
      await page.locator('.notice-ok').waitFor();
      expect(builds).toEqual([{ netid: expect.any(String), bootUrls: ['http://10.0.2.2:8088', 'http://192.168.1.20:8088'], kind: 'hybrid' }]);
    });
  });

  it('Build image: the saved image boots in a test VM from the same place (the app boots images it built)', async () => {
    const backend = new FakeBackend();
    const starts = backend.argumentsOf('startVm');
    await withApp(backend, async (app) => {
      const { page } = app;
      await goTo(app, 'Boot media', 'Boot media');
      await page.getByRole('button', { name: 'Build and save…' }).click();
      const saved = page.locator('.notice-ok');
      await saved.waitFor();
      const path = (await saved.locator('.notice-title .mono').textContent())!;
      await page.getByRole('button', { name: 'Boot it in a test VM' }).click();
      await page.getByRole('status').filter({ hasText: 'its console is in Test VMs' }).waitFor({ timeout: 5000 });
      // The first usable hypervisor, the image just saved; the network id is read from the image by main.
      expect(starts).toEqual([{ hypervisor: 'qemu', image: path }]);
      await app.screenshot('boot-media-image-booted-light');
    });
  });

  it('says how a VM started when it had to fall back (KVM could not run the guest)', async () => {
    const backend = new FakeBackend();
    backend.startWarnings = ['KVM is present but could not run this guest; restarted with TCG, which is slower.'];
    await withApp(backend, async (app) => {
      const { page } = app;
      await goTo(app, 'Test VMs', 'Test VMs');
      await page.getByLabel('Network id').fill(NWID);
      await page.getByRole('button', { name: 'Start the VM' }).click();
      await page.getByRole('status').filter({ hasText: 'restarted with TCG' }).waitFor({ timeout: 5000 });
      expect(app.calls).toContain('startVm');
    });
  });

  it('keeps the VM console live and stops watching when closed', async () => {
    const backend = new FakeBackend();
    const vm = await backend.api.startVm({ hypervisor: 'qemu', netid: NWID, name: 'console-vm' });
    await withApp(backend, async (app) => {
      const { page } = app;
      await goTo(app, 'Test VMs', 'Test VMs');
      await page.getByRole('button', { name: `Console of ${vm.name}` }).click();
      const log = page.getByRole('log', { name: /console-vm/ });
      await log.getByText('SeaBIOS').waitFor({ timeout: 5000 });
      expect(backend.watched.has(vm.name)).toBe(true);
      backend.emit('vm-console', { name: vm.name, text: 'core0: joined zerotier network\n' });
      backend.emit('vm-console', { name: 'another-vm', text: 'not for this console\n' });
      await log.getByText('core0: joined zerotier network').waitFor({ timeout: 5000 });
      expect(await log.textContent()).not.toContain('not for this console');
      await page.getByRole('button', { name: 'Close the console' }).click();
      await waitUntil(() => !backend.watched.has(vm.name));
      expect(await inPage<number>(page, "__g8bootListenerCount('vm-console')")).toBe(0);
      // Stop, then remove (which asks twice).
      await page.getByRole('button', { name: `Stop ${vm.name}` }).click();
      await page.getByRole('button', { name: `Remove ${vm.name}` }).click();
      await page.getByRole('button', { name: `Remove for good ${vm.name}` }).click();
      await page.getByText('No test VM yet').waitFor({ timeout: 5000 });
    });
  });

  it('says in the console why a VirtualBox VM shows no firmware or iPXE lines', async () => {
    const backend = new FakeBackend();
    const vm = await backend.api.startVm({ hypervisor: 'virtualbox', netid: NWID, name: 'vbox-vm' });
    await withApp(backend, async (app) => {
      const { page } = app;
      await goTo(app, 'Test VMs', 'Test VMs');
      await page.getByRole('button', { name: `Console of ${vm.name}` }).click();
      await page.getByText("VirtualBox's firmware does not copy its screen to the serial port").waitFor({ timeout: 5000 });
    });
  });
});

describe('node table with 1,000 nodes', () => {
  it('renders only the visible rows, filters, sorts, and follows the keyboard', async () => {
    const backend = new FakeBackend({ nodes: makeNodes(1000) });
    await withApp(backend, async (app) => {
      const { page } = app;
      const table = page.getByRole('grid', { name: 'Nodes' });
      await table.waitFor({ timeout: 5000 });
      expect(await table.getAttribute('aria-rowcount')).toBe('1001');
      const rendered = await page.locator('[role="row"][data-index]').count();
      expect(rendered).toBeGreaterThan(5);
      expect(rendered).toBeLessThan(60);

      // Keyboard: Tab reaches the first row; End goes to the last one, which is then rendered and focused.
      await page.locator('[role="row"][data-index="0"]').focus();
      await page.keyboard.press('ArrowDown');
      expect(await focusedAttribute(page, 'data-index')).toBe('1');
      await page.keyboard.press('End');
      await waitUntil(async () => (await focusedAttribute(page, 'data-index')) === '999');
      expect(await focusedAttribute(page, 'aria-rowindex')).toBe('1001');
      await page.keyboard.press('Enter');
      await page.getByRole('complementary').getByRole('heading', { level: 2 }).waitFor({ timeout: 5000 });

      // Filter by text, then by state.
      await page.getByRole('searchbox').fill('g8os-52540010003e');
      await waitUntil(async () => (await page.locator('[role="row"][data-index]').count()) === 1);
      await page.getByRole('searchbox').fill('');
      await page.getByRole('combobox', { name: 'Show' }).selectOption('waiting');
      const waiting = backend.nodes.filter((n) => n.state === 'waiting').length;
      await waitUntil(async () => (await table.getAttribute('aria-rowcount')) === String(waiting + 1));

      // Export what is shown.
      await page.getByRole('combobox', { name: 'Export as' }).selectOption('csv');
      await page.getByRole('button', { name: `Export ${waiting} nodes` }).click();
      await waitUntil(() => backend.exports.length === 1);
      expect(backend.exports[0]).toEqual({ format: 'csv', nodeIds: expect.arrayContaining([backend.nodes.find((n) => n.state === 'waiting')!.nodeId]) });
      expect(backend.exports[0]!.nodeIds).toHaveLength(waiting);

      // Authorize one from its row: the pushed list moves it out of "waiting".
      const first = page.locator('[role="row"][data-index="0"]');
      const name = (await first.getAttribute('data-node-id'))!;
      await first.getByRole('button', { name: /^Authorize / }).click();
      await waitUntil(async () => (await table.getAttribute('aria-rowcount')) === String(waiting));
      expect(backend.nodes.find((n) => n.nodeId === name)?.authorized).toBe(true);

      // Sorting by address puts 10.147.0.2 before 10.147.0.10 (numbers, not text).
      await page.getByRole('combobox', { name: 'Show' }).selectOption('ready');
      await page.getByRole('columnheader', { name: /ZeroTier IP/ }).getByRole('button').click();
      expect(await page.getByRole('columnheader', { name: /ZeroTier IP/ }).getAttribute('aria-sort')).toBe('ascending');
      const ips = await page.locator('[role="row"][data-index] .cell-ip .mono').allTextContents();
      expect(ips.slice(0, 3)).toEqual(['10.147.0.1', '10.147.0.2', '10.147.0.3']);
      expect(app.calls.filter((c) => c === 'listNodes'), app.calls.join()).toHaveLength(1);
    });
  });

  it('copies an IP, renames a node and shows the node a notification points at', async () => {
    const backend = new FakeBackend({ nodes: makeNodes(1000) });
    const copied: string[] = [];
    backend.api.copyText = async (text: string) => {
      copied.push(text);
    };
    await withApp(backend, async (app) => {
      const { page } = app;
      await page.getByRole('grid', { name: 'Nodes' }).waitFor({ timeout: 5000 });
      const row = page.locator('[role="row"][data-index="0"]');
      const nodeId = await row.getAttribute('data-node-id');
      const node = backend.nodes.find((n) => n.nodeId === nodeId)!;
      await row.getByRole('button', { name: /^Copy IP of/ }).click();
      await page.getByRole('status').filter({ hasText: `Copied IP of ${node.name}` }).waitFor({ timeout: 5000 });
      expect(copied).toEqual([node.ip]);

      await row.getByRole('button', { name: `Rename ${node.name}` }).click();
      const dialog = page.getByRole('dialog', { name: `Rename node ${node.nodeId}` });
      await dialog.getByLabel('Name').fill('storage-01');
      await app.screenshot('rename-dialog-light');
      await dialog.getByRole('button', { name: 'Save' }).click();
      // Sorted by name, the renamed node moves far down: find it with the filter.
      await page.getByRole('searchbox').fill('storage-01');
      await page.getByRole('row', { name: /storage-01/ }).waitFor({ timeout: 5000 });
      expect(await dialog.isVisible()).toBe(false);

      // The tray asks to show a node far down the list: the table scrolls to it and opens its details.
      const target = backend.nodes[770]!;
      expect(target.probe?.state).toBe('ready');
      backend.emit('navigate', { view: 'nodes', nodeId: target.nodeId });
      await page.locator(`[role="row"][data-node-id="${target.nodeId}"]`).waitFor({ timeout: 5000 });
      await page.getByRole('complementary', { name: target.name }).waitFor({ timeout: 5000 });

      // Pushed updates reach the visible rows.
      const refused = { ...target.probe!, state: 'refused' as const, latencyMs: null, detail: 'connection refused' };
      backend.setNodes(backend.nodes.map((n) => (n.nodeId === target.nodeId ? { ...n, probe: refused, state: 'degraded' as const } : n)));
      await page.locator(`[role="row"][data-node-id="${target.nodeId}"]`).getByText('Refused').waitFor({ timeout: 5000 });
    });
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
