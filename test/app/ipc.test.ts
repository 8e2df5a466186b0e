import { describe, expect, it } from 'vitest';
import { callForIpc, forwardEvents, registerIpcHandlers, type IpcMainLike } from '../../main/app/ipc/handlers.ts';
import { isTrustedSender, type IpcSenderEvent } from '../../main/app/ipc/sender.ts';
import { createEventHub } from '../../main/app/service/event-hub.ts';
import { InvalidInputError } from '../../main/common/errors.ts';
import { eventChannel, G8BOOT_METHODS, methodChannel, type G8bootApi, type IpcResult } from '../../main/common/ipc.ts';

/** Electron's ipcMain, reduced to what handlers.ts uses: handlers kept by channel, invoked like Electron does. */
function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const invoke = (event: IpcSenderEvent, channel: string, ...args: unknown[]) => handlers.get(channel)!(event, ...args) as Promise<IpcResult<unknown>>;
  return { ipcMain, handlers, invoke };
}

const MAIN_WINDOW = 7;
const trusted = new Set([MAIN_WINDOW]);
const fromApp: IpcSenderEvent = { sender: { id: MAIN_WINDOW }, senderFrame: { url: 'app://g8boot/index.html#/nodes', parent: null } };

/** A G8bootApi whose methods record their calls; the ones a test needs are filled in. */
function recordingApi(overrides: Partial<G8bootApi> = {}): { api: G8bootApi; calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  const api = Object.fromEntries(
    G8BOOT_METHODS.map((method) => [
      method,
      async (...args: unknown[]) => {
        calls.push([method, args]);
        return (overrides[method] as ((...a: unknown[]) => unknown) | undefined)?.(...args);
      },
    ]),
  ) as unknown as G8bootApi;
  return { api, calls };
}

describe('sender check', () => {
  it('trusts only the top frame of the main window showing app://g8boot', () => {
    expect(isTrustedSender(fromApp, trusted)).toBe(true);
    expect(isTrustedSender({ ...fromApp, senderFrame: { url: 'app://g8boot/index.html', parent: {} } }, trusted)).toBe(false);
    expect(isTrustedSender({ ...fromApp, sender: { id: 8 } }, trusted)).toBe(false);
    expect(isTrustedSender({ ...fromApp, senderFrame: { url: 'https://evil.example/', parent: null } }, trusted)).toBe(false);
    expect(isTrustedSender({ ...fromApp, senderFrame: { url: 'app://other/index.html', parent: null } }, trusted)).toBe(false);
    expect(isTrustedSender({ ...fromApp, senderFrame: { url: 'file:///tmp/index.html', parent: null } }, trusted)).toBe(false);
    expect(isTrustedSender({ ...fromApp, senderFrame: null }, trusted)).toBe(false);
    expect(isTrustedSender({ ...fromApp, senderFrame: { url: 'not a url', parent: null } }, trusted)).toBe(false);
  });
});

describe('IPC handlers', () => {
  it('registers one handler per contract method and removes them again', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const unregister = registerIpcHandlers({ ipcMain, api: recordingApi().api, isTrusted: () => true });
    expect([...handlers.keys()].sort()).toEqual(G8BOOT_METHODS.map(methodChannel).sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('answers the trusted window and refuses every other sender before calling anything', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const lines: string[] = [];
    const { api, calls } = recordingApi({ authorizeAllWaiting: async () => 3 });
    registerIpcHandlers({ ipcMain, api, isTrusted: (e) => isTrustedSender(e, trusted), log: (l) => lines.push(l) });
    expect(await invoke(fromApp, methodChannel('authorizeAllWaiting'))).toEqual({ ok: true, value: 3 });
    const iframe = { ...fromApp, senderFrame: { url: 'app://g8boot/index.html', parent: {} } };
    for (const method of G8BOOT_METHODS) {
      expect(await invoke(iframe, methodChannel(method))).toMatchObject({ ok: false, error: { code: 'E_IPC_FORBIDDEN' } });
    }
    expect(calls).toEqual([['authorizeAllWaiting', []]]);
    expect(lines[0]).toBe('ipc: refused getState from app://g8boot/index.html (webContents 7)');
  });

  it('checks argument shapes and keeps name, code, message and hint of failures', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const { api, calls } = recordingApi({
      authorizeNode: async () => {
        throw new InvalidInputError('E_INVALID_NODE_ID', 'Invalid node id "zz".', { hint: 'A ZeroTier node id is 10 hexadecimal digits.' });
      },
    });
    registerIpcHandlers({ ipcMain, api, isTrusted: () => true });
    expect(await invoke(fromApp, methodChannel('authorizeNode'), 'zz', 'yes')).toMatchObject({ ok: false, error: { code: 'E_IPC_BAD_ARGUMENTS' } });
    expect(await invoke(fromApp, methodChannel('connect'), { kind: 'central', token: 't', extra: 1 })).toMatchObject({ ok: false, error: { code: 'E_IPC_BAD_ARGUMENTS' } });
    expect(await invoke(fromApp, methodChannel('getState'), 'unexpected')).toMatchObject({ ok: false, error: { code: 'E_IPC_BAD_ARGUMENTS' } });
    expect(calls).toHaveLength(0);
    expect(await invoke(fromApp, methodChannel('authorizeNode'), 'zz', true)).toEqual({
      ok: false,
      error: { name: 'InvalidInputError', code: 'E_INVALID_NODE_ID', message: 'Invalid node id "zz".', hint: 'A ZeroTier node id is 10 hexadecimal digits.' },
    });
    expect(await invoke(fromApp, methodChannel('refreshNodes'))).toEqual({ ok: true, value: undefined });
    expect(await invoke(fromApp, methodChannel('refreshNodes'), { deep: true })).toEqual({ ok: true, value: undefined });
    expect(calls.map(([m, a]) => [m, a])).toEqual([
      ['authorizeNode', ['zz', true]],
      ['refreshNodes', []],
      ['refreshNodes', [{ deep: true }]],
    ]);
  });

  it('refuses a method outside the contract', async () => {
    expect(await callForIpc(recordingApi().api, 'constructor' as never, [])).toMatchObject({ ok: false, error: { code: 'E_IPC_UNKNOWN_METHOD' } });
  });

  it('pushes every event on its channel until unsubscribed', () => {
    const hub = createEventHub(() => {});
    const sent: [string, unknown][] = [];
    const stop = forwardEvents(hub, (channel, payload) => sent.push([channel, payload]));
    hub.emit('navigate', { view: 'nodes', nodeId: 'aaaaaaaaaa' });
    hub.emit('build-progress', { done: 1, total: 2 });
    stop();
    hub.emit('navigate', { view: 'vms' });
    expect(sent).toEqual([
      [eventChannel('navigate'), { view: 'nodes', nodeId: 'aaaaaaaaaa' }],
      ['g8boot:event:build-progress', { done: 1, total: 2 }],
    ]);
  });
});
