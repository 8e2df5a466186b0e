/**
 * Client-side pacing for ZeroTier Central, which allows 20 requests per second on free accounts (100 paid) and
 * answers 429 beyond that. One limiter is shared by every request of a client, so fifty authorizations started at
 * once leave as fifty requests at least 50 ms apart instead of a burst the server refuses.
 *
 * The limiter is a GCRA ("virtual scheduling") token bucket: each caller reserves the next free slot, so callers
 * are served in order and no timer runs while nobody waits.
 */
import { abortError, sleep } from './sleep.ts';

export interface RateLimiterOptions {
  /** Sustained rate. Default 20 (Central's free tier). */
  requestsPerSecond?: number;
  /**
   * Requests that may leave back to back before pacing starts. Default 1: with a larger burst, a client could
   * send burst + rate requests within one second and exceed the server's per-second limit.
   */
  burst?: number;
  /**
   * Added to the spacing (ms). Requests leave exactly 1000/rate ms apart, but one can wait for a connection
   * while the next finds one free, so they may reach the server slightly closer together; over twenty requests
   * a 2 ms margin (the default) absorbs 40 ms of such jitter and keeps every one-second window at the server
   * within the limit.
   */
  marginMs?: number;
  /**
   * A server-announced reset further away than this is not waited for silently; the server's 429 then fails the
   * call in words instead. Default 60 s.
   */
  maxPauseMs?: number;
  /** Clock and timer, replaceable in tests. */
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RateLimiter {
  /** Resolves when the caller may send its request; rejects (E_ABORTED) if `signal` fires first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Hold every request until `time` (ms since the epoch): the server said the budget is spent. */
  pauseUntil(time: number): void;
  /**
   * Read Central's `X-Ratelimit-Remaining` / `X-Ratelimit-Reset`: when nothing remains, pause until the reset.
   */
  observe(headers: Readonly<Record<string, string | string[] | undefined>>): void;
}

export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const rate = options.requestsPerSecond ?? 20;
  const burst = options.burst ?? 1;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`requestsPerSecond must be a positive number, not ${rate}`);
  if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be a whole number >= 1, not ${burst}`);
  const now = options.now ?? Date.now;
  const wait = options.wait ?? sleep;
  const maxPause = options.maxPauseMs ?? 60_000;
  const interval = 1000 / rate + (options.marginMs ?? 2);
  const tolerance = (burst - 1) * interval;
  // Theoretical arrival time of the next request: the schedule every caller books into.
  let tat = 0;
  let pausedUntil = 0;
  const pauseUntil = (time: number) => {
    pausedUntil = Math.max(pausedUntil, time);
  };

  return {
    async acquire(signal) {
      if (signal?.aborted) throw abortError();
      const t = Math.max(now(), pausedUntil);
      const due = Math.max(tat, t);
      const allowedAt = Math.max(due - tolerance, t);
      tat = due + interval;
      const delay = allowedAt - now();
      if (delay > 0) await wait(delay, signal);
    },
    pauseUntil,
    observe(headers) {
      const remaining = headerNumber(headers['x-ratelimit-remaining']);
      if (remaining === undefined || remaining > 0) return;
      const reset = parseResetTime(headers['x-ratelimit-reset'], now());
      if (reset !== undefined && reset - now() <= maxPause) pauseUntil(reset);
    },
  };
}

/**
 * When a rate limit resets, from the headers of a response: `Retry-After` (seconds, or an HTTP date) wins,
 * then `X-Ratelimit-Reset`. Returns ms since the epoch, or undefined when neither says.
 */
export function rateLimitResetTime(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  nowMs: number,
): number | undefined {
  const retryAfter = firstHeader(headers['retry-after']);
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && Number.isFinite(seconds)) return nowMs + Math.max(0, seconds) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(nowMs, date);
  }
  return parseResetTime(headers['x-ratelimit-reset'], nowMs);
}

/**
 * `X-Ratelimit-Reset` is not documented by ZeroTier; gateways send either epoch seconds (the common form), epoch
 * milliseconds, or seconds from now. Large values are read as epoch times, small ones as a delay.
 */
function parseResetTime(value: string | string[] | undefined, nowMs: number): number | undefined {
  const n = headerNumber(value);
  if (n === undefined || n < 0) return undefined;
  if (n >= 1e12) return n;
  if (n >= 1e9) return n * 1000;
  return nowMs + n * 1000;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function headerNumber(value: string | string[] | undefined): number | undefined {
  const text = firstHeader(value);
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
