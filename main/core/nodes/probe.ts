/**
 * Probing core0's Redis on one node: classify what answers on port 6379 into exactly one ProbeState.
 *
 * Plain first (core0 1.0), then TLS (core0 1.1+, self-signed certificate) when the plaintext PING was met the
 * way a TLS-only port meets it (closed, reset, or a TLS record). A password (core0's JWT) is sent only when
 * Redis asks for one, and never in clear: only over TLS whose certificate is the one trusted for the node (the
 * first one seen, or a pin), or over plain text the person allowed for the network. A node whose certificate
 * changed gets nothing at all. Everything happens within `timeoutMs` of the start; the deep check has its own
 * bound and the same rules.
 */
import { isIP, isIPv4 } from 'node:net';
import type { ProbeResult, ProbeState } from '../../common/nodes.ts';
import { core0Ping } from './core0-ping.ts';
import { withoutPassword } from './credentials.ts';
import { normalizeFingerprint, talkToRedis, wantsAuth, type DialogueOutcome } from './redis-dialogue.ts';
import type { SocketGauge } from './socket-gauge.ts';

export const REDIS_PORT = 6379;

export interface ProbeOptions {
  /** core0's Redis port. Default 6379. */
  port?: number | undefined;
  /** Per connection attempt. Default 2000 ms. */
  connectTimeoutMs?: number | undefined;
  /** The whole probe, plain and TLS attempts together. Default 3000 ms. */
  timeoutMs?: number | undefined;
  /** Also ask core0 itself (`core.ping`) when Redis answers. */
  deep?: boolean | undefined;
  /** Bound of the deep check. Default 5000 ms. */
  deepTimeoutMs?: number | undefined;
  /** Sent (AUTH) when Redis asks for a password: core0 booted with `organization=` wants a JWT. */
  password?: string | undefined;
  /** Send the password over plain text too. Default false: a plain-text Redis asking for one is `auth-plaintext`. */
  allowPlaintextPassword?: boolean | undefined;
  /**
   * Why the network's password could not be had this time (its JWT file is gone or unreadable): said where Redis
   * asks for one, instead of "none is set", which would send the person to set what is already set.
   */
  passwordUnavailable?: string | undefined;
  /**
   * SHA-256 of the certificate trusted for this node, hex with or without colons (probeNode takes it from the
   * target). Undefined: none yet, so the first one seen is used (trust on first use) and reported in `certificate`.
   */
  pinnedFingerprint?: string | undefined;
  /** Bytes of a reply kept before the peer counts as "not Redis". Default 4096. */
  maxReplyBytes?: number | undefined;
  /** Counts open sockets (see socket-gauge.ts). */
  gauge?: SocketGauge | undefined;
  /** Clock for `checkedAt`. Default Date.now. */
  now?: (() => number) | undefined;
}

/** What a probe needs to know about a node: a ZeroTier Member or a NodeRecord. */
export interface ProbeTarget {
  authorized: boolean;
  ips: readonly string[];
  /** SHA-256 of the TLS certificate trusted for this node (NodeRecord.trustedCertificate), if any. */
  trustedCertificate?: string | null | undefined;
}

const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL', 'EAFNOSUPPORT']);
/** A TLS attempt gets at least this long, else it is not worth starting. */
const MIN_TLS_ATTEMPT_MS = 50;

/** The address probed: the first IPv4, else the first address, else null. */
export function probeAddress(target: Pick<ProbeTarget, 'ips'>): string | null {
  return target.ips.find((ip) => isIPv4(ip)) ?? target.ips[0] ?? null;
}

interface Finding {
  state: ProbeState;
  tls: boolean | null;
  latencyMs: number | null;
  detail: string;
}

