/**
 * Demo mode's stand-in for core0: once a demo node has its address, something answers on <address>:<redisPort>
 * the way core0's Redis does, so the demo shows nodes becoming ready without any G8OS machine. It speaks just
 * enough RESP for a probe: PING → PONG, and core0's command protocol for `core.ping` (RPUSH onto core:default,
 * the result on result:<id>, FIELD-NOTES §2).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Simulator } from '../../core/zerotier/simulator/server.ts';

export interface DemoCore0 {
  /** Addresses answered on so far. */
  addresses(): string[];
  close(): Promise<void>;
}

const CORE0_VERSION = 'PONG 1.2.0-demo';
const WATCH_MS = 1000;

export async function startDemoCore0(options: { simulator: Simulator; networkId: string; port: number }): Promise<DemoCore0> {
  const servers = new Map<string, Server | null>();
  const sockets = new Set<Socket>();
  const results = new Map<string, string>();

  const listenOn = (address: string) => {
    servers.set(address, null);
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      answer(socket, results);
    });
    // Not every loopback address can be bound (macOS has only 127.0.0.1), and a real Redis may own the port:
    // that node then shows the probe's honest answer instead.
    server.on('error', () => servers.delete(address));
    server.listen(options.port, address, () => servers.set(address, server));
  };

  const watch = () => {
    for (const member of options.simulator.population.members(options.networkId)) {
      for (const address of member.ipAssignments) if (address.startsWith('127.') && !servers.has(address)) listenOn(address);
    }
  };
  watch();
  const timer = setInterval(watch, WATCH_MS);
  timer.unref();

  return {
    addresses: () => [...servers.entries()].filter(([, server]) => server !== null).map(([address]) => address),
    async close() {
      clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all([...servers.values()].map((server) => server && new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

function answer(socket: Socket, results: Map<string, string>): void {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = parseCommand(buffer);
      if (!parsed) return;
      buffer = buffer.subarray(parsed.used);
      socket.write(reply(parsed.args, results));
    }
  });
}

function reply(args: string[], results: Map<string, string>): string {
  const [name = '', ...rest] = args;
  switch (name.toUpperCase()) {
    case 'PING':
      return '+PONG\r\n';
    case 'RPUSH': {
      if (rest[0] === 'core:default' && rest[1]) {
        const command = safeJson(rest[1]) as { id?: unknown; command?: unknown } | undefined;
        if (typeof command?.id === 'string') {
          const now = Date.now();
          results.set(`result:${command.id}`, JSON.stringify({ id: command.id, command: command.command, data: JSON.stringify(CORE0_VERSION), streams: ['', ''], critical: '', level: 20, state: 'SUCCESS', starttime: now, time: 1, tags: null }));
        }
      }
      return ':1\r\n';
    }
    case 'BRPOPLPUSH':
    case 'RPOPLPUSH':
    case 'LPOP':
    case 'BLPOP': {
      const key = rest[0] ?? '';
      const value = results.get(key);
      if (value === undefined) return name.toUpperCase() === 'BLPOP' ? '*-1\r\n' : '$-1\r\n';
      results.delete(key);
      const bulk = `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
      return name.toUpperCase() === 'BLPOP' ? `*2\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n${bulk}` : bulk;
    }
    case 'EXPIRE':
    case 'DEL':
      return ':1\r\n';
    default:
      return `-ERR unknown command '${name.slice(0, 32).replace(/[^\x20-\x7e]/g, '?')}'\r\n`;
  }
}

/** One RESP array of bulk strings, or one inline command line; null until complete. */
export function parseCommand(buffer: Buffer): { args: string[]; used: number } | null {
  const lineEnd = (from: number) => {
    const at = buffer.indexOf('\r\n', from);
    return at < 0 ? null : at;
  };
  if (buffer.length === 0) return null;
  if (buffer[0] !== 0x2a /* '*' */) {
    const end = lineEnd(0);
    if (end === null) return null;
    return { args: buffer.subarray(0, end).toString('latin1').trim().split(/\s+/).filter(Boolean), used: end + 2 };
  }
  let end = lineEnd(0);
  if (end === null) return null;
  const count = Number(buffer.subarray(1, end).toString('latin1'));
  let at = end + 2;
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    end = lineEnd(at);
    if (end === null) return null;
    const length = Number(buffer.subarray(at + 1, end).toString('latin1'));
    const start = end + 2;
    if (buffer.length < start + length + 2) return null;
    args.push(buffer.subarray(start, start + length).toString('utf8'));
    at = start + length + 2;
  }
  return { args, used: at };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
