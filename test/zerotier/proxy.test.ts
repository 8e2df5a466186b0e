/**
 * Behind a corporate proxy: `g8boot zt members` reaches ZeroTier Central through a real forward proxy on loopback
 * when HTTPS_PROXY names it, goes direct when NO_PROXY names Central, and never sends this machine's own services
 * (loopback) to the proxy. Kernel downloads take the same road.
 *
 * Nothing leaves this machine: "central.g8boot.test" exists only inside the proxy, which tunnels CONNECTs for it to
 * a TLS front (a certificate made here, trusted through NODE_EXTRA_CA_CERTS) of the ZeroTier simulator. The
 * NO_PROXY case runs the CLI in a network namespace with only loopback, where the direct attempt ends at name
 * resolution without a packet leaving.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { proxyAwareDispatcher, proxyEnvironment } from '../../main/core/http-proxy.ts';
import { startSimulator, type Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { BIN, ROOT, runCli, type CliResult } from '../helpers/cli.ts';
import { request } from 'undici';

const NWID = 'd569b5a47421c8b7';
const CENTRAL_HOST = 'central.g8boot.test';
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const canUseNamespaces = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;

/**
 * A forward proxy to the local stand-in of each host: CONNECT tunnels (https, what undici's ProxyAgent sends for
 * them) and absolute-form requests (plain http). `connects` lists each host:port it was asked for.
 */
function startProxy(routes: Record<string, number>): Promise<{ server: Server; port: number; connects: string[] }> {
  const connects: string[] = [];
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '');
    const hostPort = `${target.hostname}:${target.port || 80}`;
    connects.push(hostPort);
    const port = routes[hostPort];
    if (port === undefined) return void res.writeHead(502).end();
    const upstream = httpRequest({ host: '127.0.0.1', port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    const port = routes[req.url ?? ''];
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, connects })));
}

/** Resolves every name to 127.0.0.1, both ways net.connect may ask (one address, or all of them). */
function loopbackLookup(_host: string, options: { all?: boolean }, callback: (error: null, address: string | { address: string; family: number }[], family?: number) => void): void {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}