function fromReply(outcome: Extract<DialogueOutcome, { kind: 'answered' }>, tls: boolean, allowPlaintext: boolean, unavailable: string | undefined): Finding {
  const { reply } = outcome;
  const over = tls ? 'over TLS' : 'in plain text';
  if ((reply.kind === 'simple' || reply.kind === 'bulk') && reply.value?.toUpperCase() === 'PONG') {
    const latencyMs = Math.round(outcome.latencyMs * 100) / 100;
    return { state: 'ready', tls, latencyMs, detail: `Redis answered PING ${over}${outcome.authenticated ? ' after AUTH' : ''} in ${latencyMs} ms` };
  }
  if (reply.kind === 'error' && wantsAuth(reply.value)) {
    const said = JSON.stringify(reply.value.slice(0, 120));
    if (!tls && !allowPlaintext) {
      return {
        state: 'auth-plaintext',
        tls,
        latencyMs: null,
        detail: `Redis asks for a password over an unencrypted connection (${said}); ${outcome.withheld ? 'the password was not sent' : 'no password is set, and none would be sent'} (plain text is not allowed for this network)`,
      };
    }
    const missing = unavailable === undefined ? 'none is set for this network' : `the network's password cannot be read (${unavailable})`;
    return { state: 'auth-required', tls, latencyMs: null, detail: `Redis wants a password (${over}) and ${missing}: ${said}` };
  }
  // Redis, but not serving PING (LOADING, BUSY, an unknown-command proxy): it turned the request down.
  if (reply.kind === 'error') return { state: 'refused', tls, latencyMs: null, detail: `Redis refused PING ${over}: ${JSON.stringify(reply.value.slice(0, 120))}` };
  return { state: 'not-redis', tls: null, latencyMs: null, detail: `answered PING with an unexpected ${reply.kind} reply` };
}

function classify(outcome: DialogueOutcome, tls: boolean, options: { connectTimeoutMs: number; timeoutMs: number; allowPlaintext: boolean; pinned: string | undefined; passwordUnavailable: string | undefined }): Finding {
  const none = { tls: null, latencyMs: null };
  switch (outcome.kind) {
    case 'connect-error':
      if (outcome.code === 'ECONNREFUSED') return { state: 'refused', ...none, detail: 'connection refused (nothing listens on the port)' };
      if (outcome.code === 'ETIMEDOUT') return { state: 'timeout', ...none, detail: 'the connection attempt timed out' };
      if (UNREACHABLE_CODES.has(outcome.code)) return { state: 'unreachable', ...none, detail: `no route to the address (${outcome.code})` };
      return { state: 'unreachable', ...none, detail: `cannot connect (${outcome.code})` };
    case 'connect-timeout':
      return { state: 'timeout', ...none, detail: `no connection within ${Math.min(options.connectTimeoutMs, options.timeoutMs)} ms` };
    case 'no-reply':
      return {
        state: 'timeout',
        ...none,
        detail: outcome.bytes === 0 ? `connected, but no answer to PING within ${options.timeoutMs} ms` : `only ${outcome.bytes} bytes of an answer within ${options.timeoutMs} ms`,
      };
    case 'answered':
      return fromReply(outcome, tls, options.allowPlaintext, options.passwordUnavailable);
    case 'password-refused':
      return { state: 'auth-failed', tls, latencyMs: null, detail: `Redis refused the password (${tls ? 'sent over TLS' : 'sent in plain text, as allowed'}): ${JSON.stringify(outcome.message.slice(0, 120))}` };
    case 'not-resp':
      return { state: 'not-redis', ...none, detail: `answered, but not in Redis' protocol: ${outcome.reason}` };
    case 'fingerprint-mismatch':
      return {
        state: 'cert-changed',
        tls: true,
        latencyMs: null,
        detail: `its TLS certificate changed: now SHA-256 ${outcome.actual}, trusted ${options.pinned ?? '(none)'}; nothing was sent`,
      };
    case 'handshake-failed':
      return { state: 'not-redis', ...none, detail: `closed the connection on a plaintext PING, and the TLS handshake failed (${outcome.message})` };
    case 'closed-silently':
    case 'tls-record':
      return { state: 'not-redis', ...none, detail: tls ? `${outcome.kind === 'tls-record' ? 'answered with a TLS record' : outcome.how} without answering PING over TLS` : `${outcome.kind === 'tls-record' ? 'answered with a TLS record' : outcome.how} on a plaintext PING, and there was no time left to try TLS` };
  }
}

