/**
 * The boot service (`g8boot serve`, and the tray app's "Boot service"): the original design's web service.
 * Stage-2 iPXE scripts, hybrid images and the ESP per network id, kernels from the local cache.
 *
 *   GET /g8os.ipxe?netid=<id>[&args=…]   GET /ipxe/<id>[/<args>…]      stage 2 (text)
 *   GET /g8os.iso?netid=<id>[&args=…]    GET /iso/<id>[/<args>…]       hybrid image (stage 1 chains back here)
 *   GET /usb/<id>[/…]  (same bytes, .img)  GET /efi/<id>[/…]  (the ESP alone)
 *   GET /kernel/<name>  (Range)           GET /  GET /healthz  GET /api/status
 *
 * Read-only, loopback by default. Every boot request becomes an event (for the tray app and /api/status).
 * Images are planned per request from the toolchain loaded once: no build step, only the network-id-
 * dependent kilobytes are new; the rest of each response references the same buffers.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { parseBootUrl, TEST_VM_CONSOLE, type BootTarget } from '../../../common/boot-url.ts';
import { G8bootError, InvalidInputError } from '../../../common/errors.ts';
import { isLoopbackHost, parseBaseUrl, parseBootNetworkId, parseKernelArgs, type NetworkId } from '../../../common/validate.ts';
import { VERSION } from '../../version.ts';
import { bootLinks } from '../boot-links.ts';
import { serviceImageTargets, thisComputerUrl } from '../boot-targets.ts';
import { bootMediaSpec, GENERATOR, imageFileName, planBootMedia, stage1For } from '../boot-media.ts';
import { toolchainDigest, type BootFiles } from '../image.ts';
import { CONSOLE_SPEC, renderErrorScript, renderStage2, withRequestedConsole } from '../ipxe-script.ts';
import { layoutChunks, type Layout } from '../layout.ts';
import { BASE_HEADERS, attachment, notModified, requestedRange, sendText, turnTakingStream } from './http-util.ts';
import { INDEX_CSP, renderIndexPage } from './index-page.ts';
import { defaultKernel, resolveKernelFile } from './kernels.ts';
import { DEFAULT_LIMITS, defaultMaxConnections, guardConnections, type ConnectionLimits, type CutReason } from './connection-guard.ts';

export type BootRoute = 'script' | 'iso' | 'usb' | 'efi' | 'kernel';

/** One request from a booting machine ("a node is fetching its script"). */
export interface BootEvent {
  time: number;
  remote: string;
  route: BootRoute;
  /** null = no ZeroTier (id 0/null); undefined when the request had no valid id (or a kernel request). */
  networkId: NetworkId | null | undefined;
  path: string;
  userAgent: string;
  status: number;
}

export interface BootServiceOptions {
  host: string;
  port: number;
  /**
   * Base URL other machines use to reach this service (behind NAT or a proxy, a bare-metal provider): images
   * chain to it and the page offers the iPXE URL. Default: the address a request arrived on (see imageTargetsFor).
   */
  publicUrl?: string | undefined;
  kernelDir: string;
  /** A remote kernel URL for stage 2 instead of this service's /kernel/<default>. */
  kernelUrl?: string | undefined;
  /** Kernel arguments added for every node (before the request's own). */
  kernelArgs?: readonly string[] | undefined;
  toolchain: BootFiles;
  env?: NodeJS.ProcessEnv | undefined;
  /** Connection cap, deadlines and minimum download rate (defaults: DEFAULT_LIMITS, defaultMaxConnections()). */
  limits?: Partial<ConnectionLimits> | undefined;
}

export interface BootServiceStatus {
  version: string;
  startedAt: number;
  url: string;
  publicUrl: string | null;
  kernel: { url: string | null; name: string | null; dir: string };
  counters: Record<BootRoute | 'requests' | 'errors' | 'notModified', number>;
  /** Connections open now, the cap, and the ones cut so far by reason (deadline, slow reader, cap). */
  connections: { open: number; max: number; cut: Record<CutReason, number> };
  recentBoots: BootEvent[];
}

