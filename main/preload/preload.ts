/**
 * The sandboxed preload: exposes `window.g8boot` (a G8bootBridge) to the renderer, one function per contract
 * method, plus `on(event, listener)` returning its unsubscribe. It talks only on the contract's channels, and
 * hands the renderer nothing of Electron itself (no ipcRenderer, no event objects).
 *
 * Bundled alone into dist/app/preload.cjs: it imports nothing but electron and the contract's constants.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  eventChannel,
  G8BOOT_EVENTS,
  G8BOOT_METHODS,
  methodChannel,
  type G8bootEvent,
  type IpcResult,
} from '../common/ipc.ts';

const bridge: Record<string, unknown> = {};
for (const method of G8BOOT_METHODS) {
  bridge[method] = async (...args: unknown[]) => {
    const result = (await ipcRenderer.invoke(methodChannel(method), ...args)) as IpcResult<unknown>;
    if (result.ok) return result.value;
    // The plain object, not an Error: the context bridge copies its fields (name, code, message, hint) into the
    // page, where an Error would arrive with its message alone.
    throw result.error;
  };
}

bridge.on = (event: G8bootEvent, listener: (payload: unknown) => void): (() => void) => {
  if (!(G8BOOT_EVENTS as readonly string[]).includes(event)) throw new Error(`g8boot has no event ${JSON.stringify(String(event))}.`);
  if (typeof listener !== 'function') throw new Error('A listener must be a function.');
  const channel = eventChannel(event);
  const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => void ipcRenderer.removeListener(channel, forward);
};

contextBridge.exposeInMainWorld('g8boot', bridge);
