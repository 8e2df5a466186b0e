/**
 * Reading what ZeroTier's APIs send. Lenient by design: the published schemas and the real services disagree
 * in places (Central's `lastSeen` and `physicalAddress` "may be reset to 0"; zerotier-one 1.14.1 sends
 * `"dns": []` and `"authTokens": [null]`, which its schema does not describe), so a field of an unexpected type
 * reads as missing instead of failing the whole answer. Only a wrong overall shape (no object, no array) is
 * an error.
 */
import { z } from 'zod';
import type { NetworkId, NodeId } from '../../common/validate.ts';
import { ZeroTierApiError } from './http.ts';

/** A string, or null when missing, null or of another type. */
export const text = z.string().nullish().catch(null);
/** A finite number, or null. */
export const num = z.number().nullish().catch(null);
/** A boolean, or null. */
export const flag = z.boolean().nullish().catch(null);
/** The strings of an array (other entries dropped); [] when missing. */
export const strings = z
  .array(z.unknown())
  .nullish()
  .catch(null)
  .transform((items) => (items ?? []).filter((item): item is string => typeof item === 'string'));
/** IP ranges as both APIs write them (`ipRangeStart`/`ipRangeEnd`); incomplete ones dropped. */
const ipRange = z.object({ ipRangeStart: text, ipRangeEnd: text });
export const ipRanges = z
  .array(z.unknown())
  .nullish()
  .catch(null)
  .transform((items) =>
    (items ?? []).flatMap((item) => {
      const range = ipRange.safeParse(item);
      return range.success && range.data.ipRangeStart && range.data.ipRangeEnd
        ? [{ start: range.data.ipRangeStart, end: range.data.ipRangeEnd }]
        : [];
    }),
  );
/** Managed routes; ones without a target dropped. */
export const routes = z
  .array(z.unknown())
  .nullish()
  .catch(null)
  .transform((items) =>
    (items ?? []).flatMap((item) => {
      const route = z.object({ target: text, via: text }).safeParse(item);
      return route.success && route.data.target ? [{ target: route.data.target, via: route.data.via ?? null }] : [];
    }),
  );
export const v6AssignMode = z
  .object({ zt: flag, rfc4193: flag, '6plane': flag })
  .nullish()
  .catch(null)
  .transform((mode) => ({ zt: mode?.zt === true, rfc4193: mode?.rfc4193 === true, sixPlane: mode?.['6plane'] === true }));
export const v4AssignMode = z
  .object({ zt: flag })
  .nullish()
  .catch(null)
  .transform((mode) => ({ zt: mode?.zt === true }));

/** Parse an answer's overall shape; a mismatch is E_ZT_BAD_RESPONSE naming the call and the field, never quoting the body. */
export function parseAnswer<T extends z.ZodType>(schema: T, body: unknown, service: string, what: string): z.output<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw badAnswer(service, what, `${issue?.message ?? 'wrong shape'}${where}`);
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