describe.skipIf(!hasOpenssl)('a forward proxy', () => {
  let dir: string;
  let sim: Simulator;
  let front: TlsServer;
  let frontPort: number;
  let kernels: Server;
  let kernelPort: number;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'g8boot-proxy-'));
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${CENTRAL_HOST}`, '-addext', `subjectAltName=DNS:${CENTRAL_HOST}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    expect(made.status, made.stderr.toString()).toBe(0);
    sim = await startSimulator({ addressDelayMs: 0, configDelayMs: 0, centralRequestsPerSecond: null });
    sim.addNode({ authorized: true, name: 'behind-the-proxy' });
    // "Central" over TLS, as the proxy's tunnel reaches it: decrypt and hand on to the simulator.
    front = createTlsServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (socket) => {
      const upstream = connect(sim.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', () => resolve()));
    frontPort = (front.address() as AddressInfo).port;
    kernels = createServer((_req, res) => res.end('a kernel'));
    await new Promise<void>((resolve) => kernels.listen(0, '127.0.0.1', () => resolve()));
    kernelPort = (kernels.address() as AddressInfo).port;
    proxy = await startProxy({ [`${CENTRAL_HOST}:443`]: frontPort, 'kernels.g8boot.test:80': kernelPort });
    env = {
      ZEROTIER_CENTRAL_URL: `https://${CENTRAL_HOST}/api/v1`,
      ZEROTIER_CENTRAL_TOKEN: sim.token,
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
      G8BOOT_HOME: dir,
      ZEROTIER_HOME: join(dir, 'zt'),
    };
  });
  afterAll(async () => {
    proxy?.server.close();
    front?.close();
    kernels?.close();
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('zt members goes through HTTPS_PROXY, and the answer is Central\'s', async () => {
    const before = proxy.connects.length;
    const run = await runCli(['zt', 'members', NWID, '--json'], { env: { ...env, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` } });
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { name: string }[]).map((m) => m.name)).toEqual(['behind-the-proxy']);
    const asked = proxy.connects.slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set([`${CENTRAL_HOST}:443`]));
    // The lower-case name works the same (curl's spelling).
    const lower = await runCli(['zt', 'members', NWID, '--json'], { env: { ...env, https_proxy: `http://127.0.0.1:${proxy.port}` } });
    expect(lower.code, lower.stderr).toBe(0);
    expect(proxy.connects.length).toBeGreaterThan(before + asked.length);
  });

  test('a proxy that refuses (407: it wants credentials) is named in the error, with what to do', async () => {
    const asked: string[] = [];
    const refusing = createServer();
    refusing.on('connect', (req: IncomingMessage, client: Socket) => {
      asked.push(req.url ?? '');
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', () => resolve()));
    const port = (refusing.address() as AddressInfo).port;
    try {
      // Credentials in the proxy URL are never printed.
      const run = await runCli(['zt', 'members', NWID], { env: { ...env, HTTPS_PROXY: `http://someone:s3cret@127.0.0.1:${port}` } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Cannot reach ZeroTier Central at https://${CENTRAL_HOST}: the proxy http://127.0.0.1:${port} answered 407.`);
      expect(run.stderr).toContain('The proxy wants credentials');
      expect(run.stderr).not.toContain('s3cret');
      expect(asked.length).toBeGreaterThan(0);
      expect(new Set(asked)).toEqual(new Set([`${CENTRAL_HOST}:443`]));
    } finally {
      refusing.close();
    }
  });

  test("this machine's services on loopback never go through the proxy", async () => {
    const before = proxy.connects.length;
    const run = await runCli(['zt', 'members', NWID, '--json'], {
      env: { ...env, ZEROTIER_CENTRAL_URL: sim.centralBase, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, HTTP_PROXY: `http://127.0.0.1:${proxy.port}` },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(proxy.connects.length).toBe(before);
  });

  test.skipIf(!canUseNamespaces)('NO_PROXY naming Central: the CLI goes direct (and the proxy hears nothing)', async () => {
    const ns = `g8boot-proxy-${process.pid}-${randomBytes(3).toString('hex')}`;
    spawnSync('ip', ['netns', 'add', ns]);
    spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    try {
      // In the namespace nothing listens on the proxy's port, so a proxied attempt would be refused at once;
      // a direct one ends at name resolution, since the namespace has no route to any resolver.
      const inNamespace = (extra: Record<string, string>) =>
        new Promise<CliResult>((resolve) => {
          const result = spawnSync('ip', ['netns', 'exec', ns, process.execPath, BIN, 'zt', 'members', NWID, '--json'], {
            cwd: ROOT,
            env: { ...process.env, ...env, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, ...extra },
            encoding: 'utf8',
            timeout: 60_000,
          });
          resolve({ code: result.status, stdout: result.stdout, stderr: result.stderr });
        });
      const proxied = await inNamespace({});
      expect(proxied.code).toBe(1);
      // The person is told it is the proxy that cannot be reached, not Central.
      expect(JSON.parse(proxied.stderr).error.message).toContain(`the proxy http://127.0.0.1:${proxy.port} cannot be reached (ECONNREFUSED)`);
      for (const noProxy of [CENTRAL_HOST, `.g8boot.test`, `example.org, ${CENTRAL_HOST}:443`]) {
        const direct = await inNamespace({ NO_PROXY: noProxy });
        expect(direct.code).toBe(1);
        expect(JSON.parse(direct.stderr).error.message).toMatch(/EAI_AGAIN|ENOTFOUND/);
      }
    } finally {
      spawnSync('ip', ['netns', 'delete', ns]);
    }
  }, 120_000);

  test('the dispatcher behind every download: proxied, NO_PROXY, and loopback always direct', async () => {
    const base = { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, HTTP_PROXY: `http://127.0.0.1:${proxy.port}` };
    expect(proxyEnvironment({ https_proxy: 'http://a:1', HTTPS_PROXY: 'http://b:2', no_proxy: 'x' })).toEqual({ httpsProxy: 'http://a:1', noProxy: 'x' });
    expect(proxyEnvironment({ HTTP_PROXY: 'http://a:1' })).toEqual({ httpProxy: 'http://a:1', httpsProxy: 'http://a:1' });

    const before = proxy.connects.length;
    const via = proxyAwareDispatcher({}, base);
    expect(via.proxy).toBe(base.HTTPS_PROXY);
    const viaProxy = await request('http://kernels.g8boot.test/g8os.efi', { dispatcher: via.dispatcher });
    expect(await viaProxy.body.text()).toBe('a kernel');
    const local = await request(`http://127.0.0.1:${kernelPort}/g8os.efi`, { dispatcher: via.dispatcher });
    expect(await local.body.text()).toBe('a kernel');
    await via.close();
    expect(proxy.connects.slice(before)).toEqual(['kernels.g8boot.test:80']);

    // NO_PROXY: the same name goes direct (resolved here to loopback through undici's own lookup hook).
    const direct = proxyAwareDispatcher({ connect: { lookup: loopbackLookup } as never }, { ...base, NO_PROXY: 'kernels.g8boot.test' });
    const res = await request(`http://kernels.g8boot.test:${kernelPort}/g8os.efi`, { dispatcher: direct.dispatcher });
    expect(await res.body.text()).toBe('a kernel');
    await direct.close();
    expect(proxy.connects.length).toBe(before + 1);

    // No proxy configured: a plain agent, nothing else.
    expect(proxyAwareDispatcher({}, {}).proxy).toBeNull();
  });
});

