import { spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, onTestFinished, test } from 'vitest';
import { serializeError } from '../../main/common/errors.ts';
import { discoverLocalService, tokenCopyHint, zeroTierPaths, type DiscoveredService } from '../../main/core/zerotier/local-discovery.ts';
import { createLocalService, joinUntilReady, type LocalService } from '../../main/core/zerotier/local-service.ts';
import { closedPort, FAST, localOn, rejection, tempDir, testSimulator } from './helpers.ts';

const NWID = 'd569b5a47421c8b7';

async function writeToken(path: string, token: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `${token}\n`, { mode: 0o600 });
}

function serviceOn(discovered: DiscoveredService): LocalService {
  const service = createLocalService(discovered, FAST);
  onTestFinished(() => service.close());
  return service;
}

describe('finding the local service, per OS layout', () => {
  test('Linux: the system token and port file', async () => {
    const root = await tempDir();
    const system = join(root, 'var-lib-zerotier-one');
    await writeToken(join(system, 'authtoken.secret'), 'sys-token');
    await writeFile(join(system, 'zerotier-one.port'), '9994\n');
    const found = await discoverLocalService({ platform: 'linux', env: {}, userHome: join(root, 'home'), systemHome: system });
    expect(found.token).toBe('sys-token');
    expect(found.location).toEqual({
      platform: 'linux',
      home: system,
      port: 9994,
      url: 'http://127.0.0.1:9994',
      tokenPath: join(system, 'authtoken.secret'),
      tokenIsUserCopy: false,
    });
  });

  test("Linux: the per-user copy ~/.zeroTierOneAuthToken when the system token is missing; port 9993 by default", async () => {
    const root = await tempDir();
    const home = join(root, 'home');
    await writeToken(join(home, '.zeroTierOneAuthToken'), 'user-token');
    const found = await discoverLocalService({ platform: 'linux', env: {}, userHome: home, systemHome: join(root, 'none') });
    expect(found).toMatchObject({ token: 'user-token', location: { port: 9993, tokenIsUserCopy: true, tokenPath: join(home, '.zeroTierOneAuthToken') } });
  });

  test('macOS: ~/Library/Application Support/ZeroTier/One/authtoken.secret', async () => {
    const root = await tempDir();
    const home = join(root, 'Users', 'dev');
    const copy = join(home, 'Library', 'Application Support', 'ZeroTier', 'One', 'authtoken.secret');
    await writeToken(copy, 'mac-token');
    const found = await discoverLocalService({ platform: 'darwin', env: {}, userHome: home, systemHome: join(root, 'none') });
    expect(found).toMatchObject({ token: 'mac-token', location: { tokenPath: copy, tokenIsUserCopy: true } });
    expect(zeroTierPaths({ platform: 'darwin', env: {}, userHome: home }).home).toBe('/Library/Application Support/ZeroTier/One');
  });

  test('Windows and FreeBSD layouts', () => {
    const win = zeroTierPaths({ platform: 'win32', env: { ProgramData: 'D:\\ProgramData', LOCALAPPDATA: 'C:\\Users\\dev\\AppData\\Local' }, userHome: 'C:\\Users\\dev' });
    expect(win).toMatchObject({
      home: 'D:\\ProgramData\\ZeroTier\\One',
      serviceToken: 'D:\\ProgramData\\ZeroTier\\One\\authtoken.secret',
      userTokenCopy: 'C:\\Users\\dev\\AppData\\Local\\ZeroTier\\One\\authtoken.secret',
      portFile: 'D:\\ProgramData\\ZeroTier\\One\\zerotier-one.port',
    });
    expect(zeroTierPaths({ platform: 'win32', env: {}, userHome: 'C:\\Users\\dev' }).userTokenCopy).toBe('C:\\Users\\dev\\AppData\\Local\\ZeroTier\\One\\authtoken.secret');
    expect(zeroTierPaths({ platform: 'freebsd', env: {}, userHome: '/home/dev' })).toMatchObject({ home: '/var/db/zerotier-one', userTokenCopy: '/home/dev/.zeroTierOneAuthToken' });
    expect(zeroTierPaths({ platform: 'linux', env: {}, userHome: '/home/dev' }).serviceToken).toBe('/var/lib/zerotier-one/authtoken.secret');
  });

  test('ZEROTIER_HOME replaces the home; --zt-home wins over it', async () => {
    const root = await tempDir();
    for (const name of ['env-home', 'flag-home']) {
      await writeToken(join(root, name, 'authtoken.secret'), `${name}-token`);
      await writeFile(join(root, name, 'zerotier-one.port'), name === 'env-home' ? '10001' : '10002');
    }
    const env = { ZEROTIER_HOME: join(root, 'env-home') };
    expect((await discoverLocalService({ platform: 'linux', env, userHome: root })).location.port).toBe(10001);
    const flagged = await discoverLocalService({ platform: 'linux', env, userHome: root, ztHome: join(root, 'flag-home') });
    expect(flagged).toMatchObject({ token: 'flag-home-token', location: { port: 10002 } });
  });

  test('an unreadable or nonsensical port file means the default port', async () => {
    const root = await tempDir();
    await writeToken(join(root, 'authtoken.secret'), 't');
    await writeFile(join(root, 'zerotier-one.port'), 'ninety');
    expect((await discoverLocalService({ ztHome: root, env: {} })).location.port).toBe(9993);
  });

  test('not installed: E_ZT_NOT_INSTALLED (exit 3) naming every file tried and how to install, per OS', async () => {
    const root = await tempDir();
    for (const [platform, install] of [
      ['linux', 'curl -s https://install.zerotier.com | sudo bash'],
      ['darwin', 'brew install --cask zerotier-one'],
    ] as const) {
      const error = await rejection(discoverLocalService({ platform, env: {}, userHome: join(root, 'home'), systemHome: join(root, 'sys') }));
      expect(error).toMatchObject({ code: 'E_ZT_NOT_INSTALLED', exitCode: 3 });
      expect(error.message).toContain(`${join(root, 'sys', 'authtoken.secret')} (not found)`);
      expect(error.hint).toContain(install);
    }
  });

  test('a ZEROTIER_HOME without a token says so; an empty token file counts as unreadable', async () => {
    const root = await tempDir();
    const missing = await rejection(discoverLocalService({ platform: 'linux', env: { ZEROTIER_HOME: join(root, 'x') }, userHome: root }));
    expect(missing).toMatchObject({ code: 'E_ZT_NO_TOKEN' });
    expect(missing.hint).toContain('--zt-home or ZEROTIER_HOME');
    await writeFile(join(root, 'authtoken.secret'), '  \n');
    const empty = await rejection(discoverLocalService({ platform: 'linux', env: {}, ztHome: root, userHome: root }));
    expect(empty).toMatchObject({ code: 'E_ZT_TOKEN_UNREADABLE' });
    expect(empty.message).toContain(`${join(root, 'authtoken.secret')} (empty)`);
  });

  test('a token only root can read: E_ZT_TOKEN_UNREADABLE with the files tried and the command for a per-user copy', async () => {
    const root = await tempDir();
    await chmod(root, 0o755);
    const system = join(root, 'var-lib-zerotier-one');
    await mkdir(system, { mode: 0o755 });
    await writeToken(join(system, 'authtoken.secret'), 'root-only');
    await chmod(join(system, 'authtoken.secret'), 0o600);
    const userHome = join(root, 'home');
    await mkdir(userHome, { mode: 0o755 });
    const options = { platform: 'linux', env: {}, userHome, systemHome: system };
    let error: { code?: string; message: string; hint?: string };
    if (process.getuid?.() === 0) {
      // Root reads everything: run the discovery as an unprivileged user, as a developer would.
      const script = `import { discoverLocalService } from ${JSON.stringify(new URL('../../main/core/zerotier/local-discovery.ts', import.meta.url).pathname)};
        discoverLocalService(${JSON.stringify(options)}).then(() => console.log('{}'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint })));`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, cwd: root, encoding: 'utf8', timeout: 10_000 });
      expect(child.stderr).toBe('');
      error = JSON.parse(child.stdout) as typeof error;
    } else {
      error = await rejection(discoverLocalService({ ...options, platform: 'linux' }));
    }
    expect(error.code).toBe('E_ZT_TOKEN_UNREADABLE');
    expect(error.message).toBe(
      `Cannot read the ZeroTier One API token; tried ${join(system, 'authtoken.secret')} (permission denied), ${join(userHome, '.zeroTierOneAuthToken')} (not found).`,
    );
    expect(error.hint).toBe(
      `Make a per-user copy, as ZeroTier's own CLI and tray do: (umask 077; sudo cat '${join(system, 'authtoken.secret')}' > '${join(userHome, '.zeroTierOneAuthToken')}')`,
    );
  });

  test('the per-user copy command for macOS and Windows', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'authtoken.secret'), '');
    const mac = await rejection(discoverLocalService({ platform: 'darwin', env: {}, userHome: '/Users/dev', systemHome: root }));
    expect(mac.hint).toContain("mkdir -p '/Users/dev/Library/Application Support/ZeroTier/One'");
    expect(mac.hint).toContain('open the ZeroTier app once');
    const windows = tokenCopyHint(zeroTierPaths({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\dev\\AppData\\Local' }, userHome: 'C:\\Users\\dev' }));
    expect(windows).toBe(
      "Make a per-user copy, as ZeroTier's own CLI and tray do. In an administrator PowerShell: New-Item -ItemType Directory -Force 'C:\\Users\\dev\\AppData\\Local\\ZeroTier\\One'; Copy-Item 'C:\\ProgramData\\ZeroTier\\One\\authtoken.secret' 'C:\\Users\\dev\\AppData\\Local\\ZeroTier\\One\\authtoken.secret' (or open the ZeroTier tray app once: it makes this copy).",
    );
  });
});

