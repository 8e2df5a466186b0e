/**
 * The app's own pages come from `app://g8boot/…`, served from the built renderer (dist/renderer) and nothing
 * else, with a strict Content-Security-Policy on every answer: no inline code, no eval, no network (all data
 * comes through window.g8boot). Plain Node: the shell registers it with Electron's `protocol.handle`.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { APP_ORIGIN } from '../ipc/sender.ts';

/** The same policy as renderer/index.html's meta tag. */
export const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'";

export const APP_START_URL = `${APP_ORIGIN}/index.html`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const SECURITY_HEADERS = {
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
};

/** Whether a URL is one of the app's own pages (navigation inside the window is limited to these). */
export function isAppUrl(input: string): boolean {
  try {
    const url = new URL(input);
    return url.protocol === 'app:' && url.host === 'g8boot';
  } catch {
    return false;
  }
}

/** The file an app:// URL names inside `root`, or null (another host, a path leaving root, an unknown type). */
export function resolveAppFile(root: string, input: string): string | null {
  if (!isAppUrl(input)) return null;
  const { pathname } = new URL(input);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  if (relative === '/' || relative === '') relative = '/index.html';
  const file = normalize(join(root, relative));
  if (!file.startsWith(normalize(root) + sep)) return null;
  return TYPES[extname(file).toLowerCase()] ? file : null;
}

/** The protocol handler's answer for a request (a Fetch API Response, as Electron's protocol.handle expects). */
export async function serveAppRequest(root: string, url: string): Promise<Response> {
  const file = resolveAppFile(root, url);
  if (!file) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
  try {
    const body = await readFile(file);
    return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': TYPES[extname(file).toLowerCase()]! } });
  } catch {
    return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
  }
}
