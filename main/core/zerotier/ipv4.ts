/** The little IPv4 arithmetic ZeroTier address pools need (lab networks, the simulator's pool). */
import { InvalidInputError } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as an unsigned 32-bit number, or null when it is not a dotted IPv4 address. */
export function ipv4ToNumber(address: string): number | null {
  const m = DOTTED.exec(address);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Ipv4Subnet {
  /** Normalized "a.b.c.d/len". */
  cidr: string;
  prefixLength: number;
  /** First and last usable host (network and broadcast addresses excluded). */
  firstHost: string;
  lastHost: string;
}

/** A subnet for a ZeroTier IPv4 pool: a network address with a prefix from /8 to /30. */
export function parseIpv4Subnet(input: string): Ipv4Subnet {
  const hint = 'Give an IPv4 network in CIDR form with a prefix from /8 to /30, e.g. 10.147.17.0/24.';
  const [address = '', length = '', ...rest] = input.trim().split('/');
  const base = ipv4ToNumber(address);
  const prefixLength = /^\d{1,2}$/.test(length) ? Number(length) : Number.NaN;
  if (base === null || rest.length > 0 || !(prefixLength >= 8 && prefixLength <= 30)) {
    throw new InvalidInputError('E_INVALID_SUBNET', `Invalid subnet ${quote(input)}.`, { hint });
  }
  const size = 2 ** (32 - prefixLength);
  const network = base - (base % size);
  if (network !== base) {
    throw new InvalidInputError('E_INVALID_SUBNET', `${quote(input)} is not a network address: host bits are set.`, {
      hint: `Did you mean ${numberToIpv4(network)}/${prefixLength}?`,
    });
  }
  return { cidr: `${address}/${prefixLength}`, prefixLength, firstHost: numberToIpv4(network + 1), lastHost: numberToIpv4(network + size - 2) };
}
