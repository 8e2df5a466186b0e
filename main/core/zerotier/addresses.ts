/**
 * IPv6 addresses a ZeroTier member has without any controller assigning them, when its network enables the
 * mode: both are pure functions of the network id and the node id (ZeroTier's InetAddress::makeIpv6rfc4193 and
 * makeIpv66plane). Written the way zerotier-cli and Central write them, eight groups of four hex digits
 * (e.g. "fd80:56c2:e21c:0000:0199:93a4:5dc9:d260"), so people can compare them character for character.
 */
import { isIP } from 'node:net';
import type { Network } from './types.ts';

/** More than any member has; an answer listing thousands is junk, not addresses. */
const MAX_ASSIGNED_ADDRESSES = 64;

/**
 * The entries of an API's address list that are IP addresses, without duplicates: anything else (a name, a
 * CIDR, text with spaces or control characters, an empty string) is dropped before it is shown, stored or
 * probed. Addresses come from whoever runs the controller or can edit the network.
 */
export function validAddresses(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of list) {
    if (out.length >= MAX_ASSIGNED_ADDRESSES) break;
    if (typeof entry === 'string' && entry.length <= 45 && isIP(entry) !== 0 && !out.includes(entry)) out.push(entry);
  }
  return out;
}

/** RFC4193 (/88): `fd` + the 8-byte network id + `9993` + the 5-byte node id. */
export function rfc4193Address(networkId: string, nodeId: string): string {
  return groupsOfFour(`fd${networkId}9993${nodeId}`.toLowerCase());
}

/**
 * 6PLANE (/40 per member, ::1 being the member itself): `fc` + the network id folded to 32 bits (its high and
 * low halves XORed) + the 5-byte node id + `::1`.
 */
export function sixPlaneAddress(networkId: string, nodeId: string): string {
  const folded = (Number.parseInt(networkId.slice(0, 8), 16) ^ Number.parseInt(networkId.slice(8, 16), 16)) >>> 0;
  return groupsOfFour(`fc${folded.toString(16).padStart(8, '0')}${nodeId}000000000001`.toLowerCase());
}

/** The computed addresses the network enables for a member, RFC4193 first (the order Central shows). */
export function computedAddresses(network: Pick<Network, 'id' | 'v6AssignMode'>, nodeId: string): string[] {
  const out: string[] = [];
  if (network.v6AssignMode.rfc4193) out.push(rfc4193Address(network.id, nodeId));
  if (network.v6AssignMode.sixPlane) out.push(sixPlaneAddress(network.id, nodeId));
  return out;
}

function groupsOfFour(hex32: string): string {
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(hex32.slice(i, i + 4));
  return groups.join(':');
}
