/**
 * The main side of the IPC contract: one `ipcMain.handle` per G8BOOT_METHODS entry, each checking its sender and
 * its arguments, answering with an IpcResult (so errors keep name, code, message and hint: Electron's own
 * rejection would keep a mangled message only), and the service's events pushed on their channels.
 * Plain Node: `ipcMain` is passed in (Electron's in the app, a fake in tests).
 */
import * as v from 'valibot';
import { G8bootError, serializeError } from '../../common/errors.ts';
import { eventChannel, G8BOOT_EVENTS, G8BOOT_METHODS, methodChannel, type G8bootApi, type G8bootEvent, type G8bootEvents, type G8bootMethod, type IpcResult } from '../../common/ipc.ts';
import { METHOD_ARGUMENTS } from './arguments.ts';
import type { IpcSenderEvent } from './sender.ts';

/** The part of Electron's ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface RegisterOptions {
  ipcMain: IpcMainLike;
  api: G8bootApi;
  isTrusted: (event: IpcSenderEvent) => boolean;
  log?: ((line: string) => void) | undefined;
}

/**
 * valibot's message with what was received, except text: a string in the wrong place may be a secret (a Redis
 * password or the Central token passed where an object was expected), and the error goes back to the renderer,
 * which shows it. Its length says enough to find the mistake.
 */
function withoutReceivedText(issue: v.BaseIssue<unknown>): string {
  // valibot ends its messages with what it received.
  const at = issue.message.lastIndexOf(issue.received);
  if (typeof issue.input !== 'string' || at < 0) return issue.message;
  return `${issue.message.slice(0, at)}a string of ${issue.input.length} characters${issue.message.slice(at + issue.received.length)}`;
}

/** Run one method with IPC's argument checks; never throws. */
export async function callForIpc(api: G8bootApi, method: G8bootMethod, args: readonly unknown[]): Promise<IpcResult<unknown>> {
  if (!(G8BOOT_METHODS as readonly string[]).includes(method)) {
    return { ok: false, error: serializeError(new G8bootError('E_IPC_UNKNOWN_METHOD', `There is no method ${JSON.stringify(String(method))}.`)) };
  }
  const checked = v.safeParse(METHOD_ARGUMENTS[method], [...args]);
  if (!checked.success) {
    const issue = checked.issues[0];
    const where = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    return {
      ok: false,
      error: serializeError(new G8bootError('E_IPC_BAD_ARGUMENTS', `Invalid arguments for ${method}${where ? ` (at ${where})` : ''}: ${withoutReceivedText(issue)}.`)),
    };
  }
  try {
    const call = api[method] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await call(...(checked.output as unknown[])) };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

/** Registers every method; returns a function that removes them again. */
export function registerIpcHandlers(options: RegisterOptions): () => void {
  const log = options.log ?? (() => {});
  for (const method of G8BOOT_METHODS) {
    options.ipcMain.handle(methodChannel(method), async (event, ...args) => {
      if (!options.isTrusted(event)) {
        log(`ipc: refused ${method} from ${event.senderFrame?.url ?? 'a destroyed frame'} (webContents ${event.sender.id})`);
        return {
          ok: false,
          error: serializeError(new G8bootError('E_IPC_FORBIDDEN', 'This page may not call g8boot.')),
        } satisfies IpcResult<never>;
      }
      return callForIpc(options.api, method, args);
    });
  }
  return () => {
    for (const method of G8BOOT_METHODS) options.ipcMain.removeHandler(methodChannel(method));
  };
}

/** Push every service event to `send` (the main window's webContents.send). Returns the unsubscribe. */
export function forwardEvents(
  source: { on<E extends G8bootEvent>(event: E, listener: (payload: G8bootEvents[E]) => void): () => void },
  send: (channel: string, payload: unknown) => void,
): () => void {
  const unsubscribes = G8BOOT_EVENTS.map((event) => source.on(event, (payload) => send(eventChannel(event), payload)));
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}