/**
 * /api/status as a client that is not this computer sees it: whether the service can boot a node, and nothing
 * about this computer (the kernel directory's path) or the other machines it served (their addresses and user
 * agents in recentBoots).
 */
export interface PublicBootServiceStatus {
  version: string;
  /** A kernel is there for stage 2 to boot. */
  ready: boolean;
  detail: string;
}

export interface BootService {
  /** Where it listens, as a URL (the bound address). */
  url: string;
  host: string;
  port: number;
  /** `boot`: a machine asked for a script, image or kernel. `failure`: a request failed inside the service. */
  events: EventEmitter<{ boot: [BootEvent]; failure: [unknown] }>;
  status(): Promise<BootServiceStatus>;
  /** Stop accepting, let running responses finish for up to `graceMs`, then cut them. */
  close(graceMs?: number): Promise<void>;
}

const MAX_URL = 4096;
const RECENT = 100;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startBootService(options: BootServiceOptions): Promise<BootService> {
  const publicUrl = options.publicUrl ? parseBootUrl(options.publicUrl, { what: 'public URL' }) : undefined;
  const kernelUrl = options.kernelUrl;
  const defaultArgs = [...(options.kernelArgs ?? [])];
  const env = options.env ?? process.env;
  const events = new EventEmitter<{ boot: [BootEvent]; failure: [unknown] }>();
  const startedAt = Date.now();
  const recent: BootEvent[] = [];
  const counters: BootServiceStatus['counters'] = { requests: 0, errors: 0, notModified: 0, script: 0, iso: 0, usb: 0, efi: 0, kernel: 0 };
  const toolchainTag = toolchainDigest(options.toolchain).toString('hex').slice(0, 16);
  const limits: ConnectionLimits = { maxConnections: defaultMaxConnections(), ...DEFAULT_LIMITS, ...options.limits };

  const record = (req: IncomingMessage, route: BootRoute, networkId: NetworkId | null | undefined, status: number) => {
    const event: BootEvent = {
      time: Date.now(),
      remote: req.socket.remoteAddress ?? '',
      route,
      networkId,
      path: (req.url ?? '').slice(0, 300),
      userAgent: String(req.headers['user-agent'] ?? '').slice(0, 200),
      status,
    };
    counters[route]++;
    recent.push(event);
    if (recent.length > RECENT) recent.shift();
    events.emit('boot', event);
  };

  /** Where the images served for this request chain to (serviceImageTargets: never the client's Host header). */
  const imageTargetsFor = (req: IncomingMessage): BootTarget[] =>
    serviceImageTargets({ publicUrl, arrivedOn: req.socket.localAddress ?? '', port: req.socket.localPort ?? options.port, listenHost: options.host });

  /** Where the page's download links point: --public-url, else the address the request arrived on (not its Host). */
  const downloadBaseFor = (req: IncomingMessage): string =>
    publicUrl ?? thisComputerUrl((req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, ''), req.socket.localPort ?? options.port);
  const isIpxe = (req: IncomingMessage) => /\biPXE\//i.test(String(req.headers['user-agent'] ?? ''));

  /** Bad input from a booting machine: iPXE gets a script that shows why and waits; others get text. */
  const badRequest = (req: IncomingMessage, res: ServerResponse, status: number, message: string, head: boolean) => {
    counters.errors++;
    if (isIpxe(req)) sendText(res, status, renderErrorScript(message, GENERATOR), {}, head);
    else sendText(res, status, `${message}\n`, {}, head);
  };

  /**
   * Stage 2's kernel: the remote --kernel-url, else this service's /kernel/<default> — under --public-url when
   * given, else as an absolute path that iPXE resolves against the URL it fetched stage 2 from (so it works
   * wherever the script was fetched from, without trusting the client's Host header).
   */
  const kernelTarget = async (): Promise<{ kernelUrl: string; initrdUrl?: string } | undefined> => {
    if (kernelUrl) return { kernelUrl };
    const kernel = await defaultKernel(options.kernelDir);
    if (!kernel) return undefined;
    const url = `${publicUrl ?? ''}/kernel/${encodeURIComponent(kernel.name)}`;
    return kernel.initrd ? { kernelUrl: url, initrdUrl: `${url}.initrd` } : { kernelUrl: url };
  };

  /** Network id and kernel args from either URL form. */
  const bootParams = (segments: string[], query: URLSearchParams) => {
    const rawId = segments[1] ?? query.get('netid');
    if (rawId === null || rawId === undefined || rawId === '') {
      throw new InvalidInputError('E_MISSING_NETWORK_ID', 'No network id in the request.', {
        hint: 'Use /g8os.ipxe?netid=<16 hex digits> or /ipxe/<id>.',
      });
    }
    const networkId = parseBootNetworkId(rawId);
    // Only the parts given: a separator between a given and an absent part would count against the length limit.
    const args = parseKernelArgs([...segments.slice(2), query.get('args') ?? ''].filter((part) => part !== '').join(' '));
    const console = query.get('console') ?? undefined;
    if (console !== undefined && !CONSOLE_SPEC.test(console)) {
      throw new InvalidInputError('E_INVALID_CONSOLE', `Invalid console ${JSON.stringify(console.slice(0, 40))}.`, {
        hint: `Use a serial device and its settings, e.g. console=${TEST_VM_CONSOLE}.`,
      });
    }
    return { networkId, args, console };
  };

  const serveScript = async (req: IncomingMessage, res: ServerResponse, segments: string[], query: URLSearchParams, head: boolean) => {
    let networkId: NetworkId | null | undefined;
    try {
      const params = bootParams(segments, query);
      networkId = params.networkId;
      const target = await kernelTarget();
      if (!target) {
        record(req, 'script', networkId, 503);
        badRequest(req, res, 503, 'This boot service has no G8OS kernel yet. Add one with: g8boot kernel add <file|url>', head);
        return;
      }
      const script = renderStage2({
        networkId,
        kernelUrl: target.kernelUrl,
        initrdUrl: target.initrdUrl,
        kernelArgs: withRequestedConsole([...defaultArgs, ...params.args], params.console),
        generator: GENERATOR,
      });
      record(req, 'script', networkId, 200);
      sendText(res, 200, script, {}, head);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      record(req, 'script', networkId, 400);
      badRequest(req, res, 400, error.message, head);
    }
  };

  const serveImage = async (
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'iso' | 'usb' | 'efi',
    segments: string[],
    query: URLSearchParams,
    head: boolean,
  ) => {
    let networkId: NetworkId | null | undefined;
    try {
      const params = bootParams(segments, query);
      networkId = params.networkId;
      const spec = bootMediaSpec({ networkId, bootUrls: imageTargetsFor(req).map((t) => t.url), kernelArgs: params.args });
      const image = planBootMedia(options.toolchain, spec, env);
      const layout = kind === 'efi' ? image.esp : image.layout;
      // The image is a pure function of the stage-1 script, the toolchain and the timestamp: tag those.
      const etag = `"g8-${createHash('sha256').update(`${kind}\n${stage1For(spec)}\n${toolchainTag}\n${env.SOURCE_DATE_EPOCH ?? ''}`).digest('hex').slice(0, 32)}"`;
      const name = imageFileName(networkId, kind);
      record(req, kind, networkId, 200);
      sendLayout(req, res, layout, etag, name, head);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      record(req, kind, networkId, 400);
      badRequest(req, res, 400, error.message, head);
    }
  };

  /**
   * A body of known size, with conditional requests (ETag) and a single byte range. `body(start, end)` gives
   * the bytes [start, end) as a stream; nothing is read for HEAD, 304 or 416.
   */
  const sendBytes = (
    req: IncomingMessage,
    res: ServerResponse,
    size: number,
    etag: string,
    headers: Record<string, string>,
    head: boolean,
    body: (start: number, end: number) => NodeJS.ReadableStream,
  ) => {
    if (notModified(req, etag)) {
      counters.notModified++;
      res.writeHead(304, { etag, ...BASE_HEADERS });
      res.end();
      return;
    }
    const common = { ...BASE_HEADERS, ...headers, etag, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' };
    const range = requestedRange(req, size, { etag, lastModified: headers['last-modified'] });
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'content-range': `bytes */${size}`, 'content-length': '0' });
      res.end();
      return;
    }
    const start = range ? range.start : 0;
    const end = range ? range.end + 1 : size;
    res.writeHead(range ? 206 : 200, {
      ...common,
      'content-length': String(end - start),
      ...(range ? { 'content-range': `bytes ${start}-${end - 1}/${size}` } : {}),
    });
    if (head || end === start) {
      res.end();
      return;
    }
    pipeline(body(start, end), res).catch(() => {
      // The client went away mid-download: nothing to clean up (layouts are shared and immutable, files read-only).
    });
  };

  const sendLayout = (req: IncomingMessage, res: ServerResponse, layout: Layout, etag: string, filename: string, head: boolean) => {
    const headers = {
      'content-disposition': attachment(filename),
      'content-type': filename.endsWith('.iso') ? 'application/x-iso9660-image' : 'application/octet-stream',
    };
    sendBytes(req, res, layout.size, etag, headers, head, (start, end) => turnTakingStream(layoutChunks(layout, start, end)));
  };

  const serveKernel = async (req: IncomingMessage, res: ServerResponse, segments: string[], head: boolean) => {
    const name = segments[1];
    const file = segments.length === 2 && name ? await resolveKernelFile(options.kernelDir, name) : undefined;
    if (!file) {
      record(req, 'kernel', undefined, 404);
      sendText(res, 404, 'No such kernel.\n', {}, head);
      return;
    }
    const info = await stat(file);
    record(req, 'kernel', undefined, 200);
    const etag = `"k-${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers = { 'last-modified': info.mtime.toUTCString(), 'content-type': 'application/octet-stream' };
    sendBytes(req, res, info.size, etag, headers, head, (start, end) => createReadStream(file, { start, end: end - 1 }));
  };

  const status = async (): Promise<BootServiceStatus> => {
    const kernel = kernelUrl ? null : await defaultKernel(options.kernelDir);
    return {
      version: VERSION,
      startedAt,
      url: service.url,
      publicUrl: publicUrl ?? null,
      kernel: { url: kernelUrl ?? null, name: kernel?.name ?? null, dir: options.kernelDir },
      counters: { ...counters },
      connections: { ...guard.stats(), max: limits.maxConnections },
      recentBoots: [...recent].reverse(),
    };
  };

  /** Full status for this computer's own clients (the tray app, a browser here); less for everyone else. */
  const statusFor = async (req: IncomingMessage): Promise<BootServiceStatus | PublicBootServiceStatus> => {
    if (isLoopbackHost((req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''))) return status();
    const ready = kernelUrl !== undefined || (await defaultKernel(options.kernelDir)) !== undefined;
    return { version: VERSION, ready, detail: 'The full status (kernel, counters, recent requests) is shown on this computer only.' };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    counters.requests++;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { ...BASE_HEADERS, allow: 'GET, HEAD', 'content-length': '0', connection: 'close' });
      res.end();
      return;
    }
    const head = method === 'HEAD';
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL) throw new HttpError(414, 'URL too long.');
    let url: URL;
    let segments: string[];
    try {
      url = new URL(rawUrl, 'http://boot.invalid');
      segments = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      throw new HttpError(400, 'Malformed URL.');
    }
    if (segments.some((s) => s === '..' || s === '.' || s.includes('/') || s.includes('\\') || s.includes('\0'))) {
      throw new HttpError(400, 'Malformed path.');
    }
    const [first, ...rest] = segments;
    const query = url.searchParams;
    switch (first) {
      case undefined:
        return serveIndex(req, res, query, head);
      case 'healthz':
        return sendText(res, 200, 'ok\n', {}, head);
      case 'api':
        if (rest[0] === 'status' && rest.length === 1) {
          const body = JSON.stringify(await statusFor(req), null, 2);
          res.writeHead(200, { ...BASE_HEADERS, 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)) });
          res.end(head ? undefined : body);
          return;
        }
        break;
      case 'g8os.ipxe':
        if (rest.length === 0) return serveScript(req, res, [first], query, head);
        break;
      case 'ipxe':
        return serveScript(req, res, segments, new URLSearchParams(), head);
      case 'g8os.iso':
        if (rest.length === 0) return serveImage(req, res, 'iso', [first], query, head);
        break;
      case 'iso':
      case 'usb':
      case 'efi':
        return serveImage(req, res, first, segments, new URLSearchParams(), head);
      case 'kernel':
        return serveKernel(req, res, segments, head);
    }
    sendText(res, 404, 'Not found. See / for what this service offers.\n', {}, head);
  };

  const serveIndex = async (req: IncomingMessage, res: ServerResponse, query: URLSearchParams, head: boolean) => {
    let networkId: NetworkId | null | undefined;
    let error: string | undefined;
    const raw = query.get('netid');
    if (raw !== null) {
      try {
        networkId = parseBootNetworkId(raw);
      } catch (e) {
        error = (e as Error).message;
      }
    }
    const kernel = kernelUrl ?? (await defaultKernel(options.kernelDir))?.name ?? null;
    const links =
      networkId === undefined
        ? undefined
        : bootLinks({ networkId, downloadBase: downloadBaseFor(req), imageTargets: imageTargetsFor(req), publicUrl: publicUrl ?? null, port: req.socket.localPort ?? options.port });
    const html = renderIndexPage({ version: VERSION, networkId, error, kernel, links });
    const body = Buffer.from(html, 'utf8');
    res.writeHead(error ? 400 : 200, {
      ...BASE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': INDEX_CSP,
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
      'content-length': String(body.length),
    });
    res.end(head ? undefined : body);
  };

  const server: Server = createServer(
    {
      // Boot clients send tiny requests; anything larger is a mistake or an attack.
      maxHeaderSize: 16 * 1024,
      // A GET has no body: the whole request is its headers, which a booting machine sends in milliseconds.
      headersTimeout: limits.headerDeadlineMs,
      requestTimeout: limits.headerDeadlineMs,
      keepAliveTimeout: 5_000,
      // Node checks the two timeouts above only this often (default 30 s: slow senders lived ~37 s).
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        counters.errors++;
        const status = error instanceof HttpError ? error.status : 500;
        const message = error instanceof HttpError ? error.message : 'Internal error.';
        if (!res.headersSent) sendText(res, status, `${message}\n`, status >= 500 ? {} : { connection: 'close' });
        else res.destroy();
        if (!(error instanceof HttpError)) events.emit('failure', error);
      });
    },
  );
  const guard = guardConnections(server, limits);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A client that hung up (mid-headers, mid-download) is neither an error of the service nor one to answer:
    // counted, 500 clients closing their connections showed as "errors: 500" on the status page.
    if (!socket.writable || error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'HPE_INVALID_EOF_STATE') return socket.destroy();
    counters.errors++;
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new G8bootError('E_LISTEN', `Cannot listen on ${options.host}:${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}.`, {
          hint: error.code === 'EADDRINUSE' ? 'Choose another port with --listen, or stop the other service.' : 'Check the address with --listen.',
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    // A deep accept queue: under a flood of new connections a full one drops SYNs, and the client's retransmits
    // (1, 3, 7, 15 s) are what a booting machine would then wait. The kernel caps it (net.core.somaxconn).
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const service: BootService = {
    url: `http://${hostForUrl}:${address.port}`,
    host: address.address,
    port: address.port,
    events,
    status,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        guard.stop();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), graceMs).unref();
      }),
  };
  return service;
}