/** What a node said, without the password it may say back (see withoutPassword). */
function hidePassword(outcome: DialogueOutcome, password: string | undefined): DialogueOutcome {
  if (!password) return outcome;
  if (outcome.kind === 'password-refused' || outcome.kind === 'handshake-failed') return { ...outcome, message: withoutPassword(outcome.message, password) };
  if (outcome.kind === 'answered' && typeof outcome.reply.value === 'string') return { ...outcome, reply: { ...outcome.reply, value: withoutPassword(outcome.reply.value, password) } as typeof outcome.reply };
  return outcome;
}

/** Probe one address. Never throws: every failure is a state. */
export async function probeRedis(address: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const port = options.port ?? REDIS_PORT;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 3000;
  const maxReplyBytes = options.maxReplyBytes ?? 4096;
  const now = options.now ?? Date.now;
  let certificate: string | null = null;
  const result = (finding: Finding, core0Version: string | null = null): ProbeResult => ({
    ...finding,
    address,
    port,
    core0Version,
    checkedAt: now(),
    certificate,
  });
  if (isIP(address) === 0) return result({ state: 'unreachable', tls: null, latencyMs: null, detail: `${JSON.stringify(address)} is not an IP address` });

  const deadline = performance.now() + timeoutMs;
  const allowPlaintext = options.allowPlaintextPassword === true;
  const pinned = options.pinnedFingerprint === undefined ? undefined : normalizeFingerprint(options.pinnedFingerprint);
  const attempt = async (tls: boolean) => {
    const report = await talkToRedis({
      host: address,
      port,
      tls,
      connectTimeoutMs,
      deadline,
      maxReplyBytes,
      password: options.password,
      allowPlaintextPassword: allowPlaintext,
      pinnedFingerprint: pinned,
      gauge: options.gauge,
    });
    certificate = report.certificate;
    return report.outcome;
  };
  let tls = false;
  let outcome = await attempt(false);
  if ((outcome.kind === 'closed-silently' || outcome.kind === 'tls-record') && deadline - performance.now() >= MIN_TLS_ATTEMPT_MS) {
    tls = true;
    outcome = await attempt(true);
  }
  outcome = hidePassword(outcome, options.password);
  const finding = classify(outcome, tls, { connectTimeoutMs, timeoutMs, allowPlaintext, pinned, passwordUnavailable: options.passwordUnavailable });
  if (!options.deep || finding.state !== 'ready') return result(finding);

  const deepTimeoutMs = options.deepTimeoutMs ?? 5000;
  const core0 = await core0Ping({
    host: address,
    port,
    tls,
    password: outcome.kind === 'answered' && outcome.authenticated ? options.password : undefined,
    // The deep check's own connection must present the certificate this probe trusted (pinned or first seen).
    pinnedFingerprint: tls ? (pinned ?? certificate ?? undefined) : undefined,
    timeoutMs: deepTimeoutMs,
    maxReplyBytes: Math.max(maxReplyBytes, 64 * 1024),
    gauge: options.gauge,
  });
  return result({ ...finding, detail: `${finding.detail}; ${core0.detail}` }, core0.answer);
}

/** What membership alone says: `pending` (not authorized) or `no-address`; null when there is something to probe. */
export function membershipFinding(target: ProbeTarget, options: Pick<ProbeOptions, 'port' | 'now'> = {}): ProbeResult | null {
  const base = { address: null, port: options.port ?? REDIS_PORT, tls: null, latencyMs: null, core0Version: null, checkedAt: (options.now ?? Date.now)(), certificate: null };
  if (!target.authorized) return { ...base, state: 'pending', detail: 'not authorized on the network' };
  if (probeAddress(target) === null) return { ...base, state: 'no-address', detail: 'authorized; waiting for ZeroTier to assign an address' };
  return null;
}

/** Probe a node: membership first, then its Redis. */
export async function probeNode(target: ProbeTarget, options: ProbeOptions = {}): Promise<ProbeResult> {
  const pinnedFingerprint = target.trustedCertificate ?? options.pinnedFingerprint;
  return membershipFinding(target, options) ?? probeRedis(probeAddress(target) ?? '', { ...options, pinnedFingerprint });
}
