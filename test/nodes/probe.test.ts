/**
 * The probe against real peers on loopback: redis-server plain, with requirepass, and TLS-only; an HTTP server,
 * a peer that accepts and never answers, one that drips a byte a second, endless replies, garbage, a closed port
 * and an address with no route. Each must land in its state within the probe's deadlines.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ProbeState } from '../../main/common/nodes.ts';
import { probeAll } from '../../main/core/nodes/probe-all.ts';
import { probeNode, probeRedis, type ProbeOptions } from '../../main/core/nodes/probe.ts';
import { createSocketGauge } from '../../main/core/nodes/socket-gauge.ts';
import { hostile, selfSignedCertificate, startFakeCore0, startRedis, startTcpPeer, UNROUTABLE, type Certificate, type Peer } from './peers.ts';

const A = {
  plain: '127.77.1.1',
  password: '127.77.1.2',
  tls: '127.77.1.3',
  tlsPassword: '127.77.1.4',
  http: '127.77.1.10',
  silent: '127.77.1.11',
  drip: '127.77.1.12',
  endlessBulk: '127.77.1.13',
  endlessLine: '127.77.1.14',
  garbage: '127.77.1.15',
  closed: '127.77.1.20',
  core0: '127.77.1.30',
  core0Silent: '127.77.1.31',
  core0Tls: '127.77.1.32',
  core0Error: '127.77.1.33',
};
const PASSWORD = 'eyJhbGciOiJFUzM4NCJ9.jwt-of-the-org';
/** Short deadlines: the suite stays fast, and every peer still has to land in its state within them. */
const FAST: ProbeOptions = { connectTimeoutMs: 400, timeoutMs: 600 };

let cert: Certificate;
const peers: Peer[] = [];

beforeAll(async () => {
  cert = selfSignedCertificate();
  peers.push(
    ...(await Promise.all([
      startRedis({ address: A.plain }),
      startRedis({ address: A.password, password: PASSWORD }),
      startRedis({ address: A.tls, tls: cert }),
      startRedis({ address: A.tlsPassword, tls: cert, password: PASSWORD }),
      startTcpPeer(A.http, hostile.http),
      startTcpPeer(A.silent, hostile.silent),
      startTcpPeer(A.drip, hostile.drip),
      startTcpPeer(A.endlessBulk, hostile.endlessBulk),
      startTcpPeer(A.endlessLine, hostile.endlessLine),
      startTcpPeer(A.garbage, hostile.garbage),
      startFakeCore0({ address: A.core0, answer: 'PONG 1.1.0-alpha-8' }),
      startFakeCore0({ address: A.core0Silent, answer: null }),
      startFakeCore0({ address: A.core0Tls, answer: 'PONG 1.2.0', password: PASSWORD, tls: cert }),
      startFakeCore0({ address: A.core0Error, answer: 'core is shutting down', state: 'ERROR' }),
    ])),
  );
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  cert?.cleanup();
});

async function timed(address: string, options: ProbeOptions = FAST) {
  const started = performance.now();
  const result = await probeRedis(address, options);
  return { result, ms: performance.now() - started };
}

