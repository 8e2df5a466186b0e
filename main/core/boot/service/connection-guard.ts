/**
 * What keeps the boot service answering when it listens beyond loopback and someone holds connections open: a
 * cap on connections (below the process's file-descriptor limit), deadlines sized for booting machines, and a
 * minimum transfer rate for downloads. Node's own timeouts do not cover these cases: a connection that sends
 * nothing is never cut, a slow header sender only when its request timeout is noticed, a slow reader never.
 *
 * - A booting machine sends its request within milliseconds of connecting: a connection gets 70-100 % of the
 *   header deadline to deliver its first request's headers (later requests on a kept-alive connection: Node's requestTimeout).
 * - Downloads (ISO ~2 MB, kernels tens of MB) must move at least MIN_BYTES_PER_SECOND, measured over
 *   RATE_WINDOW; a reader slower than that is cut (a PXE client on the slowest LAN reads MB/s).
 * - At the cap, a new connection replaces the oldest one that holds no request in progress (one that never sent a
 *   request first): hostile idle connections cannot lock legitimate clients out. Only when every connection is
 *   busy serving is the newcomer turned away (503), and that lasts no longer than the downloads.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { memorySettler } from './settle-memory.ts';

export interface ConnectionLimits {
  /** Connections held at once. Default: 16,384, or less when the file-descriptor limit is low. */
  maxConnections: number;
  /** Time a new connection has to send its first request's headers. */
  headerDeadlineMs: number;
  /** A connection with no traffic at all for this long is cut. */
  idleMs: number;
  /** A response body must move at least this many bytes per second, over each rate window. */
  minBytesPerSecond: number;
  rateWindowMs: number;
}

export type CutReason = 'header-deadline' | 'slow-reader' | 'evicted' | 'refused' | 'idle';

/** The file-descriptor limit of this process where it can be read (Linux), else a conservative guess. */
export function fileDescriptorLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch {
    // not Linux
  }
  return process.platform === 'win32' ? 1 << 16 : 2048;
}

/**
 * Leave a quarter of the descriptors (and at least 64) to kernels, images being read, logs, the app itself. Up to
 * 16,384: an idle connection costs a few KiB, and a cap the attackers stay under means no eviction churn (each
 * evicted connection comes back, and accepting them is what makes fresh clients wait).
 */
export function defaultMaxConnections(fdLimit = fileDescriptorLimit()): number {
  return Math.max(16, Math.min(16_384, Math.floor(fdLimit * 0.75) - 64));
}

export const DEFAULT_LIMITS: Omit<ConnectionLimits, 'maxConnections'> = {
  headerDeadlineMs: 10_000,
  idleMs: 30_000,
  minBytesPerSecond: 16 * 1024,
  rateWindowMs: 20_000,
};

interface Tracked {
  /** A request is being answered on it. */
  busy: boolean;
  requests: number;
  headerTimer: NodeJS.Timeout | undefined;
  windowStart: number;
  bytesAtWindowStart: number;
}

export interface ConnectionGuard {
  readonly limits: ConnectionLimits;
  /** Connections open now, and the connections cut so far by reason. */
  stats(): { open: number; cut: Record<CutReason, number> };
  stop(): void;
}

export function guardConnections(server: Server, limits: ConnectionLimits): ConnectionGuard {
  const sockets = new Map<Socket, Tracked>();
  const cut: Record<CutReason, number> = { 'header-deadline': 0, 'slow-reader': 0, evicted: 0, refused: 0, idle: 0 };
  const drop = (socket: Socket, reason: CutReason) => {
    cut[reason]++;
    socket.destroy();
  };

  /** The oldest connection that is not answering a request: one that never sent one before a kept-alive one. */
  const evictable = (): Socket | undefined => {
    let keptAlive: Socket | undefined;
    for (const [socket, t] of sockets) {
      if (t.busy) continue;
      if (t.requests === 0) return socket;
      keptAlive ??= socket;
    }
    return keptAlive;
  };

  server.on('connection', (socket: Socket) => {
    if (sockets.size >= limits.maxConnections) {
      const victim = evictable();
      if (!victim) {
        cut.refused++;
        socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 5\r\ncontent-length: 0\r\n\r\n');
        socket.destroySoon();
        return;
      }
      sockets.delete(victim);
      drop(victim, 'evicted');
    }
    const tracked: Tracked = { busy: false, requests: 0, headerTimer: undefined, windowStart: 0, bytesAtWindowStart: 0 };
    // Spread over the last 30 % of the deadline: connections opened together (a flood) are not all cut in the same
    // instant, which would bring their reconnections back as one burst that fills the accept queue.
    tracked.headerTimer = setTimeout(() => drop(socket, 'header-deadline'), limits.headerDeadlineMs * (0.7 + 0.3 * Math.random()));
    tracked.headerTimer.unref();
    sockets.set(socket, tracked);
    socket.once('close', () => {
      clearTimeout(tracked.headerTimer);
      sockets.delete(socket);
    });
  });

  // Node arms each socket's inactivity timer from server.timeout (and re-arms it between requests).
  server.timeout = limits.idleMs;
  server.on('timeout', (socket: Socket) => drop(socket, 'idle'));

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const tracked = sockets.get(req.socket);
    if (!tracked) return;
    clearTimeout(tracked.headerTimer);
    tracked.headerTimer = undefined;
    tracked.busy = true;
    tracked.requests++;
    tracked.windowStart = Date.now();
    tracked.bytesAtWindowStart = req.socket.bytesWritten;
    res.once('close', () => {
      tracked.busy = false;
    });
  });

  // One sweep a second over the connections answering a request: cheap for thousands of them.
  const minBytesPerWindow = (limits.minBytesPerSecond * limits.rateWindowMs) / 1000;
  const settler = memorySettler();
  const rateCheck = setInterval(() => {
    settler.observe(sockets.size);
    const now = Date.now();
    for (const [socket, t] of sockets) {
      if (!t.busy || now - t.windowStart < limits.rateWindowMs) continue;
      if (socket.bytesWritten - t.bytesAtWindowStart < minBytesPerWindow) {
        drop(socket, 'slow-reader');
        continue;
      }
      t.windowStart = now;
      t.bytesAtWindowStart = socket.bytesWritten;
    }
  }, Math.min(1000, limits.rateWindowMs));
  rateCheck.unref();

  return {
    limits,
    stats: () => ({ open: sockets.size, cut: { ...cut } }),
    stop: () => clearInterval(rateCheck),
  };
}
