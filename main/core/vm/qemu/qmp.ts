/**
 * A small client for QMP, QEMU's machine protocol: JSON objects one per line over the VM's unix socket. QEMU
 * greets, the client answers `qmp_capabilities`, then commands are answered by `return` or `error` objects
 * carrying the command's `id`; asynchronous events arrive in between. Every wait is bounded, because a QEMU
 * that serves another QMP client (QMP takes one at a time) or hangs must not hang g8boot.
 */
import { join } from 'node:path';
import { createConnection } from 'node:net';
import type { VmRecord } from '../types.ts';

/** The status QEMU reports in `query-status` (e.g. running, paused, internal-error, guest-panicked, shutdown). */
export type QemuRunStatus = string;

export interface QmpClient {
  /** Run a command without arguments; resolves with its `return` value, rejects with its `error` description or on timeout. */
  execute(command: string): Promise<unknown>;
  close(): void;
}

/** sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH = 103;

/**
 * The VM's QMP socket, or null where there is none: Windows (QEMU there has no unix sockets on the versions
 * people install), and run directories so deep that the path does not fit a unix socket address.
 */
export function qmpSocketPath(record: VmRecord, platform: NodeJS.Platform): string | null {
  if (platform === 'win32') return null;
  const path = join(record.runDir, 'qmp.sock');
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : null;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Connect, read the greeting and leave capabilities negotiation mode; each step waits at most `timeoutMs`. */
export async function connectQmp(path: string, timeoutMs: number): Promise<QmpClient> {
  const socket = createConnection(path);
  const pending = new Map<string, Pending>();
  let nextId = 0;
  let closedBecause: Error | null = null;
  let greeted: (() => void) | null = null;
  let beforeGreeting: ((error: Error) => void) | null = null;

  const fail = (error: Error) => {
    closedBecause ??= error;
    beforeGreeting?.(closedBecause);
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(closedBecause);
    }
    pending.clear();
  };

  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end).trim();
      buffered = buffered.slice(end + 1);
      if (!line) continue;
      let message: { QMP?: unknown; id?: unknown; return?: unknown; error?: { desc?: string } };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        continue;
      }
      if (message.QMP !== undefined) {
        greeted?.();
        continue;
      }
      // Events (no id) are not needed: callers poll query-status, which also covers a missed event.
      const waiter = typeof message.id === 'string' ? pending.get(message.id) : undefined;
      if (!waiter) continue;
      pending.delete(message.id as string);
      clearTimeout(waiter.timer);
      if (message.error) waiter.reject(new Error(`QMP: ${message.error.desc ?? 'command failed'}`));
      else waiter.resolve(message.return);
    }
  });
  socket.on('error', (error) => fail(error));
  socket.on('close', () => fail(new Error('QMP: QEMU closed the connection')));

  const client: QmpClient = {
    execute(command) {
      if (closedBecause) return Promise.reject(closedBecause);
      const id = `g8boot-${nextId++}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`QMP: no answer to ${command} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        socket.write(`${JSON.stringify({ execute: command, id })}\n`);
      });
    },
    close: () => socket.destroy(),
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`QMP: no greeting from QEMU within ${timeoutMs} ms`)), timeoutMs);
      greeted = () => (clearTimeout(timer), resolve());
      beforeGreeting = (error) => (clearTimeout(timer), reject(error));
    });
    await client.execute('qmp_capabilities');
    return client;
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** QEMU's run status, through a connection of its own. */
export async function queryStatus(path: string, timeoutMs: number): Promise<QemuRunStatus> {
  const qmp = await connectQmp(path, timeoutMs);
  try {
    return runStatus(await qmp.execute('query-status'));
  } finally {
    qmp.close();
  }
}

export function runStatus(value: unknown): QemuRunStatus {
  const status = (value as { status?: unknown } | null)?.status;
  if (typeof status !== 'string') throw new Error('QMP: query-status returned no status');
  return status;
}
