/**
 * The HTTP client under every ZeroTier API g8boot talks to (Central, this machine's ZeroTier One service and its
 * controller). One undici Agent per client keeps connections alive between calls; each attempt has a deadline
 * covering headers and body; bodies are read up to a size limit; idempotent calls are retried with jittered
 * backoff after 5xx answers, resets and timeouts; 429 answers are waited out as the server asks.
 *
 * Secrets: the auth headers live only in this closure. Messages are built here from the method, the path and
 * the status, never from request headers, and anything the server says is redacted before it is quoted.
 */
import { proxyAwareDispatcher, proxyFailure } from '../http-proxy.ts';
import { ExitCode, G8bootError, type ErrorDetails } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';
import { rateLimitResetTime, type RateLimiter } from './rate-limit.ts';
import { abortError, sleep } from './sleep.ts';

/** Every failure of a ZeroTier API call: what went wrong in words, a hint, and the HTTP status if there was one. */
export class ZeroTierApiError extends G8bootError {
  override name = 'ZeroTierApiError';
  /** HTTP status when the server answered; undefined for connection failures and timeouts. */
  readonly status: number | undefined;
  override readonly exitCode: ExitCode;

  constructor(code: string, message: string, details: ErrorDetails & { status?: number | undefined; exitCode?: ExitCode | undefined } = {}) {
    super(code, message, details);
    this.status = details.status;
    // A service that is not running is a missing component (exit 3), like a missing hypervisor.
    this.exitCode = details.exitCode ?? ExitCode.failure;
  }
}

export interface HttpTuning {
  /** Deadline of one attempt, from sending the request to the last byte of the body. Default 15 s. */
  timeoutMs?: number | undefined;
  /** Largest response body accepted. Default 8 MiB (Central sends ~1 KiB per member, without paging). */
  maxBodyBytes?: number | undefined;
  /** Attempts for an idempotent call that meets a 5xx answer, a reset connection or a timeout. Default 3. */
  attempts?: number | undefined;
  /** Backoff before retry n is random in [0, min(retryMaxDelayMs, retryBaseDelayMs * 2^(n-1))) ("full jitter"). */
  retryBaseDelayMs?: number | undefined;
  retryMaxDelayMs?: number | undefined;
  /** A 429 asking to wait longer than this fails the call instead of waiting. Default 60 s. */
  maxRateLimitWaitMs?: number | undefined;
}

/** A failure an API module can put into its own words (see HttpClientOptions.describe). */
export type HttpFailure =
  | { kind: 'status'; status: number; method: string; path: string; subject: string | undefined; serverMessage: string | undefined }
  | { kind: 'unreachable'; method: string; path: string; detail: string };

export interface FailureWords {
  code?: string;
  message: string;
  hint?: string | undefined;
  exitCode?: ExitCode | undefined;
}

export interface HttpClientOptions extends HttpTuning {
  /** Base URL; request paths are appended to it (`https://api.zerotier.com/api/v1` + `/network`). */
  baseUrl: string;
  /** The service as a person knows it, for messages: "ZeroTier Central". */
  service: string;
  /** Headers that carry the credentials. They stay inside the client. */
  authHeaders: Readonly<Record<string, string>>;
  /** The raw credential: removed from anything the server says before it appears in a message. */
  secret: string;
  /** Shared pacing for every request of this client (Central's 20 requests/s). */
  rateLimiter?: RateLimiter | undefined;
  /** Words for a failure, specific to the API; return undefined to keep the generic ones. */
  describe?: ((failure: HttpFailure) => FailureWords | undefined) | undefined;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below the base URL, starting with "/". */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal | undefined;
  /**
   * Safe to send again after an answer was lost. Default: GET and DELETE yes, POST no. A POST whose body sets
   * absolute values (authorized: true) may say yes.
   */
  idempotent?: boolean | undefined;
  /** What the call is about, for messages: "network 8056c2e21c000001". */
  subject?: string | undefined;
  /** Statuses handed back to the caller instead of thrown (e.g. 404 when probing for an optional endpoint). */
  accept?: readonly number[] | undefined;
}

