/**
 * HTTP through the proxy the environment names, as curl and npm do: `HTTPS_PROXY` / `HTTP_PROXY` (or their
 * lower-case forms) for requests that leave this machine, except hosts listed in `NO_PROXY` (comma-separated
 * names, `.domain` suffixes, `*`, optional `:port`; undici's EnvHttpProxyAgent reads them the usual way).
 * Loopback targets (this machine's ZeroTier service, a simulator, a local mirror) always go direct: a corporate
 * proxy cannot reach them, and they must never be sent to one.
 *
 * Used for ZeroTier Central (and self-hosted controllers), kernel downloads and the Debian mirror.
 */
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { isLoopbackHost } from '../common/validate.ts';

export interface ProxyAwareDispatcher {
  dispatcher: Dispatcher;
  /** The proxy requests to other machines go through (for https: URLs; http: may use HTTP_PROXY); null: none. */
  proxy: string | null;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/** The proxy settings in an environment, lower-case names first (as curl reads them). */
export function proxyEnvironment(env: NodeJS.ProcessEnv = process.env): { httpProxy?: string; httpsProxy?: string; noProxy?: string } {
  const pick = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
  const httpProxy = pick('http_proxy');
  const httpsProxy = pick('https_proxy') ?? httpProxy;
  const noProxy = pick('no_proxy');
  return { ...(httpProxy ? { httpProxy } : {}), ...(httpsProxy ? { httpsProxy } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** An undici dispatcher with `options` (timeouts, pooling) that honours the environment's proxy settings. */
export function proxyAwareDispatcher(options: Agent.Options = {}, env: NodeJS.ProcessEnv = process.env): ProxyAwareDispatcher {
  const direct = new Agent(options);
  const settings = proxyEnvironment(env);
  if (!settings.httpProxy && !settings.httpsProxy) {
    return { dispatcher: direct, proxy: null, close: () => direct.close(), destroy: () => direct.destroy() };
  }
  // Empty strings for what is unset: EnvHttpProxyAgent would otherwise read process.env itself.
  const viaEnvironment = new EnvHttpProxyAgent({ ...options, httpProxy: settings.httpProxy ?? '', httpsProxy: settings.httpsProxy ?? '', noProxy: settings.noProxy ?? '' });
  const dispatcher = viaEnvironment.compose((dispatch) => (opts, handler) => {
    const host = new URL(String(opts.origin)).hostname;
    return isLoopbackHost(host) ? direct.dispatch(opts, handler) : dispatch(opts, handler);
  });
  return {
    dispatcher,
    proxy: settings.httpsProxy ?? settings.httpProxy ?? null,
    close: async () => {
      await Promise.all([viaEnvironment.close(), direct.close()]);
    },
    destroy: async () => {
      await Promise.all([viaEnvironment.destroy(), direct.destroy()]);
    },
  };
}

/**
 * When `error` is the proxy's doing rather than the server's, what to tell the person: the proxy refused the
 * tunnel (`Proxy response (407) !== 200 when HTTP Tunneling`, undici's words) or could not be reached at all
 * (a connection error aimed at the proxy's own address). Without this, a person behind a proxy that is down or
 * wants credentials read "Cannot reach ZeroTier Central (UND_ERR_ABORTED / ECONNREFUSED): check the internet
 * connection", with no word of the proxy. Null when the error has nothing to do with `proxy`.
 */
export function proxyFailure(error: unknown, proxy: string | null): { detail: string; hint: string } | null {
  if (!proxy) return null;
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    return null;
  }
  // Never print the proxy's credentials.
  const shown = `${url.protocol}//${url.host}`;
  const e = error as { message?: unknown; code?: unknown; address?: unknown; port?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  const status = /^Proxy response \((\d+)\)/.exec(message)?.[1];
  if (status !== undefined) {
    const hint =
      status === '407'
        ? 'The proxy wants credentials: put them in the proxy URL (http://user:password@host:port), or list this host in NO_PROXY.'
        : 'The proxy refused to connect to it: check the proxy, or list this host in NO_PROXY to go direct.';
    return { detail: `the proxy ${shown} answered ${status}`, hint };
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (typeof e?.code === 'string' && e.address === host && String(e.port) === port) {
    return { detail: `the proxy ${shown} cannot be reached (${e.code})`, hint: 'Check HTTPS_PROXY / HTTP_PROXY (is the proxy running?), or list this host in NO_PROXY to go direct.' };
  }
  return null;
}
