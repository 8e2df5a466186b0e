/** Small HTTP pieces shared by the boot service's routes: ranges, conditional requests, safe headers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import parseRange from 'range-parser';

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/** What identifies the representation, for If-Range. */
export interface Validators {
  etag: string;
  lastModified?: string | undefined;
}

/**
 * If-Range (RFC 9110 §13.1.5): a Range applies only while the representation is the one the client has part
 * of, named by its strong ETag or its exact Last-Modified date; otherwise the whole new representation is sent.
 * Without this, a kernel download resumed after the kernel changed would splice two files.
 */
function rangeStillApplies(req: IncomingMessage, validators: Validators): boolean {
  const condition = req.headers['if-range'];
  if (condition === undefined) return true;
  const value = String(condition).trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === validators.etag; // weak tags never match
  if (validators.lastModified === undefined) return false;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Date.parse(validators.lastModified);
}

/**
 * The single byte range a client asked for (inclusive end), null for the whole body, or 'unsatisfiable'.
 * Several ranges are answered with the whole body (RFC 9110 §14.2 allows ignoring Range), which keeps us out
 * of multipart responses no boot client uses. A suffix range longer than the body means the whole body
 * (RFC 9110 §14.1.2), which range-parser reports as unsatisfiable.
 */
export function requestedRange(req: IncomingMessage, size: number, validators?: Validators): ByteRange {
  const header = req.headers.range;
  if (!header) return null;
  if (validators && !rangeStillApplies(req, validators)) return null;
  const suffix = /^bytes=\s*-\s*(\d+)\s*$/i.exec(header);
  if (suffix) {
    const length = Number(suffix[1]);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
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

/** Bytes one response may hand to its socket before letting the event loop serve other connections. */
export const BYTES_PER_TURN = 64 * 1024;

/**
 * A body from memory (an image's layout) that takes turns with every other connection. On loopback and fast
 * LANs a socket write completes at once, so a stream of in-memory chunks would pour a whole 2 MiB image into
 * the kernel in one go, each of 200 downloads in turn: one turn of the event loop then took seconds, and new
 * connections (a machine asking for its boot script) waited up to 10 s. Here each response writes at most
 * BYTES_PER_TURN, then yields (setImmediate) until the loop has polled for other connections' events.
 */
export function turnTakingStream(chunks: Iterable<Uint8Array>): Readable {
  const source = chunks[Symbol.iterator]();
  let pending: Uint8Array | undefined;
  // Bytes left in this turn of the event loop (reset only after yielding: read() is called again and again within
  // one turn while the socket accepts everything).
  let budget = BYTES_PER_TURN;
  let yielding = false;
  return new Readable({
    highWaterMark: BYTES_PER_TURN,
    read() {
      if (yielding) return;
      for (;;) {
        if (budget <= 0) {
          yielding = true;
          setImmediate(() => {
            yielding = false;
            budget = BYTES_PER_TURN;
            this._read(BYTES_PER_TURN);
          });
          return;
        }
        if (pending === undefined) {
          const next = source.next();
          if (next.done) {
            this.push(null);
            return;
          }
          pending = next.value;
        }
        const piece = pending.length > budget ? pending.subarray(0, budget) : pending;
        pending = piece === pending ? undefined : pending.subarray(piece.length);
        budget -= piece.length;
        if (!this.push(piece)) return;
      }
    },
  });
}
