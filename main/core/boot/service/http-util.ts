/** Small HTTP pieces shared by the boot service's routes: ranges, conditional requests, safe headers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import parseRange from 'range-parser';

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * The single byte range a client asked for (inclusive end), null for the whole body, or 'unsatisfiable'.
 * Several ranges are answered with the whole body (RFC 9110 §14.2 allows ignoring Range), which keeps us out
 * of multipart responses no boot client uses.
 */
export function requestedRange(req: IncomingMessage, size: number): ByteRange {
  const header = req.headers.range;
  if (!header) return null;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return null;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}

/** If-None-Match against our strong ETag. */
export function notModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

export const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, head = false): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    ...BASE_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(bytes.length),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(head ? undefined : bytes);
}

/** Content-Disposition with a file name we generated (safe characters only). */
export function attachment(filename: string): string {
  return `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`;
}
