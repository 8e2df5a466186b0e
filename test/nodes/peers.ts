/**
 * The nodes' side of the node tests, all real and on loopback: redis-server processes (plain, requirepass, TLS
 * with a certificate generated here), hostile TCP peers, and a fake core0 that consumes `core:default`. Each
 * listens on its own 127.77.<file>.<n> at port 6379, like a node on a ZeroTier network, and is closed when the
 * test (or file) that made it ends.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { parseCommand } from '../../main/core/zerotier/simulator/core0-stand-in.ts';

export const REDIS_PORT = 6379;

export interface Peer {
  address: string;
  close(): Promise<void>;
}

/** Resolves once something accepts connections on address:port (bounded). */
export async function waitForPort(address: string, port: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: address, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${address}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Certificate {
  dir: string;
  cert: string;
  key: string;
  /** SHA-256, lower-case hex without colons. */
  fingerprint: string;
  cleanup(): void;
}

/** A self-signed certificate like core0's (openssl, EC P-256). */
export function selfSignedCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'g8boot-nodes-cert-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=core0'], {
    stdio: 'ignore',
  });
  const der = new X509Certificate(readFileSync(cert)).raw;
  return { dir, cert, key, fingerprint: createHash('sha256').update(der).digest('hex'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RedisOptions {
  address: string;
  password?: string;
  tls?: Certificate;
}

/** A real redis-server on address:6379 (TLS-only when `tls` is given). */
export async function startRedis(options: RedisOptions): Promise<Peer & { process: ChildProcess }> {
  const args = ['--bind', options.address, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', tmpdir()];
  if (options.tls) {
    args.push('--port', '0', '--tls-port', String(REDIS_PORT), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key, '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(REDIS_PORT));
  }
  if (options.password) args.push('--requirepass', options.password);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(options.address, REDIS_PORT),
      exited.then(() => {
        throw new Error(`redis-server on ${options.address} exited:\n${output}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address: options.address,
    process: child,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A TCP server on address:6379 whose connections `handle` drives; every socket is destroyed on close. */
export async function startTcpPeer(address: string, handle: (socket: Socket) => void): Promise<Peer & { server: Server }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(REDIS_PORT, address, () => resolve());
  });
  return {
    address,
    server,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The hostile peers the issue names, each a behaviour for startTcpPeer. */
export const hostile = {
  /** An HTTP server: answers anything with a 400. */
  http: (socket: Socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')),
  /** Accepts and never answers. */
  silent: (_socket: Socket) => undefined,
  /** Drips "+PONG\r\n" one byte a second: a complete answer only after 7 s. */
  drip: (socket: Socket) => {
    const bytes = Buffer.from('+PONG\r\n');
    let i = 0;
    const timer = setInterval(() => (i < bytes.length ? socket.write(bytes.subarray(i, ++i)) : clearInterval(timer)), 1000);
    socket.write(bytes.subarray(i, ++i));
    socket.once('close', () => clearInterval(timer));
  },
  /** A bulk reply declared a gigabyte long, then as many bytes as the socket takes, until it is closed. */
  endlessBulk: (socket: Socket) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.write('$1073741824\r\n');
    socket.on('drain', pump);
    pump();
  },
  /** A simple-string reply that never ends (no CRLF), as fast as the socket takes it. */
  endlessLine: (socket: Socket) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.write('+');
    socket.on('drain', pump);
    pump();
  },
  /** Binary garbage. */
  garbage: (socket: Socket) => socket.once('data', () => socket.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a]))),
};

/** An address in 224.0.0.0/4: Linux refuses a TCP connection to multicast with ENETUNREACH, sending nothing. */
export const UNROUTABLE = '224.0.0.77';

export interface FakeCore0Options {
  address: string;
  /** What `core.ping` answers; null: never answers (the job is consumed, no result). */
  answer?: string | null;
  /** Result state; default SUCCESS. */
  state?: string;
  /** Required with AUTH first, like core0 booted with organization= (its JWT). */
  password?: string;
  tls?: Certificate;
}

export interface FakeCore0 extends Peer {
  /** Commands core0 took from `core:default`, parsed. */
  readonly jobs: Record<string, unknown>[];
}

const bulk = (value: string | null) => (value === null ? '$-1\r\n' : `$${Buffer.byteLength(value)}\r\n${value}\r\n`);

/**
 * A small RESP server standing in for core0: Redis' PING/AUTH, a `core:default` queue that core0 itself
 * consumes (answering core.ping on `result:<id>` the way core0 does: level 20, data JSON-encoded), and
 * BRPOPLPUSH waiting on the result list.
 */
export async function startFakeCore0(options: FakeCore0Options): Promise<FakeCore0> {
  const lists = new Map<string, string[]>();
  const waiters = new Map<string, (() => void)[]>();
  const jobs: Record<string, unknown>[] = [];
  const push = (key: string, value: string) => {
    lists.set(key, [...(lists.get(key) ?? []), value]);
    const woken = waiters.get(key) ?? [];
    waiters.delete(key);
    for (const wake of woken) wake();
  };
  const consume = (json: string) => {
    const job = JSON.parse(json) as Record<string, unknown>;
    jobs.push(job);
    if (options.answer === null || options.answer === undefined) return;
    const result = {
      id: job.id,
      command: job.command,
      data: JSON.stringify(options.answer),
      streams: ['', ''],
      critical: '',
      level: 20,
      state: options.state ?? 'SUCCESS',
      starttime: Date.now(),
      time: 1,
      tags: null,
    };
    setTimeout(() => push(`result:${String(job.id)}`, JSON.stringify(result)), 5);
  };
  const sockets = new Set<Socket>();
  const handle = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    let authed = options.password === undefined;
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // The demo's core0 stand-in parses RESP the same way: one parser for both.
      for (let parsed = parseCommand(pending); parsed; parsed = parseCommand(pending)) {
        pending = pending.subarray(parsed.used);
        const [name = '', ...args] = parsed.args;
        const command = name.toUpperCase();
        if (command === 'AUTH') {
          authed = args[0] === options.password;
          socket.write(authed ? '+OK\r\n' : '-WRONGPASS invalid password\r\n');
        } else if (!authed) {
          socket.write('-NOAUTH Authentication required.\r\n');
        } else if (command === 'PING') {
          socket.write('+PONG\r\n');
        } else if (command === 'RPUSH' && args[0] === 'core:default') {
          socket.write(`:${args.length - 1}\r\n`);
          for (const value of args.slice(1)) consume(value);
        } else if (command === 'BRPOPLPUSH') {
          const [source = '', destination = '', seconds = '0'] = args;
          const answer = () => {
            const list = lists.get(source) ?? [];
            const value = list.pop();
            if (value === undefined) return false;
            push(destination, value);
            socket.write(bulk(value));
            return true;
          };
          if (!answer()) {
            const timer = setTimeout(() => socket.write('*-1\r\n'), Number(seconds) * 1000);
            waiters.set(source, [...(waiters.get(source) ?? []), () => (clearTimeout(timer), answer())]);
          }
        } else {
          socket.write(`-ERR unknown command '${name}'\r\n`);
        }
      }
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, handle)
    : createTcpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(REDIS_PORT, options.address, () => resolve());
  });
  return {
    address: options.address,
    jobs,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RecordingPeer extends Peer {
  /** Every byte every client sent (after TLS decryption), as text. */
  received(): string;
  /** TCP connections accepted. */
  connections(): number;
}

/**
 * A hostile node: whatever it is asked, it answers `-NOAUTH` (AUTH itself gets `+OK`, or `authReply(password)`),
 * and it records every byte it receives. Plain TCP, or TLS with `tls` (it then records what came through the
 * encrypted channel).
 */
export async function startRecordingPeer(address: string, options: { tls?: Certificate; authReply?: (password: string) => string } = {}): Promise<RecordingPeer> {
  const chunks: Buffer[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const handle = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      pending = Buffer.concat([pending, chunk]);
      // The demo's core0 stand-in parses RESP the same way: one parser for both.
      for (let parsed = parseCommand(pending); parsed; parsed = parseCommand(pending)) {
        pending = pending.subarray(parsed.used);
        const [name = '', ...args] = parsed.args;
        if (name.toUpperCase() !== 'AUTH') socket.write('-NOAUTH Authentication required.\r\n');
        else socket.write(options.authReply ? options.authReply(args.at(-1) ?? '') : '+OK\r\n');
      }
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, handle)
    : createTcpServer(handle);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(REDIS_PORT, address, () => resolve());
  });
  return {
    address,
    received: () => Buffer.concat(chunks).toString('latin1'),
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Core0Worker {
  /** Jobs taken from `core:default`, parsed. */
  readonly jobs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * core0's side of its command queue on a REAL redis-server (what core0 does on a node): take each job from
 * `core:default` (BLPOP) and answer `core.ping` on `result:<id>` the way core0 does (level 20, data JSON-encoded).
 * With `startRedis`, a node whose Redis answers PING and whose core0 answers the deep check.
 */
export async function startCore0Worker(address: string, answer = 'PONG 1.1.0-alpha-8'): Promise<Core0Worker> {
  const { Redis } = await import('ioredis');
  const redis = new Redis({ host: address, port: REDIS_PORT, maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect();
  const jobs: Record<string, unknown>[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const taken = await redis.blpop('core:default', 1).catch(() => null);
      if (!taken) continue;
      const job = JSON.parse(taken[1]) as Record<string, unknown>;
      jobs.push(job);
      const result = { id: job.id, command: job.command, data: JSON.stringify(answer), streams: ['', ''], critical: '', level: 20, state: 'SUCCESS', starttime: Date.now(), time: 1, tags: null };
      await redis.rpush(`result:${String(job.id)}`, JSON.stringify(result));
    }
  })();
  return {
    jobs,
    async stop() {
      running = false;
      await loop;
      redis.disconnect();
    },
  };
}
