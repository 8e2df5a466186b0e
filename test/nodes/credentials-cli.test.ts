/**
 * core0 credentials and trust, walked through the built CLI as a person does: a real redis-server that speaks
 * only TLS (its own self-signed certificate, made with openssl here) and wants a password (`requirepass`, as
 * core0 with `organization=` wants its JWT); a hostile node answering -NOAUTH in plain text that records what
 * it gets. The secret must never show up in any output, error, `--json` or the inventory file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import type { Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { BIN, ROOT, runCli, type CliResult } from '../helpers/cli.ts';
import { testSimulator } from '../zerotier/helpers.ts';
import { NWID } from './fixtures.ts';
import { REDIS_PORT, selfSignedCertificate, startFakeCore0, startRecordingPeer, startRedis, type Certificate, type Peer, type RecordingPeer } from './peers.ts';

const A = { core0: '127.77.7.1', hostile: '127.77.7.2', silent: '127.77.7.3', fakeCore0: '127.77.7.4', watched: '127.77.7.5', echoing: '127.77.7.6', pasted: '127.77.7.7' };
const SECRET = 'eyJhbGciOiJFUzM4NCJ9.the-organization-jwt-7f3a';

let first: Certificate;
let second: Certificate;
let hostile: RecordingPeer;
let redis: Peer | undefined;

beforeAll(async () => {
  first = selfSignedCertificate();
  second = selfSignedCertificate();
  hostile = await startRecordingPeer(A.hostile);
});

afterAll(async () => {
  await Promise.all([hostile?.close(), redis?.close()]);
  first?.cleanup();
  second?.cleanup();
});

function environment(sim: Simulator, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'g8boot-credentials-cli-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  return { G8BOOT_HOME: home, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(home, 'no-zerotier'), G8BOOT_REDIS_PASSWORD: '', ...extra };
}

/** Every file g8boot wrote under its home, as text. */
function everythingWritten(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'latin1'))
    .join('\n');
}

/** How many AUTH and PING commands the real redis-server executed since the last look (INFO commandstats), read with our own AUTH. */
async function commandCalls(address: string): Promise<{ auth: number; ping: number }> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ host: address, port: REDIS_PORT, password: SECRET, tls: { rejectUnauthorized: false }, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const info = await client.info('commandstats');
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    // From zero again for the next look.
    await client.config('RESETSTAT');
    // Our own AUTH (this connection) is not counted in what g8boot sent.
    return { auth: calls('auth') - 1, ping: calls('ping') };
  } finally {
    client.disconnect();
  }
}

function json(run: CliResult): Record<string, any>[] {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, any>[];
}

function expectNoSecret(...runs: CliResult[]): void {
  for (const run of runs) {
    expect(run.stdout).not.toContain(SECRET);
    expect(run.stderr).not.toContain(SECRET);
  }
}

