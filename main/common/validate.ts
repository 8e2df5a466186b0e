/**
 * Validation at the boundary: everything a person or a remote API hands us passes through here before it
 * reaches an iPXE script, a URL, a file name or a command line. Each check throws InvalidInputError with a
 * message that quotes the offending value (escaped) and a hint saying what is expected.
 *
 * Runtime-agnostic (used by the CLI, the boot service, the Electron main process and the renderer's forms).
 */
import { InvalidInputError } from './errors.ts';

/** A ZeroTier network id: 16 hex digits, lower-cased. */
export type NetworkId = string & { readonly __brand: 'NetworkId' };
/** A ZeroTier node (member) id: 10 hex digits, lower-cased. */
export type NodeId = string & { readonly __brand: 'NodeId' };

/** Show a value inside an error message without letting control characters through. */
export function quote(value: string, max = 80): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}

const HEX16 = /^[0-9a-f]{16}$/i;
const HEX10 = /^[0-9a-f]{10}$/i;

export function parseNetworkId(input: string, what = 'network id'): NetworkId {
  const value = input.trim();
  if (!HEX16.test(value)) {
    throw new InvalidInputError('E_INVALID_NETWORK_ID', `Invalid ${what} ${quote(input)}: ${describeHexProblem(value, 16)}.`, {
      hint: 'A ZeroTier network id is 16 hexadecimal digits, e.g. 8056c2e21c000001 (see `g8boot zt networks`).',
    });
  }
  return value.toLowerCase() as NetworkId;
}

/**
 * Whether a value is a network id exactly as parseNetworkId returns it: for ids that were parsed already
 * (stored settings, the iPXE renderer's second check), through the same parser rather than a second regex.
 */
export function isNetworkId(value: unknown): value is NetworkId {
  if (typeof value !== 'string') return false;
  try {
    return parseNetworkId(value) === value;
  } catch {
    return false;
  }
}

/**
 * The boot services of the original design accepted `0` or `null` for "boot without ZeroTier".
 * Returns null for those, a NetworkId otherwise.
 */
export function parseBootNetworkId(input: string): NetworkId | null {
  const value = input.trim().toLowerCase();
  if (value === '0' || value === 'null') return null;
  try {
    return parseNetworkId(input);
  } catch (error) {
    if (error instanceof InvalidInputError) {
      throw new InvalidInputError(error.code, error.message, {
        hint: `${error.hint} Use 0 or null to boot without ZeroTier.`,
      });
    }
    throw error;
  }
}

export function parseNodeId(input: string): NodeId {
  const value = input.trim();
  if (!HEX10.test(value)) {
    throw new InvalidInputError('E_INVALID_NODE_ID', `Invalid node id ${quote(input)}: ${describeHexProblem(value, 10)}.`, {
      hint: 'A ZeroTier node id is 10 hexadecimal digits, e.g. 89e92ceee5 (see `g8boot zt members <nwid>`).',
    });
  }
  return value.toLowerCase() as NodeId;
}

/**
 * A TLS certificate's SHA-256 fingerprint as people copy it: 64 hex digits, with or without colons (openssl's
 * `-fingerprint -sha256` prints `SHA256 Fingerprint=AB:CD:…`; that prefix is accepted too). Lower-case hex out.
 */
export function parseFingerprint(input: string): string {
  const value = input.trim().replace(/^sha-?256\s*fingerprint\s*=\s*/i, '').replace(/:/g, '');
  if (!/^[0-9a-f]{64}$/i.test(value)) {
    throw new InvalidInputError('E_INVALID_FINGERPRINT', `Invalid certificate fingerprint ${quote(input)}.`, {
      hint: 'Give the SHA-256 fingerprint of the certificate: 64 hex digits, colons allowed (openssl x509 -noout -fingerprint -sha256 -in cert.pem).',
    });
  }
  return value.toLowerCase();
}

function describeHexProblem(value: string, digits: number): string {
  if (value.length === 0) return 'it is empty';
  const bad = [...value].find((c) => !/[0-9a-f]/i.test(c));
  if (bad !== undefined) return `${JSON.stringify(bad)} is not a hexadecimal digit`;
  return `it has ${value.length} digits, not ${digits}`;
}

/**
 * Characters that can change the meaning of an iPXE command line. iPXE has no quoting: it splits on
 * whitespace, expands `${...}` in every token, treats a token starting with `#` as a comment and the tokens
 * `||`, `&&` and `;` as command separators (src/core/exec.c). We refuse rather than escape: there is no
 * escape syntax to rely on.
 */
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/u;

