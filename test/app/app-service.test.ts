/**
 * The app service end to end in Node, on real parts: the ZeroTier simulator over HTTP (Central API and this
 * machine's service), a real redis-server as a ready node's core0, conf stores in a temporary G8BOOT_HOME, the
 * real boot service and image builder. Only Electron's own modules are stand-ins (testAppDeps).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type NotificationModel } from '../../main/app/notifications/notifier.ts';
import { createAppService, type AppService } from '../../main/app/service/app-service.ts';
import { openToken } from '../../main/app/service/secrets.ts';
import { runTrayCommand } from '../../main/app/tray/tray-commands.ts';
import { trayModel } from '../../main/app/tray/tray-model.ts';
import type { G8bootEvent, G8bootEvents } from '../../main/common/ipc.ts';
import type { MonitorEvent, NodeRecord } from '../../main/common/nodes.ts';
import { defaultHost } from '../../main/core/vm/index.ts';
import { startRedis } from '../nodes/peers.ts';
import { FAKES } from '../vm/helpers.ts';
import { rejection, testSimulator } from '../zerotier/helpers.ts';
import { fakeCipher, testAppDeps, type TestDeps } from './deps.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof testAppDeps>[0] = {}): Promise<{ service: AppService; deps: TestDeps; events: [G8bootEvent, unknown][] }> {
  const deps = await testAppDeps(options);
  if (!options.home) cleanups.push(deps.cleanup);
  const service = createAppService(deps);
  cleanups.push(() => service.dispose());
  const events: [G8bootEvent, unknown][] = [];
  for (const event of ['state', 'nodes', 'monitor-event', 'boot-event', 'build-progress', 'navigate'] as const) service.on(event, (payload) => events.push([event, payload]));
  await service.ready;
  return { service, deps, events };
}

/** The next event `event` for which `match` holds (bounded). */
function next<E extends G8bootEvent>(service: AppService, event: E, match: (payload: G8bootEvents[E]) => boolean, timeoutMs = 10_000): Promise<G8bootEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = service.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Poll `check` until it returns a value (bounded). */
async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const settingsFile = async (deps: TestDeps) => JSON.parse(await readFile(join(deps.home, 'config', 'settings.json'), 'utf8')) as Record<string, any>;

describe('connecting to ZeroTier Central', () => {
  it('keeps the token encrypted at rest, out of state, events and logs, and reconnects after a restart', async () => {
    const sim = await testSimulator({ nodes: [{ authorized: true }] });
    const { service, deps, events } = await start();
    expect((await service.api.getState()).firstRun).toBe(true);

    const state = await service.api.connect({ kind: 'central', token: sim.token, url: sim.centralBase });
    expect(state).toMatchObject({ firstRun: false, controller: { kind: 'central', endpoint: sim.centralBase }, networkId: sim.networkIds[0], secretStorage: 'os' });
    await next(service, 'monitor-event', (e) => e.type === 'sweep');

    const saved = await settingsFile(deps);
    expect(saved.controller).toEqual({ kind: 'central', url: sim.centralBase, tokenCiphertext: expect.any(String) });
    expect(openToken(deps.secrets, saved.controller.tokenCiphertext)).toBe(sim.token);
    const everything = [JSON.stringify(saved), JSON.stringify(state), JSON.stringify(events), deps.logLines.join('\n'), await readFile(join(deps.home, 'data', 'nodes.json'), 'utf8').catch(() => '')];
    for (const text of everything) expect(text).not.toContain(sim.token);

    await service.dispose();
    const again = await start({ home: deps.home });
    expect((await again.service.api.getState()).controller).toEqual({ kind: 'central', endpoint: sim.centralBase });
    expect((await again.service.api.listNetworks()).map((n) => n.id)).toEqual(sim.networkIds);
  });

  it('refuses to store the token when the system has no encrypted storage, and warns about the plain-text fallback', async () => {
    const sim = await testSimulator();
    const none = await start({ cipher: fakeCipher({ available: false }) });
    expect((await none.service.api.getState()).secretStorage).toBe('unavailable');
    const error = await rejection(none.service.api.connect({ kind: 'central', token: sim.token, url: sim.centralBase }));
    expect(error).toMatchObject({ code: 'E_SECRET_STORAGE_UNAVAILABLE', hint: expect.stringContaining('keyring') });
    expect((await settingsFile(none.deps).catch(() => ({}) as Record<string, any>)).controller).toBeUndefined();
    expect(sim.requests).toHaveLength(0);

    const basic = await start({ cipher: fakeCipher({ backend: 'basic_text' }) });
    expect((await basic.service.api.connect({ kind: 'central', token: sim.token, url: sim.centralBase })).secretStorage).toBe('basic-text');
  });

  it('reports a rejected token and saves nothing', async () => {
    const sim = await testSimulator();
    const { service, deps } = await start();
    const error = await rejection(service.api.connect({ kind: 'central', token: 'wrong-token', url: sim.centralBase }));
    expect(error.code).toMatch(/^E_ZT_/);
    expect(error.message).not.toContain('wrong-token');
    expect((await settingsFile(deps).catch(() => ({}) as Record<string, any>)).controller).toBeUndefined();
    expect((await service.api.getState()).controller).toBeNull();
    expect(await rejection(service.api.listNetworks())).toMatchObject({ code: 'E_NOT_CONNECTED' });
  });
});

