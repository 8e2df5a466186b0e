/**
 * Stand-ins for core0's Redis on loopback addresses, for the demo network and benchmarks: something answers on
 * <address>:<port> the way core0 does, so g8boot's probes see nodes become ready without any G8OS machine. It
 * speaks just enough RESP for a probe: PING → PONG, AUTH, and core0's command protocol for `core.ping` (RPUSH
 * onto core:default, the result on result:<id>, FIELD-NOTES §2).
 *
 * Each address has a role, so a script can show every state a person meets:
 * - `core0`: answers like core0 (ready);
 * - `password`: core0 1.1+ booted with `organization=`: TLS only (a self-signed certificate, like core0's), and
 *   NOAUTH until AUTH with the password (auth-required, ready with the password);
 * - `silent`: accepts connections and never answers (timeout), like a hung or overloaded node;
 * - `absent`: nothing listens (refused), like a node whose core0 has not started.
 *
 * Only loopback addresses are ever bound (anything else is refused): the demo must never touch a real network.
 */
import { createServer, isIPv4, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { isLoopbackHost } from '../../../common/validate.ts';
import type { Simulator } from './server.ts';

export type Core0Role = 'core0' | 'password' | 'silent' | 'absent';

export const CORE0_STAND_IN_VERSION = 'PONG 1.2.0-demo';

// The demo's TLS identity, the same for every demo node and every install: it guards nothing (the demo's
// password is printed for all to see) and exists only so the demo's password node talks TLS as core0 does.
const DEMO_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBYMP8VlwPfoFRxxo
sEZ6lAzD8Xftpp8NR79hUzmcDV2hRANCAARDYOTz7N+3D2vIZZao1ZfWkoZ+7Tcg
KZJUKv2QvL10UJUwy1cp3t3ias/gKRax5gxie7DdB2Jf9w3RJLZGRk4h
-----END PRIVATE KEY-----
`;
const DEMO_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUT/TWyEKExTd8CyVReRfHAzKoXAkwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRZzhib290IGRlbW8gY29yZTAwIBcNMjYxMjAxMjI1MzU2WhgP
MjEyNjExMDcyMjUzNTZaMBwxGjAYBgNVBAMMEWc4Ym9vdCBkZW1vIGNvcmUwMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ2Dk8+zftw9ryGWWqNWX1pKGfu03ICmS
VCr9kLy9dFCVMMtXKd7d4mrP4CkWseYMYnuw3QdiX/cN0SS2RkZOIaNTMFEwHQYD
VR0OBBYEFArj168UXIkgp8sPOKB5HLrR0cKEMB8GA1UdIwQYMBaAFArj168UXIkg
p8sPOKB5HLrR0cKEMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIg
EsXeQDt4LrDwLc/SjKT3wpBM/fm3nB+fftZabYypmjwCIQCngsPVdXtre1TFM7Ro
b+K4cDqaLoZUnA9lU5kIUjdwgw==
-----END CERTIFICATE-----
`;

export interface Core0StandIns {
  readonly port: number;
  /**
   * Answer on `address` as `role` from now on (an existing listener switches role at once). Resolves to false
   * when the OS does not let us listen there (macOS has only 127.0.0.1; a real Redis may own the port).
   */
  serve(address: string, role: Core0Role): Promise<boolean>;
  role(address: string): Core0Role | undefined;
  /** Addresses listened on now. */
  addresses(): string[];
  close(): Promise<void>;
}

export interface Core0StandInOptions {
  port: number;
  /** What `password` nodes accept with AUTH. */
  password?: string | undefined;
}

export function createCore0StandIns(options: Core0StandInOptions): Core0StandIns {
  const roles = new Map<string, Core0Role>();
  const servers = new Map<string, { server: Server; tls: boolean }>();
  const sockets = new Set<Socket>();
  const password = options.password ?? 'g8boot-demo';

  const listen = (address: string, tls: boolean) =>
    new Promise<boolean>((resolve) => {
      const onSocket = (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        answer(socket, address);
      };
      const server = tls ? createTlsServer({ key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT }, onSocket) : createServer(onSocket);
      // A plaintext PING on the TLS port: the handshake fails and the connection closes, as on core0.
      server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
      server.once('error', () => resolve(false));
      server.listen({ port: options.port, host: address, exclusive: true }, () => {
        servers.set(address, { server, tls });
        resolve(true);
      });
    });

  const stop = (address: string) => {
    const server = servers.get(address)?.server;
    servers.delete(address);
    if (!server) return Promise.resolve();
    for (const socket of sockets) if (socket.localAddress === address) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };

  function answer(socket: Socket, address: string): void {
    const results = new Map<string, string>();
    let authenticated = false;
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const role = roles.get(address) ?? 'absent';
      if (role === 'silent' || role === 'absent') return;
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseCommand(buffer);
        if (!parsed) return;
        buffer = buffer.subarray(parsed.used);
        const [name = ''] = parsed.args;
        if (role === 'password' && name.toUpperCase() === 'AUTH') {
          authenticated = parsed.args.at(-1) === password;
          socket.write(authenticated ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
        } else if (role === 'password' && !authenticated) {
          socket.write('-NOAUTH Authentication required.\r\n');
        } else {
          socket.write(reply(parsed.args, results));
        }
      }
    });
  }

  return {
    port: options.port,
    async serve(address, role) {
      if (!isIPv4(address) || !isLoopbackHost(address)) return false;
      roles.set(address, role);
      if (role === 'absent') {
        await stop(address);
        return true;
      }
      const tls = role === 'password';
      const current = servers.get(address);
      if (current && current.tls !== tls) await stop(address);
      else if (current) {
        // A node that stops answering stops for connections already open too.
        if (role === 'silent') for (const socket of sockets) if (socket.localAddress === address) socket.destroy();
        return true;
      }
      return listen(address, tls);
    },
    role: (address) => roles.get(address),
    addresses: () => [...servers.keys()],
    async close() {
      await Promise.all([...servers.keys()].map(stop));
      for (const socket of sockets) socket.destroy();
    },
  };
}

