/**
 * Just enough of Redis' protocol (RESP2) to read the answer to PING (and AUTH) from a peer that may be hostile:
 * simple strings, errors, integers and bulk strings, each bounded. A reader, not a client: the probe owns the
 * socket and its deadlines. Arrays and RESP3 types never answer PING or AUTH, so they count as "not Redis".
 */

export type RespReply =
  | { kind: 'simple'; value: string }
  | { kind: 'error'; value: string }
  | { kind: 'integer'; value: number }
  | { kind: 'bulk'; value: string | null };

export type RespParse =
  /** A whole reply, and where the next one starts. */
  | { reply: RespReply; end: number }
  /** More bytes are needed (the caller caps how many it waits for). */
  | { incomplete: true }
  /** These bytes are not a RESP reply. */
  | { invalid: string };

const CR = 0x0d;
const LF = 0x0a;

/** Show a few bytes of what a peer sent, printable ASCII only, for a probe's detail. */
export function preview(bytes: Uint8Array, max = 24): string {
  const shown = Buffer.from(bytes.subarray(0, max)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return JSON.stringify(bytes.length > max ? `${shown}…` : shown);
}

/** Parse one reply from `buffer` at `start`. A bulk string longer than `maxBulkBytes` is refused outright. */
export function parseReply(buffer: Buffer, start: number, maxBulkBytes: number): RespParse {
  if (start >= buffer.length) return { incomplete: true };
  const lineEnd = buffer.indexOf(LF, start);
  if (lineEnd === -1) return { incomplete: true };
  if (lineEnd === start || buffer[lineEnd - 1] !== CR) return { invalid: `a line not ended by CRLF: ${preview(buffer.subarray(start))}` };
  const type = buffer[start];
  const line = buffer.toString('latin1', start + 1, lineEnd - 1);
  const end = lineEnd + 1;
  switch (type) {
    case 0x2b: // '+'
      return { reply: { kind: 'simple', value: line }, end };
    case 0x2d: // '-'
      return { reply: { kind: 'error', value: line }, end };
    case 0x3a: // ':'
      return /^-?\d{1,18}$/.test(line) ? { reply: { kind: 'integer', value: Number(line) }, end } : { invalid: `an integer reply ${preview(Buffer.from(line))}` };
    case 0x24: {
      // '$'
      if (!/^(-1|\d{1,12})$/.test(line)) return { invalid: `a bulk length ${preview(Buffer.from(line))}` };
      const length = Number(line);
      if (length === -1) return { reply: { kind: 'bulk', value: null }, end };
      if (length > maxBulkBytes) return { invalid: `a bulk reply of ${length} bytes (more than ${maxBulkBytes})` };
      if (buffer.length < end + length + 2) return { incomplete: true };
      if (buffer[end + length] !== CR || buffer[end + length + 1] !== LF) return { invalid: 'a bulk reply longer than its declared length' };
      return { reply: { kind: 'bulk', value: buffer.toString('utf8', end, end + length) }, end: end + length + 2 };
    }
    default:
      return { invalid: preview(buffer.subarray(start)) };
  }
}

/** A command as RESP: an array of bulk strings. */
export function encodeCommand(...args: string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}