describe('nodes through the app', () => {
  it('shows a joining node, authorizes it from the tray, and reports it ready when core0 answers', async () => {
    const redis = await startRedis({ address: '127.87.1.2' });
    cleanups.push(() => redis.close());
    const sim = await testSimulator();
    const { service, deps } = await start({ platform: 'darwin' });
    const shown: NotificationModel[] = [];
    const notifier = createNotifier({ show: (n) => shown.push(n), actions: true, batchWindowMs: 50 });
    service.on('monitor-event', (e) => notifier.handle(e));
    cleanups.push(async () => notifier.dispose());

    const nodeId = sim.addNode({ address: '127.87.1.2', name: 'g8os-525400aabbcc' });
    const joined = next(service, 'monitor-event', (e) => e.type === 'node-joined');
    await service.api.connect({ kind: 'central', token: sim.token, url: sim.centralBase });
    expect(((await joined) as Extract<MonitorEvent, { type: 'node-joined' }>).node.nodeId).toBe(nodeId);

    const waitingTray = trayModel({ state: await service.api.getState(), nodes: await service.api.listNodes(), hypervisors: [], startAtLogin: false });
    expect(waitingTray.icon).toBe('attention');
    const authorizeItem = waitingTray.menu.find((i) => i.kind === 'submenu' && i.label.startsWith('Nodes:'));
    expect(authorizeItem).toMatchObject({ label: 'Nodes: 0 ready, 1 waiting', items: [{ command: { type: 'authorize', nodeId } }, { kind: 'separator' }, { command: { type: 'authorize-all' } }, { label: 'Show nodes' }] });
    await eventually(async () => (shown.length > 0 ? true : undefined), 'the join notification');
    expect(shown[0]).toMatchObject({ title: `New node ${nodeId} wants to join`, action: { label: 'Authorize', command: { type: 'authorize', nodeIds: [nodeId] } } });

    // The tray's Authorize entry, carried out as the shell does.
    const reports: string[] = [];
    const context = { api: service.api, openDashboard: () => {}, quit: () => {}, report: (title: string) => void reports.push(title) };
    await runTrayCommand({ type: 'authorize', nodeId }, context);
    expect(reports).toEqual([]);
    expect(sim.population.member(sim.networkIds[0]!, nodeId)?.authorized).toBe(true);

    const ready = await eventually(async () => (await service.api.refreshNodes()).find((n) => n.nodeId === nodeId && n.probe?.state === 'ready'), 'the node ready');
    expect(ready).toMatchObject({ ip: '127.87.1.2', authorized: true });
    await eventually(async () => (shown.some((n) => n.title === `Node ${nodeId} is ready at 127.87.1.2`) ? true : undefined), 'the ready notification');

    const onlineTray = trayModel({ state: await service.api.getState(), nodes: await service.api.listNodes(), hypervisors: [], startAtLogin: false });
    expect(onlineTray.icon).toBe('online');
    expect(onlineTray.tooltip).toContain('1 node ready');

    // Rename, with the name checked; export through the save dialog.
    expect((await service.api.renameNode(nodeId, 'rack-1')).name).toBe('rack-1');
    expect(await rejection(service.api.renameNode(nodeId, 'bad\nname'))).toMatchObject({ code: 'E_INVALID_NAME' });
    const exported = await service.api.exportNodes([], 'csv');
    expect(exported?.path).toBe(join(deps.home, `g8boot-nodes-${sim.networkIds[0]}.csv`));
    expect(await readFile(exported!.path, 'utf8')).toContain(nodeId);
    deps.saveAnswers.push(null);
    expect(await service.api.exportNodes([nodeId], 'json')).toBeNull();

    // A failing tray command is reported, not thrown.
    await runTrayCommand({ type: 'authorize', nodeId: 'not-a-node' }, context);
    expect(reports).toEqual(['Could not authorize node not-a-node']);
  });

  it('authorizes every waiting node at once, and sends the node list in batches, not once per node', async () => {
    const sim = await testSimulator();
    const { service, events } = await start();
    for (let i = 0; i < 30; i++) sim.addNode();
    await service.api.connect({ kind: 'central', token: sim.token, url: sim.centralBase });
    await next(service, 'monitor-event', (e) => e.type === 'sweep');
    await new Promise((r) => setImmediate(r));
    // The list goes out as results stream in (at most every 100 ms) and whole when the sweep ends.
    const lists = events.filter(([e, p]) => e === 'nodes' && (p as NodeRecord[]).length === 30);
    expect(lists.length).toBeGreaterThanOrEqual(1);
    expect(lists.length).toBeLessThanOrEqual(2);
    expect(await service.api.authorizeAllWaiting()).toBe(30);
    expect(sim.population.members(sim.networkIds[0]!).filter((m) => m.authorized)).toHaveLength(30);
    expect(await service.api.authorizeAllWaiting()).toBe(0);
  });
});

