/**
 * One connection to a node's Redis port, plain or TLS, that sends PING (then AUTH and PING again when Redis asks
 * for a password, one is configured and the connection is one a password may cross: TLS whose certificate passed
 * the trust check, or plain text the person allowed) and reports what happened, without trusting the peer: a connect deadline, a total
 * deadline, and a cap on the bytes kept. Whatever the peer does (drip-feeds bytes, sends an endless bulk reply,
 * garbage, or nothing), the socket is destroyed by the deadline and at most `maxReplyBytes` (+ one read) are held.
 *
 * Raw sockets rather than ioredis for this part: ioredis buffers a bulk reply until it is complete (an endless
 * one grows memory until the deadline), folds refused / reset / timeout into its reconnect logic, and cannot say
 * "this port closed on a plaintext PING, so try TLS". ioredis does the deep check, on a port known to be Redis.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { encodeCommand, parseReply, preview, type RespReply } from './resp.ts';
import type { SocketGauge } from './socket-gauge.ts';

export interface DialogueOptions {
  host: string;
  port: number;
  tls: boolean;
  connectTimeoutMs: number;
  /** performance.now() time by which everything must be over. */
  deadline: number;
  maxReplyBytes: number;
  password: string | undefined;
  /** Send the password over plain text too (the person allowed it for this network). Default: never. */
  allowPlaintextPassword?: boolean | undefined;
  /** SHA-256 of the certificate trusted for this node, hex (colons optional); checked before anything is sent. */
  pinnedFingerprint: string | undefined;
  gauge: SocketGauge | undefined;
}

/** What one connection learned, and the certificate the peer presented (TLS, once the handshake completed). */
export interface DialogueReport {
  outcome: DialogueOutcome;
  /** SHA-256 of the peer's certificate, lower-case hex; null without a completed TLS handshake. */
  certificate: string | null;
}

/** What one connection learned. */
export type DialogueOutcome =
  | { kind: 'connect-error'; code: string }
  | { kind: 'connect-timeout' }
  /** Connected, then closed or reset without sending a byte: what a TLS-only port does with a plaintext PING. */
  | { kind: 'closed-silently'; how: string }
  /** Answered with a TLS record (alert or handshake): a TLS-only port. */
  | { kind: 'tls-record' }
  | { kind: 'handshake-failed'; message: string }
  | { kind: 'fingerprint-mismatch'; actual: string }
  /**
   * The answer to PING (after AUTH, when `authenticated`). `withheld`: Redis asked for a password and one is
   * configured, but this is plain text the person did not allow, so nothing was sent.
   */
  | { kind: 'answered'; reply: RespReply; latencyMs: number; authenticated: boolean; withheld: boolean }
  | { kind: 'password-refused'; message: string }
  | { kind: 'not-resp'; reason: string }
  /** The deadline passed with no complete answer (`bytes` of one received). */
  | { kind: 'no-reply'; bytes: number };

const PING = encodeCommand('PING');
/** Errors Redis, core0 1.1+ (JWT) and core0 1.2's proxy answer PING with when they want a password. */
const AUTH_WANTED = /\b(NOAUTH|WRONGPASS|DENIED)\b|auth|password|permission denied|jwt/i;
const TLS_CONTENT_TYPES = new Set([0x15, 0x16]);

export function wantsAuth(error: string): boolean {
  return AUTH_WANTED.test(error);
}

export function normalizeFingerprint(value: string): string {
  return value.replace(/[^0-9a-f]/gi, '').toLowerCase();
}

/** SHA-256 of a TLS peer's certificate, lower-case hex without colons ('' when it presented none). */
export function peerFingerprint(socket: TLSSocket): string {
  return normalizeFingerprint(socket.getPeerCertificate().fingerprint256 ?? '');
}