describe('trust on first use, per node, through the built CLI', () => {
  test('first sight pins and the password goes over TLS; a new certificate is "certificate changed" and gets nothing; trust makes it ready', async () => {
    redis = await startRedis({ address: A.core0, tls: first, password: SECRET });
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.core0, name: 'core0' });
    const env = environment(sim, { G8BOOT_REDIS_PASSWORD: SECRET });

    // First sight: the certificate is remembered, the password crosses TLS (the only way into this redis-server).
    const firstRun = await runCli(['nodes', NWID, '--json', '--timeout', '2'], { env });
    const [seen] = json(firstRun);
    expect(seen).toMatchObject({ nodeId: id, state: 'ready', tls: true, certificate: first.fingerprint });
    expect(seen!.trustedCertificate).toMatchObject({ sha256: first.fingerprint, how: 'first-use' });
    expect(await commandCalls(A.core0)).toEqual({ auth: 1, ping: 1 });

    // core0's certificate is replaced (another machine on its address, or a reinstall).
    await redis.close();
    redis = await startRedis({ address: A.core0, tls: second, password: SECRET });
    const changed = await runCli(['nodes', NWID, '--timeout', '2'], { env });
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(new RegExp(`${id}\\s+core0\\s+degraded\\s+cert-changed \\(certificate changed\\)`));
    expect(changed.stderr).toContain(`CERTIFICATE CHANGED on ${id}`);
    expect(changed.stderr).toContain(`g8boot trust ${NWID} ${id}`);
    const [after] = json(await runCli(['nodes', NWID, '--json', '--timeout', '2'], { env }));
    expect(after).toMatchObject({ state: 'degraded', probe: 'cert-changed', certificate: second.fingerprint, trustedCertificate: { sha256: first.fingerprint } });
    // Not one command reached the new redis-server: no AUTH, not even a PING.
    expect(await commandCalls(A.core0)).toEqual({ auth: 0, ping: 0 });

    // The person trusts the new certificate in one step; the next sweep sends the password and the node is ready.
    const trust = await runCli(['trust', NWID, id], { env });
    expect(trust.code, trust.stderr).toBe(0);
    expect(trust.stderr).toContain(second.fingerprint);
    const [trusted] = json(await runCli(['nodes', NWID, '--json', '--timeout', '2'], { env }));
    expect(trusted).toMatchObject({ state: 'ready', tls: true, trustedCertificate: { sha256: second.fingerprint, how: 'person' } });
    expect(await commandCalls(A.core0)).toEqual({ auth: 1, ping: 1 });

    expectNoSecret(firstRun, changed, trust);
    expect(everythingWritten(env.G8BOOT_HOME!)).not.toContain(SECRET);
    expect(everythingWritten(env.G8BOOT_HOME!)).toContain(second.fingerprint);
  });

  test('an explicit pin per node: a node whose certificate is not the pinned one is cert-changed from the first sight', async () => {
    redis ??= await startRedis({ address: A.core0, tls: second, password: SECRET });
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.core0 });
    const env = environment(sim, { G8BOOT_REDIS_PASSWORD: SECRET });
    const pin = await runCli(['trust', NWID, id, '--fingerprint', `SHA256 Fingerprint=${first.fingerprint.replace(/(..)(?!$)/g, '$1:').toUpperCase()}`, '--json'], { env });
    expect(JSON.parse(pin.stdout)).toMatchObject({ nodeId: id, trustedCertificate: { sha256: first.fingerprint, how: 'person' } });
    const [node] = json(await runCli(['nodes', NWID, '--json', '--timeout', '2'], { env }));
    expect(node).toMatchObject({ state: 'degraded', probe: 'cert-changed', certificate: second.fingerprint });
  });

  test('bad input exits 2: a wrong fingerprint, an unknown node, the old shared --tls-fingerprint', async () => {
    const sim = await testSimulator();
    const env = environment(sim);
    const badPin = await runCli(['trust', NWID, '89e92ceee5', '--fingerprint', 'abc'], { env });
    expect(badPin.code).toBe(2);
    expect(badPin.stderr).toContain('Invalid certificate fingerprint');
    const unseen = await runCli(['trust', NWID, sim.addNode({ authorized: true, address: A.silent })], { env });
    expect(unseen.code).toBe(2);
    expect(unseen.stderr).toContain('No TLS certificate was seen');
    const old = await runCli(['nodes', NWID, '--tls-fingerprint', 'ab'.repeat(32)], { env });
    expect(old.code).toBe(2);
    expect(old.stderr).toContain('g8boot trust');
  });
});

/** `watch` with `args` until its first sweep is reported, then stopped as a person does (Ctrl+C). */
async function watchFirstSweep(env: NodeJS.ProcessEnv, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'watch', NWID, '--interval', '5', '--timeout', '2', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!/sweep/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  return { stdout, stderr };
}

