import { describe, expect, test } from 'vitest';
import { createRateLimiter, rateLimitResetTime } from '../../main/core/zerotier/rate-limit.ts';

/** A clock that only moves when the limiter waits: what it records is exactly the schedule it imposes. */
function virtualTime(start = 1_000_000) {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => now,
    wait: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}

describe('rate limiter', () => {
  test('50 requests at 20/s leave at least 50 ms apart (plus the 2 ms margin), ~2.5 s from first to last', async () => {
    const time = virtualTime();
    const limiter = createRateLimiter({ requestsPerSecond: 20, now: time.now, wait: time.wait });
    const sentAt: number[] = [];
    for (let i = 0; i < 50; i++) {
      await limiter.acquire();
      sentAt.push(time.now());
    }
    const gaps = sentAt.slice(1).map((t, i) => t - (sentAt[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(52);
    expect((sentAt.at(-1) ?? 0) - (sentAt[0] ?? 0)).toBeCloseTo(49 * 52, 5);
    // No one-second window holds more than 20.
    for (const t of sentAt) expect(sentAt.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(20);
  });

  test('callers that start together are queued in order, not released together', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 100, marginMs: 0 });
    const started = Date.now();
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        await limiter.acquire();
        done.push(i);
      }),
    );
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  test('a burst lets that many go at once, then paces', async () => {
    const time = virtualTime();
    const limiter = createRateLimiter({ requestsPerSecond: 10, burst: 3, marginMs: 0, now: time.now, wait: time.wait });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(time.waits).toEqual([100, 100]);
  });

  test('Remaining 0 holds everyone until the reset the server names', async () => {
    const time = virtualTime(1_700_000_000_000);
    const limiter = createRateLimiter({ now: time.now, wait: time.wait });
    await limiter.acquire();
    limiter.observe({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(1_700_000_003) });
    await limiter.acquire();
    expect(time.now()).toBe(1_700_000_003_000);
    limiter.observe({ 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': String(1_700_000_009) });
    await limiter.acquire();
    expect(time.now()).toBe(1_700_000_003_052);
  });

  test('a cancelled wait rejects with E_ABORTED', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 1 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'E_ABORTED' });
  });

  test('bad settings are refused', () => {
    expect(() => createRateLimiter({ requestsPerSecond: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ burst: 0 })).toThrow(RangeError);
  });
});

describe('when a rate limit resets', () => {
  const now = 1_700_000_000_000;
  test('Retry-After in seconds or as an HTTP date wins over X-Ratelimit-Reset', () => {
    expect(rateLimitResetTime({ 'retry-after': '2', 'x-ratelimit-reset': '1700000009' }, now)).toBe(now + 2000);
    expect(rateLimitResetTime({ 'retry-after': new Date(now + 5000).toUTCString() }, now)).toBe(now + 5000);
  });
  test('X-Ratelimit-Reset as epoch seconds, epoch milliseconds or a delay', () => {
    expect(rateLimitResetTime({ 'x-ratelimit-reset': '1700000004' }, now)).toBe(now + 4000);
    expect(rateLimitResetTime({ 'x-ratelimit-reset': String(now + 1234) }, now)).toBe(now + 1234);
    expect(rateLimitResetTime({ 'x-ratelimit-reset': '3' }, now)).toBe(now + 3000);
  });
  test('nothing usable: undefined', () => {
    expect(rateLimitResetTime({}, now)).toBeUndefined();
    expect(rateLimitResetTime({ 'retry-after': 'soon', 'x-ratelimit-reset': '' }, now)).toBeUndefined();
  });
});
