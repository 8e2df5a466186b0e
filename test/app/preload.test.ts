/**
 * The built preload (dist/app/preload.cjs, exactly what the app loads) run in a fresh context with Electron's
 * renderer modules passed in through `require`: it must expose one function per method, unwrap results, rethrow
 * failures as plain serialized errors (what survives the context bridge), and subscribe only to contract events.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { eventChannel, G8BOOT_METHODS, isSerializedError, methodChannel, type G8bootBridge } from '../../main/common/ipc.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function loadPreload(answer: (channel: string, args: unknown[]) => unknown) {
  const exposed = new Map<string, unknown>();
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const invoked: [string, unknown[]][] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        invoked.push([channel, args]);
        return answer(channel, args);
      },
      on: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener);
      },
      removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) => listeners.get(channel)?.delete(listener),
    },
  };
  const module = { exports: {} };
  const required: string[] = [];
  const require = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  runInNewContext(readFileSync(join(ROOT, 'dist', 'app', 'preload.cjs'), 'utf8'), { require, module, exports: module.exports, Promise, Error, Object });
  return { bridge: exposed.get('g8boot') as G8bootBridge, exposed, invoked, listeners, required };
}

// dist/app/preload.cjs is built by test/global-setup.ts before any test runs (a build here would replace dist/
// under the tests that spawn the CLI at the same time).
describe('preload bridge', () => {
  it('exposes window.g8boot with one function per method and requires nothing but electron', () => {
    const { bridge, exposed, required } = loadPreload(() => ({ ok: true, value: null }));
    expect([...exposed.keys()]).toEqual(['g8boot']);
    expect(Object.keys(bridge).sort()).toEqual([...G8BOOT_METHODS, 'on'].sort());
    expect(new Set(required)).toEqual(new Set(['electron']));
  });

  it('invokes the method channel with the arguments and unwraps the result', async () => {
    const { bridge, invoked } = loadPreload(() => ({ ok: true, value: 2 }));
    expect(await bridge.authorizeAllWaiting()).toBe(2);
    await bridge.authorizeNode('aaaaaaaaaa', true);
    expect(invoked).toEqual([
      [methodChannel('authorizeAllWaiting'), []],
      [methodChannel('authorizeNode'), ['aaaaaaaaaa', true]],
    ]);
  });

  it('rejects with the plain serialized error: name, code, message and hint survive the context bridge', async () => {
    const { bridge } = loadPreload(() => ({ ok: false, error: { name: 'InvalidInputError', code: 'E_INVALID_NODE_ID', message: 'Invalid node id.', hint: 'Ten hex digits.' } }));
    const error: unknown = await bridge.authorizeNode('zz', true).catch((e: unknown) => e);
    // Not an Error: the context bridge would copy an Error's message only.
    expect(error instanceof Error).toBe(false);
    expect(isSerializedError(error)).toBe(true);
    expect(structuredClone(error)).toEqual({ name: 'InvalidInputError', code: 'E_INVALID_NODE_ID', message: 'Invalid node id.', hint: 'Ten hex digits.' });
  });

  it('subscribes to contract events only, and unsubscribes', () => {
    const { bridge, listeners } = loadPreload(() => ({ ok: true, value: null }));
    const got: unknown[] = [];
    const off = bridge.on('nodes', (nodes) => got.push(nodes));
    for (const listener of listeners.get(eventChannel('nodes')) ?? []) listener({ sender: 'hidden' }, ['n1']);
    off();
    for (const listener of listeners.get(eventChannel('nodes')) ?? []) listener({}, ['n2']);
    expect(got).toEqual([['n1']]);
    expect(listeners.get(eventChannel('nodes'))?.size).toBe(0);
    expect(() => bridge.on('ipc-internal' as never, () => {})).toThrow(/no event "ipc-internal"/);
  });
});