describe('watch, started after a problem was seen', () => {
  test('a certificate that changed before watch started is still reported, with what to do', async () => {
    const watched = await startRedis({ address: A.watched, tls: first, password: SECRET });
    onTestFinished(() => watched.close());
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.watched, name: 'core0' });
    const env = environment(sim, { G8BOOT_REDIS_PASSWORD: SECRET });
    // Another certificate is the trusted one: `nodes` finds "certificate changed" and keeps it in the inventory.
    expect((await runCli(['trust', NWID, id, '--fingerprint', second.fingerprint], { env })).code).toBe(0);
    const [seen] = json(await runCli(['nodes', NWID, '--json', '--timeout', '2'], { env }));
    expect(seen).toMatchObject({ probe: 'cert-changed' });

    // Nothing changes from then on, yet the person who starts watch must hear of it.
    const asJson = await watchFirstSweep(env, ['--json']);
    const events = asJson.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; node?: { nodeId: string; probe?: { state: string } } });
    expect(events.find((e) => e.type === 'node-credential-problem')).toMatchObject({ node: { nodeId: id, probe: { state: 'cert-changed' } } });
    expect(asJson.stderr).toContain(`CERTIFICATE CHANGED on ${id}`);
    expect(asJson.stderr).toContain(`g8boot trust ${NWID} ${id}`);
    const asText = await watchFirstSweep(env, []);
    expect(asText.stdout).toMatch(new RegExp(`node-credential-problem ${id} \\(core0\\) CERTIFICATE CHANGED`));
    expect(asText.stderr).toContain(`g8boot trust ${NWID} ${id}`);
    expectNoSecret({ ...asJson, code: 0 }, { ...asText, code: 0 });
  }, 60_000);
});

describe('the password from the environment', () => {
  test('as pasted (a line end, a Windows line end) it still works; two lines are refused without repeating them', async () => {
    const pasted = await startRedis({ address: A.pasted, tls: first, password: SECRET });
    onTestFinished(() => pasted.close());
    const sim = await testSimulator();
    sim.addNode({ authorized: true, address: A.pasted });
    const env = environment(sim);
    for (const as of [`${SECRET}\n`, `${SECRET}\r\n`, ` ${SECRET}`]) {
      const [node] = json(await runCli(['nodes', NWID, '--json', '--timeout', '2'], { env: { ...env, G8BOOT_REDIS_PASSWORD: as } }));
      expect(node).toMatchObject({ state: 'ready', tls: true });
    }
    const twoLines = await runCli(['nodes', NWID, '--timeout', '2'], { env: { ...env, G8BOOT_REDIS_PASSWORD: `${SECRET}\nsecond` } });
    expect(twoLines.code).toBe(2);
    expect(twoLines.stderr).toContain('G8BOOT_REDIS_PASSWORD holds more than one line');
    expectNoSecret(twoLines);
  });
});

describe('the deep check through the built CLI', () => {
  test('nodes --deep: core.ping over TLS with the JWT from the environment, against the trusted certificate only', async () => {
    const core0 = await startFakeCore0({ address: A.fakeCore0, answer: 'PONG 1.2.0', password: SECRET, tls: first });
    onTestFinished(() => core0.close());
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.fakeCore0 });
    const env = environment(sim, { G8BOOT_REDIS_PASSWORD: SECRET });
    const deep = await runCli(['nodes', NWID, '--json', '--deep', '--timeout', '2'], { env });
    expect(json(deep)[0]).toMatchObject({ nodeId: id, state: 'ready', tls: true, core0Version: 'PONG 1.2.0', trustedCertificate: { sha256: first.fingerprint } });
    expect(core0.jobs).toHaveLength(1);
    // Another certificate pinned for it: neither the probe nor the deep check sends anything.
    expect((await runCli(['trust', NWID, id, '--fingerprint', second.fingerprint], { env })).code).toBe(0);
    const refused = await runCli(['nodes', NWID, '--json', '--deep', '--timeout', '2'], { env });
    expect(json(refused)[0]).toMatchObject({ probe: 'cert-changed', core0Version: null });
    expect(core0.jobs).toHaveLength(1);
    expectNoSecret(deep, refused);
  });
});