describe("this machine's service against the simulator", () => {
  test('status, joined networks, join and leave', async () => {
    const sim = await testSimulator();
    const service = serviceOn(await localOn(sim));
    expect(await service.status()).toEqual({ address: 'd569b5a474', online: true, version: '1.14.1', tcpFallbackActive: false });
    expect(await service.listNetworks()).toEqual([]);
    const joined = await service.join(NWID);
    expect(joined).toMatchObject({ id: NWID, type: 'PRIVATE' });
    expect((await service.listNetworks()).map((n) => n.id)).toEqual([NWID]);
    expect(sim.requests.find((r) => r.method === 'POST')?.requestBody).toEqual({ allowManaged: true });
    await service.leave(NWID);
    expect(await service.listNetworks()).toEqual([]);
    await expect(service.leave(NWID)).rejects.toMatchObject({ code: 'E_ZT_NOT_JOINED' });
    await expect(service.getNetwork(NWID)).rejects.toThrow(`This machine has not joined network ${NWID}.`);
  });

  test('a join that can never work (NOT_FOUND) is left again when this call made it, kept when it was there before', async () => {
    const sim = await testSimulator();
    const service = serviceOn(await localOn(sim));
    const unknown = 'd569b5a474abcdef';
    const error = await rejection(joinUntilReady(service, unknown, { timeoutMs: 5000, intervalMs: 20 }));
    expect(error).toMatchObject({ code: 'E_ZT_JOIN_NOT_FOUND' });
    expect((error as Error).message).toContain('g8boot left it again');
    expect(await service.listNetworks()).toEqual([]);

    await service.join(unknown);
    const kept = await rejection(joinUntilReady(service, unknown, { timeoutMs: 5000, intervalMs: 20 }));
    expect((kept as Error).message).toContain('This machine was on it before and stays joined.');
    expect(serializeError(kept).hint).toContain(`Leave it with \`g8boot zt leave ${unknown}\`.`);
    expect((await service.listNetworks()).map((n) => n.id)).toEqual([unknown]);
  });

  test('wait until ready: requesting, waiting for authorization, then OK with the address', async () => {
    const sim = await testSimulator({ configDelayMs: 100, addressDelayMs: 60 });
    const service = serviceOn(await localOn(sim));
    await service.join(NWID);
    setTimeout(() => sim.authorize(NWID, sim.localNodeId), 250);
    const seen: string[] = [];
    const ready = await service.waitUntilReady(NWID, { intervalMs: 10, timeoutMs: 5000, onProgress: (n, words) => seen.push(`${n.status}: ${words}`) });
    expect(ready).toMatchObject({ status: 'OK', name: 'test', assignedAddresses: ['10.147.17.1/24'] });
    // The first poll normally sees the config request still pending; on a very slow machine it may not.
    expect(['REQUESTING_CONFIGURATION: asking the network controller for the configuration', 'ACCESS_DENIED: waiting for authorization']).toEqual(
      expect.arrayContaining(seen),
    );
    expect(seen.at(-1)).toBe('ACCESS_DENIED: waiting for authorization');
  });

  test('NOT_FOUND ends the wait at once: no such network', async () => {
    const sim = await testSimulator();
    const service = serviceOn(await localOn(sim));
    await service.join('0123456789abcdef');
    const error = await rejection(service.waitUntilReady('0123456789abcdef', { intervalMs: 10, timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'E_ZT_JOIN_NOT_FOUND' });
    expect(error.message).toBe('Cannot use network 0123456789abcdef: no such network: its controller does not know it (NOT_FOUND).');
  });

  test('PORT_ERROR ends the wait at once: the virtual port could not be created', async () => {
    const sim = await testSimulator();
    const service = serviceOn(await localOn(sim));
    await service.join(NWID);
    sim.setLocalStatus(NWID, 'PORT_ERROR');
    const error = await rejection(service.waitUntilReady(NWID, { intervalMs: 10, timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'E_ZT_JOIN_PORT_ERROR' });
    expect(error.message).toContain('the virtual network port could not be created');
    expect(error.hint).toContain('/dev/net/tun');
  });

  test('a wait that times out says why and how to authorize this node', async () => {
    const sim = await testSimulator();
    const service = serviceOn(await localOn(sim));
    await service.join(NWID);
    const started = Date.now();
    const error = await rejection(service.waitUntilReady(NWID, { intervalMs: 20, timeoutMs: 150 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: 'E_ZT_JOIN_TIMEOUT' });
    expect(error.message).toBe(`Network ${NWID} was not ready after 150 ms: waiting for authorization (ACCESS_DENIED).`);
    expect(error.hint).toContain(`g8boot authorize ${NWID} d569b5a474`);
  });

  test('not running: E_ZT_NOT_RUNNING (exit 3) with how to start it', async () => {
    const home = await tempDir();
    await writeToken(join(home, 'authtoken.secret'), 'tok');
    await writeFile(join(home, 'zerotier-one.port'), String(await closedPort()));
    const service = serviceOn(await discoverLocalService({ ztHome: home, platform: 'linux', env: {} }));
    const error = await rejection(service.status());
    expect(error).toMatchObject({ code: 'E_ZT_NOT_RUNNING', exitCode: 3 });
    expect(error.message).toMatch(/^ZeroTier One is not running: nothing answers on 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\.$/);
    expect(error.hint).toContain('sudo systemctl start zerotier-one');
  });

  test('a rejected token names the file it came from; a stale per-user copy gets the command to renew it', async () => {
    const sim = await testSimulator();
    const root = await tempDir();
    await writeToken(join(root, 'sys', 'authtoken.secret'), 'wrong-token');
    await writeFile(join(root, 'sys', 'zerotier-one.port'), String(sim.port));
    const fromHome = await rejection(serviceOn(await discoverLocalService({ ztHome: join(root, 'sys'), env: {}, platform: 'linux' })).status());
    expect(fromHome).toMatchObject({ code: 'E_ZT_UNAUTHORIZED', status: 401 });
    expect(fromHome.message).toBe(`ZeroTier One (127.0.0.1:${sim.port}) rejected the token read from ${join(root, 'sys', 'authtoken.secret')} (HTTP 401).`);
    const copy = join(root, 'home', '.zeroTierOneAuthToken');
    await writeToken(copy, 'stale-token');
    const stale = createLocalService(
      { token: 'stale-token', location: { platform: 'linux', home: join(root, 'sys'), port: sim.port, url: sim.url, tokenPath: copy, tokenIsUserCopy: true } },
      FAST,
    );
    const error = await rejection(stale.status());
    await stale.close();
    expect(error.hint).toContain('That per-user copy is stale');
    expect(error.hint).toContain(`sudo cat '${join(root, 'sys', 'authtoken.secret')}' > '${copy}'`);
    for (const e of [fromHome, error]) {
      expect(inspect(e, { depth: Infinity, showHidden: true }) + JSON.stringify(serializeError(e))).not.toMatch(/wrong-token|stale-token/);
    }
  });

  test('a hung service: E_ZT_TIMEOUT within the deadline', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: '/status', fault: { kind: 'hang' } });
    const service = createLocalService(await localOn(sim), { ...FAST, timeoutMs: 100, attempts: 2 });
    onTestFinished(() => service.close());
    const started = Date.now();
    await expect(service.status()).rejects.toMatchObject({ code: 'E_ZT_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('malformed network ids are refused before any request', async () => {
    const sim = await testSimulator();
    const service = serviceOn(await localOn(sim));
    await expect(service.join('d569b5a47421c8b')).rejects.toMatchObject({ code: 'E_INVALID_NETWORK_ID' });
    await expect(service.leave('zz69b5a47421c8b7')).rejects.toMatchObject({ code: 'E_INVALID_NETWORK_ID' });
    await expect(service.waitUntilReady(' ')).rejects.toMatchObject({ code: 'E_INVALID_NETWORK_ID' });
    expect(sim.requests).toEqual([]);
  });
});
