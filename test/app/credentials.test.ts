/**
 * core0 credentials and trust in the tray app, driven as the renderer drives it (every call through the IPC
 * argument checks, callForIpc), on real parts: the ZeroTier simulator, a real redis-server that speaks only TLS
 * (its own self-signed certificate) and wants a password (`requirepass`, as core0 booted with `organization=`
 * wants its JWT). The tray and notifications are built from what the service says, as the shell builds them.
 * The password must never reach the renderer, an event, a log line, the settings file in clear or the inventory.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callForIpc } from '../../main/app/ipc/handlers.ts';
import { createNotifier, type NotificationModel } from '../../main/app/notifications/notifier.ts';
import { createAppService, type AppService } from '../../main/app/service/app-service.ts';
import { openRedisPassword } from '../../main/app/service/secrets.ts';
import { runTrayCommand } from '../../main/app/tray/tray-commands.ts';
import { trayModel, type MenuItemModel } from '../../main/app/tray/tray-model.ts';
import type { AppState, G8bootMethod, RedisCredentialsView } from '../../main/common/ipc.ts';
import type { NodeRecord } from '../../main/common/nodes.ts';
import { selfSignedCertificate, startRedis, type Certificate, type Peer } from '../nodes/peers.ts';
import { testSimulator } from '../zerotier/helpers.ts';
import { testAppDeps, type TestDeps } from './deps.ts';

const SECRET = 'eyJhbGciOiJFUzM4NCJ9.app-org-jwt-c0ffee';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  service: AppService;
  deps: TestDeps;
  /** Everything the renderer received: call results and pushed events, as JSON. */
  renderer: string[];
  shown: NotificationModel[];
  /** A call as the preload makes it: through IPC's argument checks; rejects with the serialized error. */
  call<T>(method: G8bootMethod, ...args: unknown[]): Promise<T>;
}

