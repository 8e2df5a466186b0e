/**
 * Reading what ZeroTier's APIs send. Lenient by design: the published schemas and the real services disagree
 * in places (Central's `lastSeen` and `physicalAddress` "may be reset to 0"; zerotier-one 1.14.1 sends
 * `"dns": []` and `"authTokens": [null]`, which its schema does not describe), so a field of an unexpected type
 * reads as missing instead of failing the whole answer. Only a wrong overall shape (no object, no array) is
 * an error.
 */
// valibot rather than zod: the CLI and the app load this on start-up, and valibot loads in about a millisecond.
import * as v from 'valibot';
import type { NetworkId, NodeId } from '../../common/validate.ts';
import { ZeroTierApiError } from './http.ts';

/**
 * `schema`, or null when the field is missing, null or does not match. The null default matters: valibot runs
 * a field's pipe (e.g. `strings`' transform to []) for a missing key only when the field has a default.
 */
export function lenient<T extends v.GenericSchema>(schema: T) {
  return v.fallback(v.nullish(schema, null), null);
}

/** A string, or null when missing, null or of another type. */
export const text = lenient(v.string());
/** A finite number, or null. */
export const num = lenient(v.number());
/** A boolean, or null. */
export const flag = lenient(v.boolean());
/** The strings of an array (other entries dropped); [] when missing. */
export const strings = v.pipe(
  lenient(v.array(v.unknown())),
  v.transform((items) => (items ?? []).filter((item): item is string => typeof item === 'string')),
);
/** IP ranges as both APIs write them (`ipRangeStart`/`ipRangeEnd`); incomplete ones dropped. */
const ipRange = v.object({ ipRangeStart: text, ipRangeEnd: text });
export const ipRanges = v.pipe(
  lenient(v.array(v.unknown())),
  v.transform((items) =>
    (items ?? []).flatMap((item) => {
      const range = v.safeParse(ipRange, item);
      return range.success && range.output.ipRangeStart && range.output.ipRangeEnd
        ? [{ start: range.output.ipRangeStart, end: range.output.ipRangeEnd }]
        : [];
    }),
  ),
);
/** Managed routes; ones without a target dropped. */
const route = v.object({ target: text, via: text });
export const routes = v.pipe(
  lenient(v.array(v.unknown())),
  v.transform((items) =>
    (items ?? []).flatMap((item) => {
      const parsed = v.safeParse(route, item);
      return parsed.success && parsed.output.target ? [{ target: parsed.output.target, via: parsed.output.via ?? null }] : [];
    }),
  ),
);
export const v6AssignMode = v.pipe(
  lenient(v.object({ zt: flag, rfc4193: flag, '6plane': flag })),
  v.transform((mode) => ({ zt: mode?.zt === true, rfc4193: mode?.rfc4193 === true, sixPlane: mode?.['6plane'] === true })),
);
export const v4AssignMode = v.pipe(
  lenient(v.object({ zt: flag })),
  v.transform((mode) => ({ zt: mode?.zt === true })),
);

/** Parse an answer's overall shape; a mismatch is E_ZT_BAD_RESPONSE naming the call and the field, never quoting the body. */
export function parseAnswer<T extends v.GenericSchema>(schema: T, body: unknown, service: string, what: string): v.InferOutput<T> {
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  throw badAnswer(service, what, expectedWhere(result.issues[0], null));
}

/**
 * What was expected and where (`item` prefixes the index of a list's item), never valibot's message: it quotes
 * the received value, and a misbehaving server may echo the request's token back.
 */
function expectedWhere(issue: v.GenericIssue, item: number | null): string {
  const where = [item === null ? '' : String(item), v.getDotPath(issue) ?? ''].filter(Boolean).join('.');
  return `expected ${(issue.expected ?? issue.type).toLowerCase()}${where ? ` at ${where}` : ''}`;
}

/**
 * An answer that is a list, converted item by item: each item is checked and converted, then let go, so a large
 * list (a 7.7 MiB member list is ~200,000 small members) never exists as the parsed JSON, a checked copy and the
 * converted result at once. Errors as parseAnswer's, with the item's index.
 */
export function convertEach<T extends v.GenericSchema, R>(
  schema: T,
  body: unknown,
  service: string,
  what: string,
  convert: (item: v.InferOutput<T>) => R,
): R[] {
  if (!Array.isArray(body)) throw badAnswer(service, what, 'expected array');
  const items: unknown[] = body;
  const out: R[] = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) {
    const result = v.safeParse(schema, items[i]);
    if (!result.success) throw badAnswer(service, what, expectedWhere(result.issues[0], i));
    out[i] = convert(result.output);
    items[i] = undefined;
  }
  return out;
}

/**
 * Longest name or description (what Central's own UI accepts): longer ones from an API are cut, marked "…";
 * longer ones a person asks to set are refused (member-update.ts).
 */
export const MAX_LABEL_LENGTH = 255;

/** A member's or network's name/description as stored and shown: at most MAX_LABEL_LENGTH characters. */
export function label(value: string | null | undefined): string {
  if (typeof value !== 'string') return '';
  return value.length > MAX_LABEL_LENGTH ? `${value.slice(0, MAX_LABEL_LENGTH - 1)}…` : value;
}

/** E_ZT_BAD_RESPONSE: the service answered, but not in a shape g8boot can use. */
export function badAnswer(service: string, what: string, detail: string): ZeroTierApiError {
  return new ZeroTierApiError('E_ZT_BAD_RESPONSE', `${service} sent an unexpected answer for ${what} (${detail}).`, {
    hint: 'g8boot may not support this version of the API; please report it together with the service version.',
  });
}

/** A positive time in ms, or null (0 means "never" or "reset" in both APIs). */
export function timeOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && value > 0 ? value : null;
}

/** A network id as a server wrote it, or null when it is not 16 hex digits. */
export function wireNetworkId(value: string | null | undefined): NetworkId | null {
  return typeof value === 'string' && /^[0-9a-f]{16}$/i.test(value) ? (value.toLowerCase() as NetworkId) : null;
}

/** A node id as a server wrote it, or null when it is not 10 hex digits. */
export function wireNodeId(value: string | null | undefined): NodeId | null {
  return typeof value === 'string' && /^[0-9a-f]{10}$/i.test(value) ? (value.toLowerCase() as NodeId) : null;
}