export function talkToRedis(options: DialogueOptions): Promise<DialogueReport> {
  return new Promise((done) => {
    let certificate: string | null = null;
    const resolve = (outcome: DialogueOutcome) => done({ outcome, certificate });
    const { host, port, gauge } = options;
    const socket: Socket | TLSSocket = options.tls
      ? // No CA check: core0's certificate is self-signed. The certificate trusted for the node is checked below.
        connectTls({ host, port, rejectUnauthorized: false })
      : connectTcp({ host, port });
    gauge?.opened();
    let connected = false;
    let secured = false;
    let closed = false;
    let outcome: DialogueOutcome | undefined;
    let received = Buffer.alloc(0);
    let parsed = 0;
    let pingSentAt = 0;
    let authSent = false;
    /** Replies still expected, in order. */
    const expecting: ('auth' | 'ping')[] = [];

    const finish = (result: DialogueOutcome) => {
      if (outcome) return;
      outcome = result;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      socket.destroy();
      // Resolve once the socket is really closed, so a caller's bound on open sockets holds.
      if (closed) resolve(result);
    };
    socket.once('close', () => {
      closed = true;
      gauge?.closed();
      if (outcome) resolve(outcome);
      else if (connected) cutShort('closed the connection');
      else finish({ kind: 'connect-error', code: 'ECONNCLOSED' });
    });

    const remaining = () => Math.max(0, options.deadline - performance.now());
    const connectTimer = setTimeout(() => finish({ kind: 'connect-timeout' }), Math.min(options.connectTimeoutMs, remaining()));
    const totalTimer = setTimeout(() => finish(connected ? { kind: 'no-reply', bytes: received.length } : { kind: 'connect-timeout' }), remaining());

    const send = (...commands: Buffer[]) => {
      pingSentAt = performance.now();
      socket.write(Buffer.concat(commands));
    };

    socket.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      if (options.tls) return;
      expecting.push('ping');
      send(PING);
    });
    socket.once('secureConnect', () => {
      secured = true;
      const actual = peerFingerprint(socket as TLSSocket);
      certificate = actual || null;
      if (options.pinnedFingerprint !== undefined && actual !== normalizeFingerprint(options.pinnedFingerprint)) {
        return finish({ kind: 'fingerprint-mismatch', actual });
      }
      expecting.push('ping');
      send(PING);
    });

    socket.on('data', (chunk: Buffer) => {
      if (outcome) return;
      if (received.length === 0 && !options.tls && TLS_CONTENT_TYPES.has(chunk[0] ?? 0)) return finish({ kind: 'tls-record' });
      received = Buffer.concat([received, chunk]);
      for (;;) {
        const step = parseReply(received, parsed, options.maxReplyBytes);
        if ('invalid' in step) return finish({ kind: 'not-resp', reason: step.invalid });
        if ('incomplete' in step) break;
        parsed = step.end;
        const expected = expecting.shift();
        const { reply } = step;
        if (expected === 'auth') {
          if (reply.kind === 'error') return finish({ kind: 'password-refused', message: reply.value });
          continue;
        }
        if (expected === undefined) return finish({ kind: 'not-resp', reason: `an answer before the question: ${preview(received)}` });
        const askedForPassword = reply.kind === 'error' && wantsAuth(reply.value) && options.password !== undefined && !authSent;
        // Never in clear: over plain text the password goes only where the person allowed it.
        const mayCross = options.tls || options.allowPlaintextPassword === true;
        if (askedForPassword && mayCross) {
          authSent = true;
          expecting.push('auth', 'ping');
          send(encodeCommand('AUTH', options.password!), PING);
          continue;
        }
        return finish({ kind: 'answered', reply, latencyMs: performance.now() - pingSentAt, authenticated: authSent, withheld: askedForPassword });
      }
      if (received.length > options.maxReplyBytes) {
        finish({ kind: 'not-resp', reason: `more than ${options.maxReplyBytes} bytes without a complete reply, starting ${preview(received)}` });
      }
    });

    /** The peer closed or reset the connection, or it failed, before a complete answer. */
    const cutShort = (how: string) => {
      if (options.tls && !secured) return finish({ kind: 'handshake-failed', message: how });
      if (received.length === 0) return finish({ kind: 'closed-silently', how });
      finish({ kind: 'not-resp', reason: `${how} in the middle of a reply: ${preview(received)}` });
    };
    socket.once('end', () => cutShort('closed the connection'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (outcome) return;
      if (!connected) return finish({ kind: 'connect-error', code: error.code ?? 'ERROR' });
      cutShort(error.code === 'ECONNRESET' ? 'reset the connection' : error.message);
    });
  });
}