async function start(): Promise<Harness> {
  const deps = await testAppDeps({ platform: 'linux' });
  cleanups.push(deps.cleanup);
  const service = createAppService(deps);
  cleanups.push(() => service.dispose());
  const renderer: string[] = [];
  for (const event of ['state', 'nodes', 'monitor-event'] as const) service.on(event, (payload) => renderer.push(JSON.stringify(payload)));
  const shown: NotificationModel[] = [];
  const notifier = createNotifier({ show: (n) => shown.push(n), actions: false, batchWindowMs: 20 });
  service.on('monitor-event', (e) => notifier.handle(e));
  cleanups.push(() => notifier.dispose());
  await service.ready;
  const call = async <T>(method: G8bootMethod, ...args: unknown[]): Promise<T> => {
    const result = await callForIpc(service.api, method, args);
    renderer.push(JSON.stringify(result));
    if (!result.ok) throw result.error;
    return result.value as T;
  };
  return { service, deps, renderer, shown, call };
}

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sweep now (the dashboard's Refresh) until the node is in `state`. */
const nodeIn = (h: Harness, nodeId: string, state: string) =>
  eventually(async () => (await h.call<NodeRecord[]>('refreshNodes')).find((n) => n.nodeId === nodeId && n.probe?.state === state), `node ${nodeId} ${state}`);

function items(menu: readonly MenuItemModel[]): MenuItemModel[] {
  return menu.flatMap((item) => (item.kind === 'submenu' ? [item, ...items(item.items)] : [item]));
}

async function tray(h: Harness) {
  return trayModel({ state: await h.call<AppState>('getState'), nodes: await h.call<NodeRecord[]>('listNodes'), hypervisors: [], startAtLogin: false });
}

let certs: Certificate[] = [];
afterEach(() => {
  for (const cert of certs.splice(0)) cert.cleanup();
});

async function tlsRedis(address: string, cert: Certificate): Promise<Peer> {
  const redis = await startRedis({ address, tls: cert, password: SECRET });
  cleanups.push(() => redis.close());
  return redis;
}

describe('credentials per network in the app', () => {
  it('a password set in settings makes a JWT-protected node ready; a new certificate is "certificate changed" in every face until trusted', async () => {
    const [first, second] = (certs = [selfSignedCertificate(), selfSignedCertificate()]);
    let redis = await tlsRedis('127.87.5.1', first!);
    const sim = await testSimulator();
    const nodeId = sim.addNode({ authorized: true, address: '127.87.5.1', name: 'jwt-node' });
    const h = await start();
    await h.call('connect', { kind: 'central', token: sim.token, url: sim.centralBase });

    // No password yet: Redis answers over TLS and wants one. Reported in the tray and a notification.
    await nodeIn(h, nodeId, 'auth-required');
    expect((await h.call<AppState>('getState')).redisCredentials).toEqual({ networkId: sim.networkIds[0], password: 'none', passwordFile: null, allowPlaintext: false });
    let model = await tray(h);
    expect(model.icon).toBe('attention');
    expect(model.tooltip).toContain('1 node needs a password');
    expect(items(model.menu)).toContainEqual({ kind: 'action', label: `Needs password: ${nodeId} (jwt-node): set the password…`, command: { type: 'open-dashboard', view: 'settings' } });
    await eventually(() => (h.shown.some((n) => n.title === `Node ${nodeId} wants a password`) ? true : undefined), 'the password notification');

    // The person pastes the JWT in Settings: the renderer learns only that a password is stored.
    const view = await h.call<RedisCredentialsView>('setRedisCredentials', { password: { kind: 'secret', value: `${SECRET}\n` } });
    expect(view).toEqual({ networkId: sim.networkIds[0], password: 'stored', passwordFile: null, allowPlaintext: false });
    const ready = await nodeIn(h, nodeId, 'ready');
    expect(ready).toMatchObject({ probe: { tls: true, certificate: first!.fingerprint }, trustedCertificate: { sha256: first!.fingerprint, how: 'first-use' } });
    const settings = JSON.parse(await readFile(join(h.deps.home, 'config', 'settings.json'), 'utf8')) as { redisCredentials: Record<string, { passwordCiphertext: string }> };
    expect(openRedisPassword(h.deps.secrets, settings.redisCredentials[sim.networkIds[0]!]!.passwordCiphertext)).toBe(SECRET);

    // core0 comes back with another certificate: nothing is sent; every face says so.
    await redis.close();
    redis = await tlsRedis('127.87.5.1', second!);
    const changed = await nodeIn(h, nodeId, 'cert-changed');
    expect(changed.probe?.certificate).toBe(second!.fingerprint);
    model = await tray(h);
    expect(model.icon).toBe('attention');
    expect(model.tooltip).toContain('CERTIFICATE CHANGED on 1 node');
    const trust = items(model.menu).find((i) => i.kind === 'action' && i.command.type === 'trust-certificate');
    expect(trust).toMatchObject({ label: expect.stringContaining(`Certificate changed: ${nodeId} (jwt-node)`), command: { nodeId, sha256: second!.fingerprint } });
    await eventually(() => (h.shown.some((n) => n.title === `Certificate changed on node ${nodeId} (jwt-node)`) ? true : undefined), 'the certificate notification');

    // One step from the tray: trust the new certificate; the node is ready again.
    const reports: string[] = [];
    await runTrayCommand((trust as Extract<MenuItemModel, { kind: 'action' }>).command, { api: h.service.api, openDashboard: () => {}, quit: () => {}, report: (t) => void reports.push(t) });
    expect(reports).toEqual([]);
    expect(await nodeIn(h, nodeId, 'ready')).toMatchObject({ trustedCertificate: { sha256: second!.fingerprint, how: 'person' } });

    // The secret is nowhere but in its ciphertext.
    const inventory = await readFile(join(h.deps.home, 'data', 'nodes.json'), 'utf8');
    for (const text of [h.renderer.join('\n'), h.deps.logLines.join('\n'), JSON.stringify(h.shown), JSON.stringify(settings), inventory]) expect(text).not.toContain(SECRET);
    expect(inventory).toContain(second!.fingerprint);
  });

  it('auto-verify without a password: the node is reported, not deauthorized; a JWT file then makes it ready', async () => {
    const [cert] = (certs = [selfSignedCertificate()]);
    await tlsRedis('127.87.5.2', cert!);
    const sim = await testSimulator();
    const h = await start();
    await h.call('connect', { kind: 'central', token: sim.token, url: sim.centralBase });
    await h.call('updateSettings', { policy: 'auto-verify', verifyWithinMin: 1 });
    const nodeId = sim.addNode({ address: '127.87.5.2' });
    const reported = await nodeIn(h, nodeId, 'auth-required');
    expect(reported.authorized).toBe(true);
    await eventually(() => h.deps.logLines.find((l) => l.includes(`policy auto-verify: ${nodeId} answers as Redis but needs the person (Needs password:`)), 'the policy note');
    expect(h.renderer.some((r) => r.includes('"type":"node-credential-problem"'))).toBe(true);
    expect(h.renderer.some((r) => r.includes('"action":"deauthorize"'))).toBe(false);
    expect(sim.population.member(sim.networkIds[0]!, nodeId)?.authorized).toBe(true);

    // A JWT file (refreshed by other tools) instead of a stored password: read before each sweep.
    const file = join(h.deps.home, 'core0.jwt');
    await writeFile(file, SECRET);
    expect(await h.call('setRedisCredentials', { password: { kind: 'file', path: file } })).toMatchObject({ password: 'file', passwordFile: file });
    await nodeIn(h, nodeId, 'ready');
    expect(sim.population.member(sim.networkIds[0]!, nodeId)?.authorized).toBe(true);

    // The tool that refreshes the JWT file removed it: the node says why it has no password, rather than
    // "none is set" (Settings shows the file as set, so that would send the person to the wrong place).
    await rm(file);
    const missing = await nodeIn(h, nodeId, 'auth-required');
    expect(missing.probe?.detail).toContain(`the network's password cannot be read (Cannot read the Redis password file "${file}" (ENOENT))`);
    expect(missing.probe?.detail).not.toContain('none is set');
    expect(sim.population.member(sim.networkIds[0]!, nodeId)?.authorized).toBe(true);
    for (const text of [h.renderer.join('\n'), h.deps.logLines.join('\n'), await readFile(join(h.deps.home, 'config', 'settings.json'), 'utf8')]) expect(text).not.toContain(SECRET);
  });

  it('bad input is refused without echoing the secret; plain text only when allowed', async () => {
    const sim = await testSimulator();
    const h = await start();
    await expect(h.call('setRedisCredentials', { password: { kind: 'secret', value: 'x' } })).rejects.toMatchObject({ code: 'E_NO_NETWORK' });
    await h.call('connect', { kind: 'central', token: sim.token, url: sim.centralBase });
    await expect(h.call('setRedisCredentials', { password: { kind: 'secret', value: `${SECRET}\nsecond-line` } })).rejects.toMatchObject({ code: 'E_INVALID_PASSWORD' });
    await expect(h.call('setRedisCredentials', { password: { kind: 'file', path: 'relative.jwt' } })).rejects.toMatchObject({ code: 'E_REDIS_PASSWORD_FILE' });
    await expect(h.call('setRedisCredentials', { password: { kind: 'file', path: join(h.deps.home, 'missing.jwt') } })).rejects.toMatchObject({ code: 'E_REDIS_PASSWORD_FILE' });
    await expect(h.call('setRedisCredentials', { password: { kind: 'secret', value: SECRET }, extra: 1 })).rejects.toMatchObject({ code: 'E_IPC_BAD_ARGUMENTS' });
    // The secret in the wrong place (a renderer that passes the string itself): refused, and the error the
    // dashboard shows does not repeat it.
    await expect(h.call('setRedisCredentials', { password: SECRET })).rejects.toMatchObject({ code: 'E_IPC_BAD_ARGUMENTS', message: expect.stringContaining('at 0.password') });
    await expect(h.call('setRedisCredentials', SECRET)).rejects.toMatchObject({ code: 'E_IPC_BAD_ARGUMENTS' });
    await expect(h.call('setRedisCredentials', { password: { kind: SECRET, value: SECRET } })).rejects.toMatchObject({ code: 'E_IPC_BAD_ARGUMENTS' });
    await expect(h.call('trustCertificate', '89e92ceee5', 'not-a-fingerprint')).rejects.toMatchObject({ code: 'E_INVALID_FINGERPRINT' });
    expect(await h.call('setRedisCredentials', { allowPlaintext: true })).toMatchObject({ password: 'none', allowPlaintext: true });
    expect(await h.call('setRedisCredentials', { password: { kind: 'none' }, allowPlaintext: false })).toMatchObject({ password: 'none', allowPlaintext: false });
    expect(h.renderer.join('\n')).not.toContain(SECRET);
  });
});
