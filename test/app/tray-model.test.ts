import { describe, expect, it } from 'vitest';
import type { MenuItemModel } from '../../main/app/tray/tray-model.ts';
import { MAX_LISTED_WAITING, trayModel } from '../../main/app/tray/tray-model.ts';
import type { HypervisorView } from '../../main/common/ipc.ts';
import { appState, node } from './fixtures.ts';

const qemu: HypervisorView = { hypervisor: 'qemu', available: true, version: '7.2.22', acceleration: 'kvm', problem: null };
const vbox: HypervisorView = { hypervisor: 'virtualbox', available: false, version: null, acceleration: 'none', problem: 'not installed' };

const labels = (items: MenuItemModel[]) => items.map((i) => (i.kind === 'separator' ? '---' : i.label));
const find = (items: MenuItemModel[], prefix: string) =>
  items.find((i): i is Exclude<MenuItemModel, { kind: 'separator' }> => i.kind !== 'separator' && i.label.startsWith(prefix));

describe('tray icon state', () => {
  it('is unconfigured without a controller or a network', () => {
    expect(trayModel({ state: appState({ controller: null, networkId: null }), nodes: [], hypervisors: [], startAtLogin: false }).icon).toBe('unconfigured');
    const noNetwork = trayModel({ state: appState({ networkId: null }), nodes: [], hypervisors: [], startAtLogin: false });
    expect(noNetwork.icon).toBe('unconfigured');
    expect(noNetwork.tooltip).toBe('g8boot: choose a network to watch');
  });

  it('is joining while this machine waits for the network, or before the first sweep', () => {
    const waitingForAuth = appState();
    waitingForAuth.thisMachine!.network = { id: waitingForAuth.networkId!, status: 'ACCESS_DENIED', statusText: 'waiting for authorization', addresses: [], device: null };
    const model = trayModel({ state: waitingForAuth, nodes: [], hypervisors: [], startAtLogin: false });
    expect(model.icon).toBe('joining');
    expect(model.tooltip).toContain('this machine: waiting for authorization');
    const firstSweep = appState();
    firstSweep.monitor!.lastSweepAt = null;
    expect(trayModel({ state: firstSweep, nodes: [], hypervisors: [], startAtLogin: false }).icon).toBe('joining');
  });

  it('is online on the network, with the counts in words', () => {
    const model = trayModel({ state: appState(), nodes: [node('aaaaaaaaaa', { probeState: 'ready', ip: '10.147.17.9' }), node('bbbbbbbbbb', { probeState: 'no-address' })], hypervisors: [], startAtLogin: false });
    expect(model.icon).toBe('online');
    expect(model.tooltip).toBe('g8boot: network 8056c2e21c000001 · 1 node ready');
  });

  it('says in words when this computer is not on the network, and what to run', () => {
    const off = appState();
    off.thisMachine!.network = null;
    const model = trayModel({ state: off, nodes: [], hypervisors: [], startAtLogin: false });
    expect(model.tooltip).toContain(`This computer (d569b5a474) is not on network ${off.networkId}, so its nodes cannot be reached from here. Join it with \`g8boot zt join ${off.networkId} --wait\`.`);
    const noZeroTier = appState();
    noZeroTier.thisMachine = { available: false, problem: { name: 'G8bootError', code: 'E_ZT_NOT_RUNNING', message: 'ZeroTier One is not running.' }, address: null, online: false, version: null, network: null };
    expect(trayModel({ state: noZeroTier, nodes: [], hypervisors: [], startAtLogin: false }).tooltip).toContain('This computer has no ZeroTier One answering (ZeroTier One is not running)');
  });

  it('asks for attention when nodes wait, the API is unreachable or the boot service failed', () => {
    const waiting = trayModel({ state: appState(), nodes: [node('cccccccccc', { probeState: 'pending', authorized: false })], hypervisors: [], startAtLogin: false });
    expect(waiting.icon).toBe('attention');
    expect(waiting.tooltip).toContain('1 waiting for authorization');
    // An unauthorized node that is offline does not ask for anything now.
    expect(trayModel({ state: appState(), nodes: [node('cccccccccc', { authorized: false, online: false })], hypervisors: [], startAtLogin: false }).icon).toBe('online');
    const stale = appState();
    stale.monitor = { ...stale.monitor!, stale: true, lastError: { name: 'ZeroTierApiError', code: 'E_ZT_UNREACHABLE', message: 'ZeroTier Central does not answer' } };
    const staleModel = trayModel({ state: stale, nodes: [], hypervisors: [], startAtLogin: false });
    expect(staleModel.icon).toBe('attention');
    expect(staleModel.tooltip).toContain('ZeroTier Central does not answer');
    const bootProblem = appState();
    bootProblem.bootService = { ...bootProblem.bootService, problem: { name: 'G8bootError', code: 'E_LISTEN', message: 'Cannot listen on 127.0.0.1:8088: the port is in use.' } };
    expect(trayModel({ state: bootProblem, nodes: [], hypervisors: [], startAtLogin: false }).icon).toBe('attention');
  });
});