/** An http(s) URL that is safe to place as one token in an iPXE script. Returns the normalized href. */
export function parseHttpUrl(input: string, what = 'URL'): string {
  const raw = input.trim();
  const hint = `Give a full http:// or https:// URL without spaces, quotes or "$", e.g. http://192.168.1.10:8088.`;
  if (raw.length === 0) throw new InvalidInputError('E_INVALID_URL', `The ${what} is empty.`, { hint });
  if (raw.length > 1024) throw new InvalidInputError('E_INVALID_URL', `The ${what} is longer than 1024 characters.`, { hint });
  if (CONTROL_OR_SPACE.test(raw)) {
    throw new InvalidInputError('E_INVALID_URL', `The ${what} ${quote(raw)} contains spaces or control characters.`, { hint });
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInputError('E_INVALID_URL', `The ${what} ${quote(raw)} is not a valid URL.`, { hint });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError('E_INVALID_URL', `The ${what} ${quote(raw)} uses ${url.protocol.replace(/:$/, '')}; only http and https are supported.`, { hint });
  }
  if (!url.hostname) throw new InvalidInputError('E_INVALID_URL', `The ${what} ${quote(raw)} has no host.`, { hint });
  const href = url.href;
  if (/[$"'\\`]/.test(href)) {
    throw new InvalidInputError('E_INVALID_URL', `The ${what} ${quote(raw)} contains a character iPXE would interpret ($, quotes or backslash).`, { hint });
  }
  if (url.hash) throw new InvalidInputError('E_INVALID_URL', `The ${what} ${quote(raw)} has a #fragment, which iPXE would not send.`, { hint });
  return href;
}

/** An http(s) base URL without query or fragment, normalized to have no trailing slash. */
export function parseBaseUrl(input: string, what = 'boot URL'): string {
  const href = parseHttpUrl(input, what);
  const url = new URL(href);
  if (url.search) {
    throw new InvalidInputError('E_INVALID_URL', `The ${what} ${quote(input)} has a query string; give the service's base URL.`, {
      hint: 'For example http://192.168.1.10:8088 — g8boot appends /g8os.ipxe?netid=<id> itself.',
    });
  }
  return href.replace(/\/+$/, '');
}

const KERNEL_ARG = /^[\x21-\x7e]+$/;
export const MAX_KERNEL_ARGS_LENGTH = 1024;

/**
 * Extra kernel command-line arguments (e.g. "development debug console=ttyS0,115200n8"), split into tokens.
 * Each token must be printable ASCII without quotes, backslashes or "$", must not start with "#" and must not be
 * one of iPXE's separators. `zerotier=` is refused: the network id has its own option.
 */
export function parseKernelArgs(input: string | readonly string[] | undefined): string[] {
  if (input === undefined) return [];
  const joined = typeof input === 'string' ? input : input.join(' ');
  const hint = 'Kernel arguments are space-separated words of printable ASCII without quotes, backslashes or "$", e.g. "development console=ttyS0,115200n8".';
  if (/[\r\n\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/u.test(joined)) {
    throw new InvalidInputError('E_INVALID_KERNEL_ARGS', `Kernel arguments ${quote(joined)} contain a newline or control character.`, { hint });
  }
  if (joined.length > MAX_KERNEL_ARGS_LENGTH) {
    throw new InvalidInputError('E_INVALID_KERNEL_ARGS', `Kernel arguments are ${joined.length} characters long; the limit is ${MAX_KERNEL_ARGS_LENGTH}.`, { hint });
  }
  const tokens = joined.split(/[ \t]+/).filter((t) => t.length > 0);
  for (const token of tokens) {
    if (!KERNEL_ARG.test(token)) {
      throw new InvalidInputError('E_INVALID_KERNEL_ARGS', `Kernel argument ${quote(token)} contains characters outside printable ASCII.`, { hint });
    }
    if (/[$"'\\`]/.test(token)) {
      throw new InvalidInputError('E_INVALID_KERNEL_ARGS', `Kernel argument ${quote(token)} contains a quote, backslash or "$", which iPXE would interpret.`, { hint });
    }
    if (token.startsWith('#') || token === '||' || token === '&&' || token === ';') {
      throw new InvalidInputError('E_INVALID_KERNEL_ARGS', `Kernel argument ${quote(token)} is an iPXE comment or command separator.`, { hint });
    }
    if (/^zerotier=/i.test(token)) {
      throw new InvalidInputError('E_INVALID_KERNEL_ARGS', `Kernel argument ${quote(token)} sets the ZeroTier network; use --netid instead.`, { hint });
    }
  }
  return tokens;
}

/** A positive integer option within bounds (CLI flags, settings). */
export function parseIntInRange(input: string | number, what: string, min: number, max: number): number {
  const value = typeof input === 'number' ? input : Number(String(input).trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError('E_INVALID_NUMBER', `Invalid ${what} ${quote(String(input))}: expected a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** Whether a host name or address is this machine's loopback (localhost, 127.0.0.0/8, ::1; brackets allowed). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Where a server listens: "127.0.0.1:8088", "[::1]:8088", "0.0.0.0:80", or just "8088" (loopback). */
export function parseListenAddress(input: string, what = 'listen address'): { host: string; port: number } {
  const text = input.trim();
  const m = /^\d{1,5}$/.test(text) ? [text, undefined, '127.0.0.1', text] : /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new InvalidInputError('E_INVALID_LISTEN', `Invalid ${what} ${quote(input)}.`, {
      hint: 'Use <address>:<port>, e.g. 127.0.0.1:8088, 0.0.0.0:8088 (your LAN) or [::1]:8088.',
    });
  }
  return { host: (m[1] ?? m[2])!, port };
}