describe('demo mode', () => {
  it('works offline out of the box: nodes join, demo nodes answer like core0, this machine can join', async () => {
    const { service } = await start();
    const port = 20000 + Math.floor(Math.random() * 20000);
    await service.api.updateSettings({ redisPort: port });
    const state = await service.api.connect({ kind: 'demo' });
    expect(state.controller?.kind).toBe('demo');
    expect(state.networkId).toBe('d569b5a47421c8b7');
    expect(state.thisMachine).toMatchObject({ available: true, address: 'd569b5a474', network: null });

    const nodes = await eventually(async () => {
      const list = await service.api.refreshNodes();
      return list.filter((n) => n.probe?.state === 'ready').length >= 2 ? list : undefined;
    }, 'two demo nodes ready');
    // The same script as `g8boot demo`: one node's core0 wants a password.
    expect(nodes.filter((n) => n.probe?.state === 'auth-required')).toHaveLength(1);
    expect(nodes.filter((n) => !n.authorized)).toHaveLength(1);
    expect(nodes.every((n) => n.ip === null || n.ip.startsWith('127.86.0.'))).toBe(true);

    // The deep check talks core0's protocol to the demo node.
    const deep = await service.api.refreshNodes({ deep: true });
    expect(deep.find((n) => n.probe?.state === 'ready')?.probe?.core0Version).toMatch(/PONG/);

    const machine = await service.api.joinThisMachine();
    expect(machine.network?.id).toBe('d569b5a47421c8b7');
    const waiting = await eventually(async () => (await service.api.refreshNodes()).find((n) => n.nodeId === 'd569b5a474' && !n.authorized), 'this machine waiting');
    expect(waiting).toBeDefined();
    await service.api.authorizeNode('d569b5a474', true);
    const ok = await next(service, 'state', (s) => s.thisMachine?.network?.status === 'OK', 20_000);
    expect(ok.thisMachine?.network?.addresses[0]).toMatch(/^127\.86\.0\.\d+\/24$/);
  }, 60_000);
});

