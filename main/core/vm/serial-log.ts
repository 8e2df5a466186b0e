/**
 * The VM's serial console goes to a log file (every hypervisor can write one); the CLI and the app read its
 * tail and follow it like `tail -f`.
 */
import { open, stat } from 'node:fs/promises';

/** The last `maxBytes` of the log (latin1: the console is bytes, not necessarily UTF-8); '' when there is none. */
export async function readLogTail(path: string, maxBytes = 64 * 1024): Promise<string> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('latin1');
  } finally {
    await handle.close();
  }
}

/** The last `count` non-empty lines of the log, for error messages and the `crashed` state. */
export async function readLogLines(path: string, count: number): Promise<string[]> {
  const lines = (await readLogTail(path, 16 * 1024)).split(/\r?\n/).filter((l) => l.trim().length > 0);
  return lines.slice(-count);
}

export interface FollowOptions {
  onData: (chunk: Buffer) => void;
  signal: AbortSignal;
  /** How often to look for new output. */
  intervalMs?: number;
}

/**
 * Print the whole log, then new output as it arrives, until `signal` aborts. A log that shrinks (the VM was
 * started again, which truncates it) is read again from its start.
 */
export async function followLog(path: string, options: FollowOptions): Promise<void> {
  const interval = options.intervalMs ?? 250;
  let position = 0;
  while (!options.signal.aborted) {
    const size = (await stat(path).catch(() => null))?.size ?? 0;
    if (size < position) position = 0;
    if (size > position) {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(size - position);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        position += bytesRead;
        if (bytesRead > 0) options.onData(buffer.subarray(0, bytesRead));
      } finally {
        await handle.close();
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval);
      options.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