describe('never in clear, through the built CLI', () => {
  test('a hostile node asking for a password in plain text: reported, and the password never reaches it', async () => {
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.hostile });
    const env = environment(sim);
    const file = join(env.G8BOOT_HOME!, 'jwt');
    writeFileSync(file, `${SECRET}\n`);
    const table = await runCli(['nodes', NWID, '--redis-password-file', file, '--timeout', '1'], { env });
    const asJson = await runCli(['nodes', NWID, '--json', '--deep', '--redis-password-file', file, '--timeout', '1'], { env: { ...env, G8BOOT_REDIS_PASSWORD: SECRET } });
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+-\\s+degraded\\s+auth-plaintext`));
    expect(table.stderr).toContain('asks for a password over an unencrypted connection');
    const [node] = json(asJson);
    expect(node).toMatchObject({ state: 'degraded', probe: 'auth-plaintext', tls: false });
    expect(node!.detail).toContain('the password was not sent');
    expect(hostile.received()).toContain('PING');
    expect(hostile.received()).not.toContain(SECRET);
    expect(hostile.received()).not.toContain('AUTH');
    expectNoSecret(table, asJson);
    expect(everythingWritten(env.G8BOOT_HOME!).replace(`${SECRET}\n`, '')).not.toContain(SECRET);
  });

  test('a node that repeats the password in its refusal: the password is not written anywhere', async () => {
    // Trusted on first use, so it got the password; it must not get it into g8boot's files and output too.
    const echoing = await startRecordingPeer(A.echoing, { tls: first, authReply: (password) => `-ERR ${'x'.repeat(80)} invalid password '${password}'\r\n` });
    onTestFinished(() => echoing.close());
    const sim = await testSimulator();
    const id = sim.addNode({ authorized: true, address: A.echoing });
    const env = environment(sim, { G8BOOT_REDIS_PASSWORD: SECRET });
    const asJson = await runCli(['nodes', NWID, '--json', '--timeout', '2'], { env });
    const table = await runCli(['nodes', NWID, '--timeout', '2'], { env });
    expect(echoing.received()).toContain(SECRET);
    const [node] = json(asJson);
    expect(node).toMatchObject({ nodeId: id, probe: 'auth-failed' });
    expect(node!.detail).toContain('invalid password');
    expectNoSecret(asJson, table);
    // Not even the start of it (the detail is cut at 120 characters).
    expect(asJson.stdout).not.toContain(SECRET.slice(0, 8));
    expect(everythingWritten(env.G8BOOT_HOME!)).not.toContain(SECRET.slice(0, 8));
  });

  test('watch --policy auto-verify: a node that wants a password is reported, never deauthorized', async () => {
    redis ??= await startRedis({ address: A.core0, tls: second, password: SECRET });
    const sim = await testSimulator();
    const id = sim.addNode({ address: A.core0 });
    const env = environment(sim);
    const child = spawn(process.execPath, [BIN, 'watch', NWID, '--json', '--policy', 'auto-verify', '--verify-within', '0.1', '--interval', '5', '--timeout', '1'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const lines: string[] = [];
    let stderr = '';
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const events = () => lines.map((l) => JSON.parse(l) as { type: string; action?: string; node?: { probe?: { state: string } } });
    // Past the 6 s verification deadline, with sweeps every 5 s.
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('reported, not deauthorized') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 7000));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(events().find((e) => e.type === 'node-credential-problem')?.node?.probe?.state).toBe('auth-required');
    expect(events().filter((e) => e.type === 'policy-action').map((e) => e.action)).toEqual(['authorize']);
    expect(stderr).toContain(`policy auto-verify: ${id} answers as Redis but needs the person (Needs password:`);
    expect(sim.population.member(NWID, id)?.authorized).toBe(true);
  }, 40_000);
});