describe('tray menu', () => {
  it('lists the entries in the agreed order', () => {
    const model = trayModel({ state: appState(), nodes: [], hypervisors: [qemu, vbox], startAtLogin: true });
    expect(labels(model.menu)).toEqual([
      'This machine: d569b5a474 (copy)',
      '    IP 10.147.17.5 (copy)',
      'Network 8056c2e21c000001: ready',
      'Nodes: 0 ready, 0 waiting',
      '---',
      'Build boot image…',
      'Write to USB stick…',
      'Boot test node',
      'Boot service off',
      '---',
      'Open dashboard',
      'Start at login',
      '---',
      'Quit g8boot',
    ]);
    expect(model.menu[0]).toMatchObject({ kind: 'action', command: { type: 'copy', text: 'd569b5a474' } });
    expect(model.menu[1]).toMatchObject({ kind: 'action', command: { type: 'copy', text: '10.147.17.5' } });
    expect(find(model.menu, 'Start at login')).toMatchObject({ kind: 'checkbox', checked: true, command: { type: 'start-at-login', on: false } });
    expect(find(model.menu, 'Quit')).toMatchObject({ command: { type: 'quit' } });
  });

  it('shows a stick being written, in the menu and the tooltip, and Write to USB stick… otherwise', () => {
    expect(find(trayModel({ state: appState(), nodes: [], hypervisors: [], startAtLogin: false }).menu, 'Write to USB stick…')).toMatchObject({
      command: { type: 'open-dashboard', view: 'boot' },
    });
    const burn = {
      device: '/dev/sdb',
      description: 'SanDisk Ultra',
      sizeBytes: 32e9,
      state: 'running' as const,
      progress: { step: 'write' as const, done: 1 << 20, total: 4 << 20, bytesPerSecond: 2 << 20, etaSeconds: 1.5 },
      result: null,
      error: null,
    };
    const model = trayModel({ state: appState({ burn }), nodes: [], hypervisors: [], startAtLogin: false });
    expect(labels(model.menu)).toContain('SanDisk Ultra: Writing 25 % · 2.0 MiB/s · 2 s left');
    expect(model.tooltip).toContain('SanDisk Ultra: Writing 25 %');
  });

  it('offers one Boot test node entry per hypervisor found', () => {
    const model = trayModel({ state: appState(), nodes: [], hypervisors: [qemu, vbox], startAtLogin: false });
    const boot = find(model.menu, 'Boot test node');
    expect(boot).toMatchObject({ kind: 'submenu', items: [{ kind: 'action', label: 'QEMU 7.2.22', command: { type: 'start-vm', hypervisor: 'qemu' } }] });
    const none = find(trayModel({ state: appState(), nodes: [], hypervisors: [vbox], startAtLogin: false }).menu, 'Boot test node');
    expect(none).toMatchObject({ kind: 'submenu', items: [{ label: 'No hypervisor found…', command: { type: 'open-dashboard', view: 'vms' } }] });
    expect(find(trayModel({ state: appState(), nodes: [], hypervisors: null, startAtLogin: false }).menu, 'Boot test node')?.label).toContain('looking for hypervisors');
  });

  it('puts an Authorize entry per waiting node and Authorize all waiting in the nodes submenu', () => {
    const nodes = [
      node('1111111111', { probeState: 'ready', ip: '10.147.17.2' }),
      node('2222222222', { probeState: 'pending', authorized: false, name: 'g8os-525400aabbcc' }),
      node('3333333333', { probeState: 'pending', authorized: false }),
    ];
    const submenu = find(trayModel({ state: appState(), nodes, hypervisors: [], startAtLogin: false }).menu, 'Nodes:');
    expect(submenu?.label).toBe('Nodes: 1 ready, 2 waiting');
    expect(submenu).toMatchObject({ kind: 'submenu' });
    const items = (submenu as { items: MenuItemModel[] }).items;
    expect(labels(items)).toEqual(['Authorize 2222222222 (g8os-525400aabbcc)', 'Authorize 3333333333', '---', 'Authorize all waiting (2)', 'Show nodes']);
    expect(items[0]).toMatchObject({ command: { type: 'authorize', nodeId: '2222222222' } });
    expect(items[3]).toMatchObject({ command: { type: 'authorize-all' } });
  });

  it('asks for a password only for a degraded node: a lost node whose last probe wanted one is Lost, as every face says', () => {
    const degraded = node('1111111111', { probeState: 'auth-required', ip: '10.147.17.2' });
    const lost = node('2222222222', { probeState: 'auth-required', ip: '10.147.17.3', online: false, lastSeen: 1_699_000_000_000 });
    expect([degraded.state, lost.state]).toEqual(['degraded', 'lost']);
    const model = trayModel({ state: appState(), nodes: [degraded, lost], hypervisors: [], startAtLogin: false });
    expect(model.tooltip).toContain('1 node needs a password');
    const attention = find(model.menu, 'Need attention') as { label: string; items: MenuItemModel[] };
    expect(attention.label).toBe('Need attention: 1');
    expect(labels(attention.items)).toEqual(['Needs password: 1111111111: set the password…']);
  });

  it('lists at most a screenful of waiting nodes and counts the rest', () => {
    const nodes = Array.from({ length: 40 }, (_, i) => node(i.toString(16).padStart(10, '0'), { authorized: false, probeState: 'pending' }));
    const submenu = find(trayModel({ state: appState(), nodes, hypervisors: [], startAtLogin: false }).menu, 'Nodes:') as { items: MenuItemModel[] };
    const authorizeOne = submenu.items.filter((i) => i.kind === 'action' && i.command.type === 'authorize');
    expect(authorizeOne).toHaveLength(MAX_LISTED_WAITING);
    expect(labels(submenu.items)).toContain(`…and ${40 - MAX_LISTED_WAITING} more`);
    expect(labels(submenu.items)).toContain('Authorize all waiting (40)');
  });

  it('shows the boot service URL when it runs, and the setup entry when not connected', () => {
    const running = appState();
    running.bootService = { ...running.bootService, running: true, url: 'http://127.0.0.1:8088', guestUrl: 'http://10.0.2.2:8088' };
    expect(find(trayModel({ state: running, nodes: [], hypervisors: [], startAtLogin: false }).menu, 'Boot service')).toMatchObject({
      label: 'Boot service on: http://127.0.0.1:8088',
      checked: true,
      command: { type: 'boot-service', on: false },
    });
    const first = trayModel({ state: appState({ controller: null, networkId: null, thisMachine: null, monitor: null }), nodes: [], hypervisors: [], startAtLogin: false });
    expect(labels(first.menu).slice(0, 3)).toEqual(['This machine: not connected', 'Connect to ZeroTier…', 'Nodes: 0 ready, 0 waiting']);
    expect(find(first.menu, 'Build boot image')).toMatchObject({ enabled: false });
  });
});