export interface HttpResponse {
  status: number;
  /** The parsed JSON body, or undefined when the body was empty. */
  body: unknown;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

const DEFAULTS = {
  timeoutMs: 15_000,
  maxBodyBytes: 8 * 1024 * 1024,
  attempts: 3,
  retryBaseDelayMs: 300,
  retryMaxDelayMs: 5_000,
  maxRateLimitWaitMs: 60_000,
} as const;

/** 429 answers waited out per call before giving up (each wait is bounded by maxRateLimitWaitMs). */
const MAX_RATE_LIMIT_WAITS = 3;

type HeaderMap = Record<string, string | string[] | undefined>;

interface Answer {
  status: number;
  headers: HeaderMap;
  text: string;
}

/** A failed attempt, and whether sending the same request again may help. */
interface AttemptFailure {
  error: ZeroTierApiError;
  retryable: boolean;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const attempts = Math.max(1, options.attempts ?? DEFAULTS.attempts);
  const retryBase = options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs;
  const retryMax = options.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs;
  const maxRateLimitWait = options.maxRateLimitWaitMs ?? DEFAULTS.maxRateLimitWaitMs;
  const { service, secret, rateLimiter } = options;
  const authHeaders = { ...options.authHeaders };
  // Central through HTTPS_PROXY/NO_PROXY when set; this machine's service on loopback always direct.
  const { dispatcher: agent, close: closeAgent, proxy } = proxyAwareDispatcher({
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connections: 8,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });

  const redact = (text: string): string => (secret ? text.split(secret).join('[redacted]') : text);

  const words = (failure: HttpFailure, fallback: FailureWords): FailureWords => options.describe?.(failure) ?? fallback;

  /**
   * One try. Resolves with the answer or with a failure that a retry may fix; rejects only for what a retry
   * cannot fix (cancelled by the caller, a body over the limit).
   */
  async function attempt(req: HttpRequest): Promise<{ answer: Answer } | { failure: AttemptFailure }> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    const headers: Record<string, string> = { accept: 'application/json', ...authHeaders };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    try {
      const res = await agent.request({ origin, path: basePath + req.path, method: req.method, headers, body: payload, signal });
      const declared = Number(res.headers['content-length']);
      if (declared > maxBodyBytes) {
        res.body.destroy();
        throw tooLarge(req, declared);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBodyBytes) {
          res.body.destroy();
          throw tooLarge(req, size);
        }
        chunks.push(chunk);
      }
      return { answer: { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') } };
    } catch (error) {
      if (error instanceof ZeroTierApiError) throw error;
      if (req.signal?.aborted) throw abortError();
      return { failure: transportFailure(req, error, deadline.aborted) };
    }
  }

  /** `bytes`: what the server declared, or what had arrived when reading stopped. */
  function tooLarge(req: HttpRequest, bytes: number): ZeroTierApiError {
    return new ZeroTierApiError(
      'E_ZT_RESPONSE_TOO_LARGE',
      `${service} sent more than ${formatBytes(maxBodyBytes)} in answer to ${req.method} ${req.path} (at least ${formatBytes(bytes)}); g8boot stopped reading.`,
      { hint: 'The limit keeps a runaway answer from exhausting memory (Central sends about 1 KiB per member). Check that the URL points at the ZeroTier API.' },
    );
  }

