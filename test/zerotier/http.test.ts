import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { serializeError } from '../../main/common/errors.ts';
import { createHttpClient } from '../../main/core/zerotier/http.ts';
import { centralOn, closedPort, FAST, rejection, testSimulator } from './helpers.ts';
import { createCentralController } from '../../main/core/zerotier/central.ts';

const NWID = 'd569b5a47421c8b7';
const MEMBERS = `/api/v1/network/${NWID}/member`;

describe('HTTP behaviour over real connections', () => {
  test('connections are reused across calls', async () => {
    const sim = await testSimulator();
    const central = centralOn(sim);
    for (let i = 0; i < 20; i++) await central.listNetworks();
    expect(sim.requests).toHaveLength(20);
    // undici may open a second connection when the next call starts before it has marked the first one idle.
    expect(sim.connections).toBeLessThanOrEqual(2);
  });

  test('a hanging server: each attempt ends at its deadline, idempotent calls are retried, then E_ZT_TIMEOUT', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: MEMBERS, fault: { kind: 'hang' } });
    const central = centralOn(sim, { ...FAST, timeoutMs: 150, attempts: 2 });
    const started = Date.now();
    const error = await rejection(central.listMembers(NWID));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: 'E_ZT_TIMEOUT' });
    expect(error.message).toBe(`ZeroTier Central did not answer GET /network/${NWID}/member within 150 ms. Tried 2 times.`);
    expect(sim.requests.filter((r) => r.path === MEMBERS)).toHaveLength(2);
  });

  test('a reset connection is retried; the call succeeds when the next attempt does', async () => {
    const sim = await testSimulator();
    sim.addNode();
    sim.faults.add({ path: MEMBERS, times: 1, fault: { kind: 'reset' } });
    const members = await centralOn(sim).listMembers(NWID);
    expect(members).toHaveLength(1);
    expect(sim.requests.filter((r) => r.path === MEMBERS).map((r) => r.fault)).toEqual(['reset', null]);
  });

  test('resets on every attempt: E_ZT_CONNECTION_RESET after the bounded attempts', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: MEMBERS, fault: { kind: 'reset' } });
    const error = await rejection(centralOn(sim).listMembers(NWID));
    expect(error).toMatchObject({ code: 'E_ZT_CONNECTION_RESET' });
    expect(error.message).toContain('Tried 3 times');
    expect(sim.requests.filter((r) => r.path === MEMBERS)).toHaveLength(3);
  });

  test('5xx: retried with backoff, success when the service recovers, E_ZT_SERVER when it does not', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: '/api/v1/network', times: 2, fault: { kind: 'status', status: 503 } });
    expect(await centralOn(sim).listNetworks()).toHaveLength(1);
    sim.faults.add({ path: '/api/v1/network', fault: { kind: 'status', status: 500, body: { message: 'database down' } } });
    const error = await rejection(centralOn(sim).listNetworks());
    expect(error).toMatchObject({ code: 'E_ZT_SERVER', status: 500 });
    expect(error.message).toBe('ZeroTier Central failed with HTTP 500 on GET /network: "database down". Tried 3 times.');
  });

  test('a POST that is not idempotent is sent once, and the failure says the outcome is unknown', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: '/controller/network/*', fault: { kind: 'reset' } });
    const http = createHttpClient({ ...FAST, baseUrl: sim.url, service: 'test', authHeaders: {}, secret: 'x' });
    const error = await rejection(http.request({ method: 'POST', path: '/controller/network/d569b5a474______', body: {} }));
    await http.close();
    expect(error).toMatchObject({ code: 'E_ZT_CONNECTION_RESET' });
    expect(error.hint).toContain('may or may not have been made');
    expect(sim.requests).toHaveLength(1);
  });

  test('a 10 MB body is refused: by its Content-Length, or while streaming without one', async () => {
    const sim = await testSimulator();
    const central = centralOn(sim, { ...FAST, maxBodyBytes: 8 * 1024 * 1024 });
    sim.faults.add({ path: MEMBERS, times: 1, fault: { kind: 'oversized', bytes: 10 * 1024 * 1024 } });
    const declared = await rejection(central.listMembers(NWID));
    expect(declared).toMatchObject({ code: 'E_ZT_RESPONSE_TOO_LARGE' });
    expect(declared.message).toContain('more than 8 MiB');
    sim.faults.add({ path: MEMBERS, times: 1, fault: { kind: 'oversized', bytes: 10 * 1024 * 1024, chunked: true } });
    const streamed = await rejection(central.listMembers(NWID));
    expect(streamed).toMatchObject({ code: 'E_ZT_RESPONSE_TOO_LARGE' });
    // Not retried: the next answer would be as large.
    expect(sim.requests.filter((r) => r.path === MEMBERS)).toHaveLength(2);
  });

  test('invalid JSON and a wrong shape are E_ZT_BAD_RESPONSE', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: '/api/v1/network', times: 1, fault: { kind: 'invalid-json' } });
    const central = centralOn(sim);
    const invalid = await rejection(central.listNetworks());
    expect(invalid).toMatchObject({ code: 'E_ZT_BAD_RESPONSE' });
    expect(invalid.message).toBe('ZeroTier Central answered GET /network with something that is not JSON.');
    sim.faults.add({ path: '/api/v1/network', times: 1, fault: { kind: 'status', status: 200, body: { networks: [] } } });
    const shape = await rejection(central.listNetworks());
    expect(shape.message).toMatch(/^ZeroTier Central sent an unexpected answer for the network list \(.*expected array/);
  });

  test('429 with Retry-After: the call waits as asked, then succeeds', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: '/api/v1/network', times: 1, fault: { kind: 'rate-limit', retryAfter: '1' } });
    const started = Date.now();
    expect(await centralOn(sim).listNetworks()).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('429 with only X-Ratelimit-Reset is honoured too', async () => {
    const sim = await testSimulator();
    // Epoch milliseconds keep the test short; epoch seconds and delays are covered in rate-limit.test.ts.
    const reset = Date.now() + 300;
    sim.faults.add({ path: '/api/v1/network', times: 1, fault: { kind: 'rate-limit', reset: String(reset) } });
    await centralOn(sim).listNetworks();
    const [limited, retried] = sim.requests;
    expect(limited?.status).toBe(429);
    expect(retried?.at).toBeGreaterThanOrEqual(reset - 5);
  });

  test('429 asking for a longer wait than allowed fails in words at once', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: '/api/v1/network', fault: { kind: 'rate-limit', retryAfter: '120' } });
    const error = await rejection(centralOn(sim, { ...FAST, maxRateLimitWaitMs: 5000 }).listNetworks());
    expect(error).toMatchObject({ code: 'E_ZT_RATE_LIMITED', status: 429 });
    expect(error.message).toBe('ZeroTier Central is rate-limiting this token and asks to wait 120 s.');
  });

  test('the caller can cancel: E_ABORTED, promptly, also during a hang', async () => {
    const sim = await testSimulator();
    sim.faults.add({ path: '/api/v1/network', fault: { kind: 'hang' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const error = await rejection(centralOn(sim, { ...FAST, timeoutMs: 10_000 }).listNetworks({ signal: controller.signal }));
    expect(error).toMatchObject({ code: 'E_ABORTED' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('nothing listening: E_ZT_UNREACHABLE with the address', async () => {
    const port = await closedPort();
    const central = createCentralController({ ...FAST, baseUrl: `http://127.0.0.1:${port}/api/v1`, token: 't0ken' });
    const error = await rejection(central.listNetworks());
    await central.close();
    expect(error).toMatchObject({ code: 'E_ZT_UNREACHABLE' });
    expect(error.message).toBe(`Cannot reach ZeroTier Central at http://127.0.0.1:${port} (ECONNREFUSED).`);
  });
});

describe('the token never leaks', () => {
  test('no error of any path carries it: message, hint, JSON, or a full inspection with causes', async () => {
    const sim = await testSimulator({ token: 'tok3n-SECRET-5f1d2c', centralRequestsPerSecond: null });
    const central = centralOn(sim, { ...FAST, timeoutMs: 150, attempts: 2, maxRateLimitWaitMs: 10 });
    const wrong = createCentralController({ ...FAST, baseUrl: sim.centralBase, token: 'tok3n-WRONG-77aa', attempts: 1 });
    const errors: Awaited<ReturnType<typeof rejection>>[] = [];
    const paths: [string, Parameters<typeof sim.faults.add>[0]['fault']][] = [
      ['hang', { kind: 'hang' }],
      ['reset', { kind: 'reset' }],
      ['500 echoing the token', { kind: 'status', status: 500, body: { message: `bad token tok3n-SECRET-5f1d2c` } }],
      ['400 echoing the token', { kind: 'status', status: 400, body: { error: `token tok3n-SECRET-5f1d2c is odd` } }],
      ['403', { kind: 'status', status: 403 }],
      ['404', { kind: 'status', status: 404 }],
      ['429', { kind: 'rate-limit', retryAfter: '60' }],
      ['oversized', { kind: 'oversized', bytes: 10 * 1024 * 1024 }],
      ['invalid json', { kind: 'invalid-json' }],
      ['wrong shape', { kind: 'status', status: 200, body: 'tok3n-SECRET-5f1d2c' }],
    ];
    for (const [, fault] of paths) {
      sim.faults.clear();
      sim.faults.add({ path: MEMBERS, fault });
      errors.push(await rejection(central.listMembers(NWID)));
    }
    sim.faults.clear();
    errors.push(await rejection(wrong.listNetworks()));
    await wrong.close();
    const controller = new AbortController();
    controller.abort();
    errors.push(await rejection(central.listNetworks({ signal: controller.signal })));
    const port = await closedPort();
    const unreachable = createCentralController({ ...FAST, baseUrl: `http://127.0.0.1:${port}/api/v1`, token: 'tok3n-SECRET-5f1d2c' });
    errors.push(await rejection(unreachable.listNetworks()));
    await unreachable.close();

    expect(errors).toHaveLength(paths.length + 3);
    const echoed = errors[2];
    expect(echoed?.message).toContain('[redacted]');
    for (const error of errors) {
      const shown = [JSON.stringify(serializeError(error)), inspect(error, { depth: Infinity, showHidden: true }), String(error.hint)];
      for (const text of shown) {
        expect(text).not.toContain('tok3n-SECRET');
        expect(text).not.toContain('tok3n-WRONG');
      }
    }
  });
});
