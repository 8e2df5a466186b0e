/**
 * The deep check: core0's own `core.ping` through its command queue (FIELD-NOTES §2). The command is RPUSHed
 * onto `core:default` as JSON; core0 pushes the result onto `result:<id>`, which the client waits on with
 * BRPOPLPUSH (pushing it back, as core0's own clients do, so another reader still finds it).
 *
 * ioredis, on a port the probe already found to be Redis. It is still bounded: a deadline that disconnects, and
 * a cap on the bytes read from the socket (ioredis would otherwise buffer any reply whole).
 */
import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import * as v from 'valibot';
import { withoutPassword } from './credentials.ts';
import { normalizeFingerprint, peerFingerprint } from './redis-dialogue.ts';
import type { SocketGauge } from './socket-gauge.ts';

export interface Core0PingOptions {
  host: string;
  port: number;
  tls: boolean;
  password: string | undefined;
  pinnedFingerprint: string | undefined;
  timeoutMs: number;
  maxReplyBytes: number;
  gauge: SocketGauge | undefined;
}

export interface Core0PingResult {
  /** core0's answer ("PONG <version>"), or null. */
  answer: string | null;
  /** What happened, in words. */
  detail: string;
}

const ResultSchema = v.object({
  state: v.string(),
  data: v.optional(v.nullable(v.string())),
  level: v.optional(v.nullable(v.number())),
});

/** Printable and short: it ends up in tables and notifications. */
function clean(text: string): string {
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  return printable.length > 200 ? `${printable.slice(0, 200)}…` : printable;
}

/** The answer from a result's JSON: `data` is itself JSON when `level` is 20. */
function answerFrom(raw: string): Core0PingResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { answer: null, detail: 'core0 answered core.ping with something that is not JSON' };
  }
  const result = v.safeParse(ResultSchema, parsed);
  if (!result.success) return { answer: null, detail: 'core0 answered core.ping without a state' };
  const { state, data, level } = result.output;
  let text = data ?? '';
  if (level === 20) {
    try {
      const decoded: unknown = JSON.parse(text);
      if (typeof decoded === 'string') text = decoded;
    } catch {
      // Not JSON after all: keep it as it came.
    }
  }
  if (state !== 'SUCCESS') return { answer: null, detail: `core0 answered core.ping with state ${clean(state)}: ${clean(text)}` };
  return { answer: clean(text), detail: `core0 answered core.ping: ${clean(text)}` };
}

export async function core0Ping(options: Core0PingOptions): Promise<Core0PingResult> {
  // Through `default` (ioredis' module.exports): bundled by esbuild, a CommonJS module's dynamic import has
  // only `default`, while Node's own loader also offers the names. `Redis` is a property of module.exports in
  // both. `const { Redis } = await import('ioredis')` crashed the built CLI ("Redis is not a constructor").
  const { Redis } = (await import('ioredis')).default;
  const redis = new Redis({
    host: options.host,
    port: options.port,
    lazyConnect: true,
    connectTimeout: options.timeoutMs,
    // One attempt, no reconnects and no ready check (core0's proxies answer INFO differently).
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    autoResubscribe: false,
    // The password is sent after the certificate check, so ioredis is not given it.
    ...(options.tls ? { tls: { rejectUnauthorized: false } } : {}),
  });
  // Failures surface as rejected commands; without a listener ioredis would also print them.
  redis.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  let cut: string | null = null;
  const stopWith = (reason: string) => {
    cut ??= reason;
    redis.disconnect();
  };
  const timer = setTimeout(() => stopWith(`core0 did not answer core.ping within ${options.timeoutMs} ms`), options.timeoutMs);
  // At most one socket, for as long as this runs: an upper bound for the caller's count.
  options.gauge?.opened();
  try {
    await redis.connect();
    let bytes = 0;
    redis.stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.maxReplyBytes) stopWith(`core0's Redis sent more than ${options.maxReplyBytes} bytes`);
    });
    if (options.tls && options.pinnedFingerprint !== undefined) {
      if (peerFingerprint(redis.stream as TLSSocket) !== normalizeFingerprint(options.pinnedFingerprint)) {
        stopWith('the TLS certificate changed since the probe (fingerprint mismatch); nothing was sent');
        return { answer: null, detail: cut ?? '' };
      }
    } else if (options.tls && options.password !== undefined) {
      // Never a password over TLS whose certificate nobody checked.
      stopWith('no trusted certificate to check the TLS connection against; the password was not sent');
      return { answer: null, detail: cut ?? '' };
    }
    if (options.password !== undefined) await redis.auth(options.password);
    const id = randomUUID();
    const command = { id, command: 'core.ping', arguments: {}, queue: null, max_time: null, stream: false, tags: null };
    await redis.rpush('core:default', JSON.stringify(command));
    // Whole seconds: the Redis of core0 1.x takes no fractional timeouts. The timer above bounds it anyway.
    const raw = await redis.brpoplpush(`result:${id}`, `result:${id}`, Math.max(1, Math.ceil(options.timeoutMs / 1000)));
    if (raw === null) return { answer: null, detail: `core0 did not answer core.ping within ${options.timeoutMs} ms` };
    return answerFrom(withoutPassword(raw, options.password));
  } catch (error) {
    return { answer: null, detail: cut ?? `core.ping failed: ${clean(withoutPassword(error instanceof Error ? error.message : String(error), options.password))}` };
  } finally {
    clearTimeout(timer);
    redis.disconnect();
    await ended;
    options.gauge?.closed();
  }
}
