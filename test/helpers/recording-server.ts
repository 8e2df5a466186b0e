/**
 * A loopback HTTP server that records every request and lets a test wait for one. Boot tests point QEMU
 * guests at it (the guest reaches the host's 127.0.0.1:PORT as 10.0.2.2:PORT).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  at: number;
}

export interface RecordingServer {
  port: number;
  /** Base URL as the host sees it. */
  url: string;
  /** Base URL as a QEMU user-mode-networking guest sees it. */
  guestUrl: string;
  requests: RecordedRequest[];
  /** Resolves with the first request (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs: number, describe?: string): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const defaultHandler: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('#!ipxe\necho test server reached\nsleep 600\n');
};

export async function startRecordingServer(handler: Handler = defaultHandler): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const waiters = new Set<{ predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }>();
  const server = createServer((req, res) => {
    const record = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() };
    requests.push(record);
    for (const w of [...waiters]) {
      if (w.predicate(record)) {
        waiters.delete(w);
        w.resolve(record);
      }
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    guestUrl: `http://10.0.2.2:${port}`,
    requests,
    waitFor(predicate, timeoutMs, describe = 'the expected request') {
      const seen = requests.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve: (r: RecordedRequest) => (clearTimeout(timer), resolve(r)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const got = requests.map((r) => `${r.method} ${r.url}`).join(', ') || 'none';
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${describe}; requests seen: ${got}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