/**
 * A port to answer on that is free on every one of `hosts` (the demo's whole address pool): `preferred` when it
 * is (core0's 6379, so `g8boot nodes` needs no flag), else a free one. Checking the first address alone is not
 * enough: a second demo found 127.86.0.10:6379 free while the first one's nodes held 127.86.0.11 and up on 6379,
 * so its own stand-ins failed to listen and the first demo's answered its probes. Null when `hosts[0]` cannot
 * be listened on at all (macOS: only 127.0.0.1 exists).
 */
export async function pickStandInPort(hosts: readonly string[], preferred: number): Promise<number | null> {
  const tryPort = (host: string, port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen({ port, host, exclusive: true }, () => {
        const address = server.address();
        const got = typeof address === 'object' && address ? address.port : null;
        server.close(() => resolve(got));
      });
    });
  const freeEverywhere = async (port: number) => {
    for (const host of hosts.slice(1)) if ((await tryPort(host, port)) === null) return false;
    return true;
  };
  const [first] = hosts;
  if (first === undefined) return null;
  if (preferred !== 0 && (await tryPort(first, preferred)) !== null && (await freeEverywhere(preferred))) return preferred;
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await tryPort(first, 0);
    if (port === null) return null;
    if (await freeEverywhere(port)) return port;
  }
  return null;
}

/**
 * Answer like core0 on every loopback address the members of `networkId` receive (benchmarks: a thousand
 * nodes that are all up).
 */
export function answerForMembers(options: { simulator: Simulator; networkId: string; port: number; everyMs?: number }): Core0StandIns {
  const standIns = createCore0StandIns({ port: options.port });
  const watch = () => {
    for (const member of options.simulator.population.members(options.networkId)) {
      for (const address of member.ipAssignments) if (standIns.role(address) === undefined) void standIns.serve(address, 'core0');
    }
  };
  watch();
  const timer = setInterval(watch, options.everyMs ?? 1000);
  timer.unref();
  return {
    ...standIns,
    async close() {
      clearInterval(timer);
      await standIns.close();
    },
  };
}

function reply(args: string[], results: Map<string, string>): string {
  const [name = '', ...rest] = args;
  switch (name.toUpperCase()) {
    case 'PING':
      return '+PONG\r\n';
    case 'AUTH':
      return "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n";
    case 'RPUSH': {
      if (rest[0] === 'core:default' && rest[1]) {
        const command = safeJson(rest[1]) as { id?: unknown; command?: unknown } | undefined;
        if (typeof command?.id === 'string') {
          const now = Date.now();
          results.set(
            `result:${command.id}`,
            JSON.stringify({ id: command.id, command: command.command, data: JSON.stringify(CORE0_STAND_IN_VERSION), streams: ['', ''], critical: '', level: 20, state: 'SUCCESS', starttime: now, time: 1, tags: null }),
          );
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
