/**
 * HTTP GETs against one Debian mirror, with the failure modes a person can act on: connect and idle
 * timeouts (a stalled mirror never hangs a `npm ci`), a size limit (never more than the index promises), a
 * 404 naming the URL, and network failures naming the mirror and how to choose another.
 */
import { interceptors, request } from 'undici';
import { proxyAwareDispatcher } from '../../http-proxy.ts';
import { G8bootError } from '../../../common/errors.ts';
import { VERSION } from '../../version.ts';
import { RETRY_MIRROR_HINT } from './contents.ts';

export interface MirrorClientOptions {
  signal?: AbortSignal | undefined;
  /** Time allowed to open a connection. */
  connectTimeoutMs?: number | undefined;
  /** Time allowed without receiving anything (response headers or the next piece of the body). */
  idleTimeoutMs?: number | undefined;
}

export interface GetOptions {
  /** Refuse bodies larger than this (the size the index lists, or a sanity bound). */
  maxBytes: number;
  /** Completes "more than the <maxBytes> bytes ..." in the size error (e.g. "trixie's Packages index lists"). */
  limitSource: string;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface MirrorClient {
  readonly mirror: string;
  get(url: string, options: GetOptions): Promise<Buffer>;
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export function openMirrorClient(mirror: string, options: MirrorClientOptions = {}): MirrorClient {
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // Through HTTPS_PROXY/HTTP_PROXY unless NO_PROXY names the mirror (or it is on this machine).
  const agent = proxyAwareDispatcher({ connectTimeout, headersTimeout: idleTimeout, bodyTimeout: idleTimeout });
  // Some mirrors (and redirectors such as httpredir) answer with a redirect to the real file.
  const dispatcher = agent.dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
  const hint = 'Check the network connection, or use another Debian mirror with --mirror URL or G8BOOT_DEBIAN_MIRROR (e.g. http://ftp.de.debian.org/debian).';

  const networkError = (url: string, error: unknown) => {
    const { code, message } = error as { code?: string; message?: string };
    const reason =
      code === 'UND_ERR_CONNECT_TIMEOUT' ? `no connection within ${connectTimeout / 1000} s`
      : code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? `the mirror sent nothing for ${idleTimeout / 1000} s`
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `the host ${new URL(url).hostname} was not found`
      : code === 'ECONNREFUSED' ? 'the connection was refused'
      : code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' ? 'the connection was closed before the download finished'
      : (message ?? String(error));
    return new G8bootError('E_TOOLCHAIN_NETWORK', `Could not download ${url} from the Debian mirror ${mirror}: ${reason}.`, { hint, cause: error });
  };

  return {
    mirror,
    async get(url, { maxBytes, limitSource, onProgress }) {
      const tooLarge = () =>
        new G8bootError('E_TOOLCHAIN_SIZE_MISMATCH', `${url} is larger than expected: more than the ${maxBytes} bytes ${limitSource}.`, {
          hint: RETRY_MIRROR_HINT,
        });
      try {
        const response = await request(url, {
          dispatcher,
          signal: options.signal,
          headers: { 'user-agent': `g8boot/${VERSION} (toolchain fetch)` },
        });
        if (response.statusCode !== 200) {
          await response.body.dump().catch(() => {});
          if (response.statusCode === 404) {
            throw new G8bootError('E_TOOLCHAIN_NOT_FOUND', `${url} was not found on the mirror (HTTP 404).`, {
              hint: `Check that ${mirror} is a Debian archive (the directory holding dists/ and pool/) and the suite name (--suite); a mirror that is behind can lack new files: try another with --mirror URL or G8BOOT_DEBIAN_MIRROR.`,
            });
          }
          throw new G8bootError('E_TOOLCHAIN_HTTP', `${url} answered HTTP ${response.statusCode}.`, { hint });
        }
        const length = Number(response.headers['content-length'] ?? Number.NaN);
        if (length > maxBytes) {
          await response.body.dump().catch(() => {});
          throw tooLarge();
        }
        const total = Number.isFinite(length) ? length : maxBytes;
        const chunks: Buffer[] = [];
        let done = 0;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          done += chunk.length;
          if (done > maxBytes) {
            response.body.destroy();
            throw tooLarge();
          }
          chunks.push(chunk);
          onProgress?.(done, total);
        }
        return Buffer.concat(chunks, done);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof G8bootError) throw error;
        throw networkError(url, error);
      }
    },
    async close() {
      // destroy, not close: nothing is pending by then, and an idle keep-alive socket must not delay exit.
      await agent.destroy();
    },
  };
}
