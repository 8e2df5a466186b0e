/**
 * Runs the production build of the renderer in real Chromium (Debian's `chromium` through playwright-core), with
 * the preload replaced by a bridge to a backend living in the test process: every `window.g8boot.<method>()`
 * goes through one `page.exposeBinding` to `backend.api[method]`, and every event the backend emits is pushed
 * into the page's listeners with `page.evaluate`. The backend is anything shaped like main's app service (the
 * real `createAppService`, or a fake).
 *
 * The build is served from a small static HTTP server on 127.0.0.1 (not file://), under the CSP of index.html.
 */
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { callForIpc } from '../../main/app/ipc/handlers.ts';
import { serializeError } from '../../main/common/errors.ts';
import { G8BOOT_EVENTS, G8BOOT_METHODS, type G8bootApi, type G8bootEvent, type G8bootEvents, type G8bootMethod, type IpcResult } from '../../main/common/ipc.ts';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

/** What the harness needs from main's side: the calls, and a way to hear its events. */
export interface Backend {
  api: G8bootApi;
  on<E extends G8bootEvent>(event: E, listener: (payload: G8bootEvents[E]) => void): () => void;
  /** How one call is made; default: straight to `api`. The real service passes main's IPC handler (`callForIpc`). */
  call?: (method: G8bootMethod, args: unknown[]) => Promise<IpcResult<unknown>>;
}

/**
 * The real app service as the renderer meets it in the app: its events, and every call through main's own IPC
 * handler (`callForIpc`: validation, error serialization), not straight to the service.
 */
export function viaMainIpc(service: Pick<Backend, 'api' | 'on'>): Backend {
  return { api: service.api, on: service.on, call: (method, args) => callForIpc(service.api, method, args) };
}

async function callApi(api: G8bootApi, method: G8bootMethod, args: unknown[]): Promise<IpcResult<unknown>> {
  try {
    const fn = api[method] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await fn.apply(api, args) };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

/** Build the renderer as for production (same Vite config), into a temp directory of its own. */
export async function buildRenderer(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'g8boot-renderer-'));
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, which would give React's development build: production is what ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir: dir, emptyOutDir: true, sourcemap: false } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A static file server for the build on 127.0.0.1 (any free port). */
export async function serveDirectory(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  // playwright's launch() gives every browser a fresh temporary profile (its own --user-data-dir).
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 20_000,
  });
}

/** What every Chromium test starts from: the production renderer, built, served on loopback, and a Chromium. */
export interface RendererInChromium {
  browser: Browser;
  /** Where the build is served. */
  url: string;
  /** Closes Chromium, stops serving and removes the build. */
  close(): Promise<void>;
}

export async function startRendererInChromium(): Promise<RendererInChromium> {
  const build = await buildRenderer();
  let site: Awaited<ReturnType<typeof serveDirectory>> | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await site?.close();
    await build.remove();
  };
  try {
    site = await serveDirectory(build.dir);
    browser = await launchChromium();
    return { browser, url: site.url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Runs in the page before its scripts: `window.g8boot` in the preload's shape. Failures reject with the plain
 * serialized error (name, code, message, hint), exactly what the preload's rejection carries through Electron's
 * context bridge.
 */
function defineBridge({ methods, events }: { methods: string[]; events: string[] }): void {
  type Call = (method: string, args: unknown[]) => Promise<{ ok: true; value: unknown } | { ok: false; error: { name: string; code: string; message: string; hint?: string } }>;
  // globalThis is the page's window (the Node-side typings of this file know no DOM).
  const w = globalThis as unknown as Record<string, unknown>;
  const listeners = new Map<string, Set<(payload: unknown) => void>>(events.map((e) => [e, new Set()]));
  const bridge: Record<string, unknown> = {
    on(event: string, listener: (payload: unknown) => void) {
      const set = listeners.get(event);
      if (!set) throw new Error(`unknown event ${event}`);
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  for (const method of methods) {
    bridge[method] = async (...args: unknown[]) => {
      const result = await (w.__g8bootCall as Call)(method, args);
      if (result.ok) return result.value;
      throw result.error;
    };
  }
  w.g8boot = Object.freeze(bridge);
  w.__g8bootEmit = (event: string, payload: unknown) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  // How many listeners each event has: lets tests check subscriptions end.
  w.__g8bootListenerCount = (event: string) => listeners.get(event)?.size ?? 0;
}

/** Run an expression in the page (a string: this file is typed for Node, without the DOM). */
export function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** An attribute of the focused element, or null. */
export function focusedAttribute(page: Page, name: string): Promise<string | null> {
  return inPage(page, `document.activeElement?.getAttribute(${JSON.stringify(name)}) ?? null`);
}

export interface AppPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors in the page (CSP violations show up here). */
  problems: string[];
  /** Every call the page made, in order (method names). */
  calls: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface OpenOptions {
  url: string;
  backend: Backend;
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}

/** A new browser context with the bridge, showing the app. */
export async function openApp(browser: Browser, options: OpenOptions): Promise<AppPage> {
  const { backend } = options;
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, colorScheme: options.colorScheme ?? 'light' });
  // Every wait is bounded well inside a test's 30 s.
  context.setDefaultTimeout(5000);
  const page = await context.newPage();
  const problems: string[] = [];
  const calls: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });

  const methods = new Set<string>(G8BOOT_METHODS);
  const call = backend.call ?? ((method: G8bootMethod, args: unknown[]) => callApi(backend.api, method, args));
  await page.exposeBinding('__g8bootCall', async (_source, method: string, args: unknown[]): Promise<IpcResult<unknown>> => {
    calls.push(method);
    if (!methods.has(method)) return { ok: false, error: { name: 'Error', code: 'E_UNKNOWN_METHOD', message: `unknown method ${method}` } };
    return call(method as G8bootMethod, args);
  });
  await page.addInitScript(defineBridge, { methods: [...G8BOOT_METHODS], events: [...G8BOOT_EVENTS] });

  const unsubscribe = G8BOOT_EVENTS.map((event) =>
    backend.on(event, (payload) => {
      // Pushed in order, as JSON (parsed natively in the page, as Electron's structured clone would be; playwright's
      // own argument encoding is far slower for 1,000 records). A push that races the close is lost, as in the app.
      const json = JSON.stringify(payload);
      page
        .evaluate(([e, p]) => (globalThis as unknown as { __g8bootEmit: (e: string, p: unknown) => void }).__g8bootEmit(e, JSON.parse(p)), [event, json] as const)
        .catch(() => {});
    }),
  );
  await page.goto(options.url);

  return {
    page,
    context,
    problems,
    calls,
    async screenshot(name: string) {
      await mkdir(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: false });
      return path;
    },
    async close() {
      unsubscribe.forEach((off) => off());
      await context.close();
    },
  };
}