  function transportFailure(req: HttpRequest, error: unknown, timedOut: boolean): AttemptFailure {
    const code = errorCode(error);
    if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return {
        retryable: true,
        error: new ZeroTierApiError('E_ZT_TIMEOUT', `${service} did not answer ${req.method} ${req.path} within ${formatSeconds(timeoutMs)}.`, {
          hint: 'The service or the network is slow or down; try again in a minute.',
          cause: error,
        }),
      };
    }
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') {
      return {
        retryable: true,
        error: new ZeroTierApiError('E_ZT_CONNECTION_RESET', `The connection to ${service} was closed before it answered ${req.method} ${req.path}.`, {
          hint: 'A proxy, firewall or the service itself dropped the connection; try again.',
          cause: error,
        }),
      };
    }
    const viaProxy = proxyFailure(error, proxy);
    if (viaProxy) {
      return {
        retryable: false,
        error: new ZeroTierApiError('E_ZT_UNREACHABLE', `Cannot reach ${service} at ${origin}: ${viaProxy.detail}.`, { hint: viaProxy.hint, cause: error }),
      };
    }
    const detail = code ?? (error instanceof Error ? error.message : String(error));
    const w = words(
      { kind: 'unreachable', method: req.method, path: req.path, detail },
      {
        message: `Cannot reach ${service} at ${origin} (${detail}).`,
        hint: 'Check the address and your network connection.',
      },
    );
    return {
      // A name that does not resolve right now (EAI_AGAIN) may resolve in a moment; a refused connection will not.
      retryable: code === 'EAI_AGAIN',
      error: new ZeroTierApiError(w.code ?? 'E_ZT_UNREACHABLE', w.message, { hint: w.hint, exitCode: w.exitCode, cause: error }),
    };
  }

  function statusError(req: HttpRequest, answer: Answer, tries: number): ZeroTierApiError {
    const { status } = answer;
    const serverMessage = serverMessageOf(answer.text);
    const failure: HttpFailure = { kind: 'status', status, method: req.method, path: req.path, subject: req.subject, serverMessage };
    const what = req.subject ?? `${req.method} ${req.path}`;
    const said = serverMessage ? `: ${quote(redact(serverMessage), 200)}` : '';
    let fallback: FailureWords;
    if (status === 401) {
      fallback = { code: 'E_ZT_UNAUTHORIZED', message: `${service} rejected the API token (HTTP 401).`, hint: 'Check which token g8boot uses.' };
    } else if (status === 403) {
      fallback = { code: 'E_ZT_FORBIDDEN', message: `${service} refused access to ${what} (HTTP 403).`, hint: 'The token has no access to it.' };
    } else if (status === 404) {
      fallback = { code: 'E_ZT_NOT_FOUND', message: `${service} has no ${what} (HTTP 404).`, hint: 'Check the id.' };
    } else if (status >= 500) {
      fallback = {
        code: 'E_ZT_SERVER',
        message: `${service} failed with HTTP ${status} on ${req.method} ${req.path}${said}.${tries > 1 ? ` Tried ${tries} times.` : ''}`,
        hint: 'The service is having trouble; try again in a minute.',
      };
    } else {
      fallback = { code: 'E_ZT_HTTP', message: `${service} answered HTTP ${status} to ${req.method} ${req.path}${said}.` };
    }
    const w = words(failure, fallback);
    return new ZeroTierApiError(w.code ?? fallback.code ?? 'E_ZT_HTTP', w.message, { hint: w.hint, exitCode: w.exitCode, status });
  }

  function parseBody(req: HttpRequest, answer: Answer): unknown {
    if (answer.text.trim() === '') return undefined;
    try {
      return JSON.parse(answer.text);
    } catch (error) {
      throw new ZeroTierApiError('E_ZT_BAD_RESPONSE', `${service} answered ${req.method} ${req.path} with something that is not JSON.`, {
        hint: 'Check that the URL points at the ZeroTier API and not at a web page or a proxy.',
        status: answer.status,
        cause: error,
      });
    }
  }

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.idempotent ?? req.method !== 'POST';
    let tries = 0;
    let rateLimitWaits = 0;
    for (;;) {
      await rateLimiter?.acquire(req.signal);
      tries++;
      const outcome = await attempt(req);
      if ('failure' in outcome) {
        const { failure } = outcome;
        if (failure.retryable && idempotent && tries < attempts) {
          await sleep(backoff(tries), req.signal);
          continue;
        }
        throw withAttempts(failure.error, tries, idempotent);
      }
      const { answer } = outcome;
      rateLimiter?.observe(answer.headers);
      if (answer.status === 429) {
        // The server refused before doing anything, so waiting and sending again is safe for any method.
        const now = Date.now();
        const resetAt = rateLimitResetTime(answer.headers, now) ?? now + 1000;
        const waitMs = resetAt - now;
        if (rateLimitWaits < MAX_RATE_LIMIT_WAITS && waitMs <= maxRateLimitWait) {
          rateLimitWaits++;
          // Hold this client's other calls too: they would only be refused as well.
          if (rateLimiter) rateLimiter.pauseUntil(resetAt);
          else await sleep(waitMs, req.signal);
          continue;
        }
        // Said in words a person can act on: a wait too long to sit through, or a server that keeps refusing.
        const message =
          waitMs > maxRateLimitWait
            ? `${service} is rate-limiting this token and asks to wait ${describeWait(waitMs)}.`
            : `${service} is still rate-limiting this token after ${rateLimitWaits} wait${rateLimitWaits === 1 ? '' : 's'}.`;
        throw new ZeroTierApiError('E_ZT_RATE_LIMITED', message, {
          hint: 'ZeroTier Central allows 20 requests per second on free accounts (100 on paid ones); try again in a minute, and check that nothing else uses the same token heavily.',
          status: 429,
        });
      }
      if (answer.status >= 500 && idempotent && tries < attempts) {
        await sleep(backoff(tries), req.signal);
        continue;
      }
      if ((answer.status >= 200 && answer.status < 300) || req.accept?.includes(answer.status)) {
        return { status: answer.status, body: parseBody(req, answer) };
      }
      throw statusError(req, answer, tries);
    }
  }

  function backoff(retry: number): number {
    return Math.random() * Math.min(retryMax, retryBase * 2 ** (retry - 1));
  }

  function withAttempts(error: ZeroTierApiError, tries: number, idempotent: boolean): ZeroTierApiError {
    const uncertain = !idempotent && (error.code === 'E_ZT_TIMEOUT' || error.code === 'E_ZT_CONNECTION_RESET');
    if (tries === 1 && !uncertain) return error;
    const message = tries > 1 ? `${error.message} Tried ${tries} times.` : error.message;
    const hint = uncertain ? 'The change may or may not have been made; check its state before repeating it.' : error.hint;
    return new ZeroTierApiError(error.code, message, { hint, status: error.status, exitCode: error.exitCode, cause: error.cause });
  }

  return {
    request: (req) =>
      request(req).catch((error: unknown) => {
        throw error instanceof G8bootError ? error : new ZeroTierApiError('E_ZT_INTERNAL', `Calling ${service} failed unexpectedly.`, { cause: error });
      }),
    close: () => closeAgent(),
  };
}

/** The text of `{"message": …}` or `{"error": …}` in an error body, if any. */
function serverMessageOf(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      const { message, error } = parsed as { message?: unknown; error?: unknown };
      if (typeof message === 'string' && message) return message;
      if (typeof error === 'string' && error) return error;
    }
  } catch {
    // Not JSON: an HTML error page says nothing useful in one line.
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: unknown; cause?: unknown } | undefined;
  if (typeof e?.code === 'string') return e.code;
  // Node reports a failed connection to several addresses of one name as an AggregateError.
  if (Array.isArray(e?.errors)) return errorCode(e.errors[0]);
  if (e?.cause !== undefined && e.cause !== error) return errorCode(e.cause);
  return undefined;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** A wait announced by a server, for a message: rounded to what a person plans with. */
export function describeWait(ms: number): string {
  if (ms < 1000) return 'less than a second';
  if (ms < 180_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 48 * 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  if (ms < 366 * 86_400_000) return `${Math.round(ms / 86_400_000)} days`;
  return 'more than a year';
}

export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${Math.round(ms / 100) / 10} s`;
}