describe('"Authorize all waiting" in the app', () => {
  it("counts and authorizes what the CLI's --all-waiting does: this computer's own node too, when it waits", async () => {
    const { service } = await start();
    const port = 20000 + Math.floor(Math.random() * 20000);
    await service.api.updateSettings({ redisPort: port });
    await service.api.connect({ kind: 'demo' });
    await service.api.joinThisMachine();
    const self = 'd569b5a474';
    const nodes = await eventually(async () => {
      const list = await service.api.refreshNodes();
      return list.some((n) => n.nodeId === self && !n.authorized) ? list : undefined;
    }, 'this machine waiting');
    // Its row reads "this-computer", and it waits like the others: the tray offers it, and counts it.
    expect(nodes.find((n) => n.nodeId === self)).toMatchObject({ state: 'this-computer', authorized: false });
    const tray = trayModel({ state: await service.api.getState(), nodes, hypervisors: [], startAtLogin: false });
    const submenu = tray.menu.find((item) => item.kind === 'submenu' && item.label.startsWith('Nodes:'));
    const items = submenu?.kind === 'submenu' ? submenu.items : [];
    const waitingNow = nodes.filter((n) => !n.authorized && (n.state === 'waiting' || n.nodeId === self)).length;
    expect(items.some((item) => item.kind === 'action' && item.label.startsWith(`Authorize ${self}`))).toBe(true);
    expect(items.find((item) => item.kind === 'action' && item.label.startsWith('Authorize all waiting'))).toMatchObject({ label: `Authorize all waiting (${waitingNow})` });

    // The person clicks it (the tray's command, as the renderer's button calls the same method).
    const authorized = await service.api.authorizeAllWaiting();
    expect(authorized).toBeGreaterThanOrEqual(1);
    expect((await service.api.listNodes()).find((n) => n.nodeId === self)?.authorized).toBe(true);
    // The outcome: this computer is on the network, so its nodes can be reached from here.
    const ok = await next(service, 'state', (s) => s.thisMachine?.network?.status === 'OK', 20_000);
    expect(ok.thisMachine?.network?.addresses[0]).toMatch(/^127\.86\.0\.\d+\/24$/);
  }, 60_000);
});