describe('probeRedis: each peer lands in its state within the deadlines', () => {
  test.each<[string, string, ProbeState, boolean | null]>([
    ['plain redis-server', A.plain, 'ready', false],
    ['redis-server with requirepass over plain text, no password given', A.password, 'auth-plaintext', false],
    ['TLS-only redis-server (self-signed certificate)', A.tls, 'ready', true],
    ['TLS redis-server with requirepass', A.tlsPassword, 'auth-required', true],
    ['HTTP server', A.http, 'not-redis', null],
    ['accept and never answer', A.silent, 'timeout', null],
    ['drips a byte a second', A.drip, 'timeout', null],
    ['endless bulk reply', A.endlessBulk, 'not-redis', null],
    ['endless line', A.endlessLine, 'not-redis', null],
    ['binary garbage', A.garbage, 'not-redis', null],
    ['nothing listens', A.closed, 'refused', null],
    ['no route to the address', UNROUTABLE, 'unreachable', null],
  ])('%s → %s', async (_name, address, state, tls) => {
    const { result, ms } = await timed(address);
    expect(result).toMatchObject({ state, tls, address, port: 6379, core0Version: null });
    expect(result.detail.length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(FAST.timeoutMs! + 150);
    if (state === 'ready') expect(result.latencyMs).toBeGreaterThan(0);
    else expect(result.latencyMs).toBeNull();
  });

  test('peers that answer fast are classified fast: nothing waits for the deadline but silence', async () => {
    for (const address of [A.plain, A.tls, A.password, A.http, A.endlessBulk, A.endlessLine, A.closed, UNROUTABLE]) {
      const { result, ms } = await timed(address, { connectTimeoutMs: 2000, timeoutMs: 3000 });
      expect(ms, `${address} (${result.state})`).toBeLessThan(500);
    }
  });

  test('the total deadline cuts a drip-feeding peer, whatever the connect deadline', async () => {
    const { result, ms } = await timed(A.drip, { connectTimeoutMs: 5000, timeoutMs: 300 });
    expect(result.state).toBe('timeout');
    expect(result.detail).toMatch(/only \d bytes? of an answer/);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(450);
  });

  test('with the password (core0 JWT), Redis answers over TLS; the certificate seen is reported', async () => {
    const { result } = await timed(A.tlsPassword, { ...FAST, password: PASSWORD });
    expect(result).toMatchObject({ state: 'ready', tls: true, certificate: cert.fingerprint });
    expect(result.detail).toContain('after AUTH');
  });

  test('over plain text the password is withheld (auth-plaintext) unless plain text is allowed', async () => {
    const withheld = await timed(A.password, { ...FAST, password: PASSWORD });
    expect(withheld.result).toMatchObject({ state: 'auth-plaintext', tls: false, certificate: null });
    expect(withheld.result.detail).toMatch(/asks for a password over an unencrypted connection.*not sent/);
    const allowed = await timed(A.password, { ...FAST, password: PASSWORD, allowPlaintextPassword: true });
    expect(allowed.result).toMatchObject({ state: 'ready', tls: false });
    const none = await timed(A.password, { ...FAST, allowPlaintextPassword: true });
    expect(none.result.state).toBe('auth-required');
  });

  test('a wrong password is auth-failed, saying it was refused', async () => {
    for (const [address, extra] of [
      [A.tlsPassword, {}],
      [A.password, { allowPlaintextPassword: true }],
    ] as const) {
      const { result } = await timed(address, { ...FAST, ...extra, password: 'not-it' });
      expect(result.state).toBe('auth-failed');
      expect(result.detail).toMatch(/refused the password/);
      expect(result.detail).not.toContain('not-it');
    }
  });

  test('a trusted certificate: the right one is ready, another is cert-changed before anything is sent', async () => {
    const right = await timed(A.tls, { ...FAST, pinnedFingerprint: cert.fingerprint.replace(/(..)(?!$)/g, '$1:').toUpperCase() });
    expect(right.result).toMatchObject({ state: 'ready', tls: true });
    const wrong = await timed(A.tlsPassword, { ...FAST, password: PASSWORD, pinnedFingerprint: 'ab'.repeat(32) });
    expect(wrong.result).toMatchObject({ state: 'cert-changed', tls: true, certificate: cert.fingerprint });
    expect(wrong.result.detail).toContain(cert.fingerprint);
    expect(wrong.result.detail).toContain('nothing was sent');
  });

  test('what is not an IP address is unreachable without a connection attempt', async () => {
    const { result } = await timed('not-an-ip');
    expect(result.state).toBe('unreachable');
  });
});

describe('probeNode: membership first', () => {
  test('unauthorized is pending, authorized without an address is no-address; neither opens a socket', async () => {
    const gauge = createSocketGauge();
    expect(await probeNode({ authorized: false, ips: [A.plain] }, { ...FAST, gauge })).toMatchObject({ state: 'pending', address: null, tls: null });
    expect(await probeNode({ authorized: true, ips: [] }, { ...FAST, gauge })).toMatchObject({ state: 'no-address', address: null });
    expect(gauge.peak).toBe(0);
  });

  test('the first IPv4 address is probed, before IPv6 ones', async () => {
    const result = await probeNode({ authorized: true, ips: ['fd00:1234::1', A.plain] }, FAST);
    expect(result).toMatchObject({ state: 'ready', address: A.plain });
  });
});

describe('deep check: core0 itself answers core.ping through its queue', () => {
  test("reports core0's answer (its version) and consumed exactly one core.ping job", async () => {
    const { result } = await timed(A.core0, { ...FAST, deep: true, deepTimeoutMs: 1000 });
    expect(result).toMatchObject({ state: 'ready', tls: false, core0Version: 'PONG 1.1.0-alpha-8' });
    const core0 = peers.find((p) => p.address === A.core0) as Awaited<ReturnType<typeof startFakeCore0>>;
    const job = core0.jobs.at(-1);
    expect(job).toMatchObject({ command: 'core.ping', arguments: {}, queue: null, max_time: null, stream: false, tags: null });
    expect(job?.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('over TLS with the JWT', async () => {
    const { result } = await timed(A.core0Tls, { ...FAST, deep: true, deepTimeoutMs: 1000, password: PASSWORD });
    expect(result).toMatchObject({ state: 'ready', tls: true, core0Version: 'PONG 1.2.0' });
  });

  test('a core0 that never answers: bounded by the deep deadline, Redis still ready', async () => {
    const started = performance.now();
    const { result } = await timed(A.core0Silent, { ...FAST, deep: true, deepTimeoutMs: 1200 });
    expect(performance.now() - started).toBeLessThan(1800);
    expect(result).toMatchObject({ state: 'ready', core0Version: null });
    expect(result.detail).toMatch(/did not answer core\.ping within 1200 ms/);
  });

  test('a core0 that answers with an error state', async () => {
    const { result } = await timed(A.core0Error, { ...FAST, deep: true, deepTimeoutMs: 1000 });
    expect(result.core0Version).toBeNull();
    expect(result.detail).toContain('state ERROR');
  });

  test('a plain redis-server has no core0 behind it: no version, within the bound', async () => {
    const { result, ms } = await timed(A.plain, { ...FAST, deep: true, deepTimeoutMs: 1000 });
    expect(result).toMatchObject({ state: 'ready', core0Version: null });
    expect(ms).toBeLessThan(1600);
  });
});

describe('probeAll', () => {
  test('never more sockets open than the concurrency, and the bound is used', async () => {
    const silent = await Promise.all(Array.from({ length: 9 }, (_, i) => startTcpPeer(`127.77.1.${100 + i}`, hostile.silent)));
    try {
      const gauge = createSocketGauge();
      const targets = [...silent.map((p) => ({ authorized: true, ips: [p.address] })), { authorized: true, ips: [A.plain] }, { authorized: false, ips: [] }];
      const started = performance.now();
      const results = await probeAll(targets, { connectTimeoutMs: 200, timeoutMs: 200, concurrency: 3, gauge });
      const ms = performance.now() - started;
      expect(results.map((r) => r.state)).toEqual([...silent.map(() => 'timeout'), 'ready', 'pending']);
      expect(gauge.peak).toBe(3);
      expect(gauge.open).toBe(0);
      // 9 silent peers, 3 at a time, 200 ms each: three rounds.
      expect(ms).toBeGreaterThanOrEqual(590);
      expect(ms).toBeLessThan(1200);
    } finally {
      await Promise.all(silent.map((p) => p.close()));
    }
  });

  test('priority: higher first, results still in the order of the targets', async () => {
    const silent = await startTcpPeer('127.77.1.120', hostile.silent);
    try {
      const finished: number[] = [];
      const targets = [{ authorized: true, ips: [A.plain] }, { authorized: true, ips: [silent.address] }];
      const results = await probeAll(targets, { connectTimeoutMs: 150, timeoutMs: 150, concurrency: 1, priority: (i) => i, onResult: (i) => finished.push(i) });
      expect(finished).toEqual([1, 0]);
      expect(results.map((r) => r.state)).toEqual(['ready', 'timeout']);
    } finally {
      await silent.close();
    }
  });
});