describe('boot media and the boot service', () => {
  it('builds an image only after validating, where the person chose, with progress', async () => {
    const { service, deps, events } = await start();
    expect(await rejection(service.api.buildImage({ netid: 'nope', bootUrls: ['http://10.0.2.2:8088'], kind: 'hybrid' }))).toMatchObject({ code: 'E_INVALID_NETWORK_ID' });
    // The booting machine fetches an inline kernel itself: a loopback kernel URL is refused like a loopback boot URL.
    expect(await rejection(service.api.buildImage({ netid: '8056c2e21c000001', kernelUrl: 'http://127.0.0.1:8088/kernel/g8os', kind: 'hybrid' }))).toMatchObject({
      code: 'E_LOOPBACK_BOOT_URL',
    });
    expect(deps.saveDialogs).toHaveLength(0);
    deps.saveAnswers.push(null);
    expect(await service.api.buildImage({ netid: '8056c2e21c000001', bootUrls: ['http://10.0.2.2:8088'], kind: 'hybrid' })).toBeNull();
    const result = await service.api.buildImage({ netid: '8056c2e21c000001', bootUrls: ['http://10.0.2.2:8088'], kind: 'hybrid' });
    expect(deps.saveDialogs.map((d) => d.defaultName)).toEqual(['g8os-8056c2e21c000001.iso', 'g8os-8056c2e21c000001.iso']);
    expect(result?.path).toBe(join(deps.home, 'g8os-8056c2e21c000001.iso'));
    const data = await readFile(result!.path);
    expect(result).toMatchObject({ bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    expect(data.subarray(0x8001, 0x8006).toString('latin1')).toBe('CD001');
    expect(events.filter(([e]) => e === 'build-progress').map(([, p]) => p)).toEqual([{ done: 0, total: data.length }, { done: data.length, total: data.length }]);
    const esp = await service.api.buildImage({ netid: '0', kernelUrl: 'http://10.0.2.2:8088/kernel/g8os', kind: 'esp' });
    expect((await stat(esp!.path)).size).toBe(esp!.bytes);
  });

  it('turns the boot service on and off, with its URL, links and boot events', async () => {
    const { service } = await start();
    await service.api.updateSettings({ bootServiceListen: '127.0.0.1:0' });
    const on = await service.api.setBootService(true);
    expect(on).toMatchObject({ running: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), problem: null });
    const port = new URL(on.url!).port;
    expect(on.guestUrl).toBe(`http://10.0.2.2:${port}`);
    const { links, notes } = await service.api.bootLinks('8056c2e21c000001');
    const link = (key: string) => links.find((l) => l.key === key);
    // Downloads happen on this computer (loopback); the images and the iPXE URL point where a VM reaches the service.
    expect(link('iso')).toMatchObject({ value: `${on.url}/iso/8056c2e21c000001`, where: 'this computer (a download link)' });
    expect(link('iso')!.help).toContain(`a VM on this computer (QEMU user networking, VirtualBox NAT) (http://10.0.2.2:${port})`);
    expect(link('ipxe-vm')).toMatchObject({ value: `http://10.0.2.2:${port}/g8os.ipxe?netid=8056c2e21c000001&console=ttyS0,115200`, where: expect.stringContaining('a VM on this computer') });
    expect(link('qemu')!.value).toContain('qemu-system-x86_64');
    // Loopback-only service, no public URL: no LAN link, no bare-metal link, and the notes say why.
    expect(link('ipxe-lan')).toBeUndefined();
    expect(link('ipxe-public')).toBeUndefined();
    expect(notes.join(' ')).toMatch(/No bare-metal provider link.*public URL/);
    expect(links.every((l) => !/\/\/(127\.|localhost|0\.0\.0\.0)/.test(l.value) || ['iso', 'usb', 'efi', 'qemu'].includes(l.key))).toBe(true);
    const ipxeUrl = `${on.url}/g8os.ipxe?netid=8056c2e21c000001`;

    const booted = next(service, 'boot-event', () => true);
    const answer = await fetch(ipxeUrl, { headers: { 'user-agent': 'iPXE/1.21.1' } });
    expect(answer.status).toBe(503); // no G8OS kernel in this home yet: the script says so
    expect(await booted).toMatchObject({ route: 'script', networkId: '8056c2e21c000001', status: 503 });
    expect((await service.api.getState()).bootService.recent).toHaveLength(1);

    expect((await service.api.setBootService(false)).running).toBe(false);
    await expect(fetch(ipxeUrl)).rejects.toThrow();
  });

  it("a boot service address in use (say `g8boot serve` runs there) is said in the app's words, not the CLI's", async () => {
    const { service } = await start();
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = other.address() as AddressInfo;
      await service.api.updateSettings({ bootServiceListen: `127.0.0.1:${port}` });
      const error = await rejection(service.api.setBootService(true));
      expect(error).toMatchObject({ code: 'E_LISTEN', message: expect.stringContaining('the port is in use') });
      expect(error.hint).toContain('Settings');
      expect(error.hint).not.toContain('--listen');
      expect((await service.api.getState()).bootService.problem?.hint).toBe(error.hint);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('boots an image it built in a VM (network id read from the image), and no file it did not build', async () => {
    const deps = await testAppDeps();
    cleanups.push(deps.cleanup);
    const fakeVbox = join(deps.home, 'fake-vbox');
    await mkdir(fakeVbox);
    const vmEnv = { ...deps.env, PATH: `${FAKES}:${process.env.PATH ?? ''}`, FAKE_VBOX_DIR: fakeVbox };
    const service = createAppService({ ...deps, vmHost: defaultHost({ env: vmEnv, sleep: async () => undefined }) });
    cleanups.push(() => service.dispose());
    await service.ready;
    await service.api.updateSettings({ bootServiceListen: '127.0.0.1:0' });
    const built = await service.api.buildImage({ netid: '8056c2e21c000001', bootUrls: ['http://10.0.2.2:8088'], kind: 'hybrid' });
    const vm = await service.api.startVm({ hypervisor: 'virtualbox', image: built!.path });
    expect(vm).toMatchObject({ hypervisor: 'virtualbox', netid: '8056c2e21c000001', state: 'running' });
    // The console view says why VirtualBox's serial log starts only with the kernel.
    expect(vm.consoleNote).toContain("VirtualBox's firmware does not copy its screen to the serial port");
    expect((await service.api.listVms())[0]?.consoleNote).toBe(vm.consoleNote);
    expect((await service.api.getState()).bootService.running).toBe(true);

    const elsewhere = join(deps.home, 'copy.iso');
    await copyFile(built!.path, elsewhere);
    expect(await rejection(service.api.startVm({ hypervisor: 'virtualbox', image: elsewhere }))).toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('boots only images it built') });
    await service.api.removeVm(vm.name);
  });

  it('reports a port in use as the boot service problem', async () => {
    const first = await start();
    await first.service.api.updateSettings({ bootServiceListen: '127.0.0.1:0' });
    const url = (await first.service.api.setBootService(true)).url!;
    const second = await start();
    await second.service.api.updateSettings({ bootServiceListen: url.replace('http://', '') });
    expect(await rejection(second.service.api.setBootService(true))).toMatchObject({ code: 'E_LISTEN' });
    const state = await second.service.api.getState();
    expect(state.bootService).toMatchObject({ running: false, problem: { code: 'E_LISTEN' } });
  });
});

describe('settings and desktop calls', () => {
  it('applies start at login, refuses bad settings, copies text and opens allowed links only', async () => {
    const { service, deps } = await start();
    expect((await service.api.updateSettings({ startAtLogin: true })).startAtLogin).toBe(true);
    expect(deps.loginItemCalls).toEqual([true]);
    expect(await rejection(service.api.updateSettings({ pollIntervalSec: 1 }))).toMatchObject({ code: 'E_INVALID_SETTING' });
    expect((await service.api.getSettings()).pollIntervalSec).toBe(30);

    await service.api.copyText('d569b5a474');
    expect(deps.copied).toEqual(['d569b5a474']);
    await service.api.openExternal('https://my.zerotier.com/account');
    expect(await rejection(service.api.openExternal('http://my.zerotier.com/'))).toMatchObject({ code: 'E_EXTERNAL_REFUSED' });
    expect(deps.opened).toEqual(['https://my.zerotier.com/account']);

    const views = await service.api.listHypervisors();
    expect(views.map((v) => v.hypervisor)).toEqual(['qemu', 'virtualbox', 'xhyve']);
    expect(await service.api.listVms()).toEqual([]);
  });

  it('opens the first window once, on the first run only', async () => {
    const { service, deps } = await start();
    expect(service.claimFirstWindow()).toBe(true);
    expect(service.claimFirstWindow()).toBe(false);
    await service.dispose();
    expect((await start({ home: deps.home })).service.claimFirstWindow()).toBe(false);
  });

  it('rolls start at login back when the OS refuses', async () => {
    const deps = await testAppDeps();
    cleanups.push(deps.cleanup);
    deps.loginItem = { set: async () => Promise.reject(new Error('EACCES: permission denied')) };
    const service = createAppService(deps);
    cleanups.push(() => service.dispose());
    expect(await rejection(service.api.updateSettings({ startAtLogin: true }))).toMatchObject({ message: expect.stringContaining('EACCES') });
    expect((await service.api.getSettings()).startAtLogin).toBe(false);
  });
});
