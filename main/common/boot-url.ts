/**
 * Where a boot URL works. A boot image (or a link handed to another machine) carries the address of the boot
 * service; that address is resolved by the machine that boots, not by this computer. So `127.0.0.1` in an
 * image means "the booting machine itself" and can never work, while `10.0.2.2` is this computer as a NAT
 * guest (QEMU user networking, VirtualBox NAT) sees it, a private address is only reachable on its LAN, and a
 * public address or name is what a bare-metal provider needs.
 *
 * One vocabulary for every face (CLI `iso`, the app's build form, the Boot URLs panel, the service's page):
 * `reachOf` classifies, `parseBootUrl` is the parser every boot URL goes through (it refuses what only this
 * computer could reach), `describeReach` says it in words. Runtime-agnostic (the renderer uses it too); the
 * host-dependent part (this computer's LAN addresses, the defaults) is main/core/boot/boot-targets.ts.
 */
import { InvalidInputError } from './errors.ts';
import { isLoopbackHost, parseBaseUrl, parseHttpUrl, quote } from './validate.ts';

/** The boot service's port unless told otherwise (`g8boot serve`, the app's boot service). */
export const DEFAULT_BOOT_SERVICE_PORT = 8088;

/**
 * The serial console test VMs get (QEMU, VirtualBox and xhyve all give the guest a 16550 on ttyS0): stage 1
 * images for a VM on this computer ask for it with `&console=` in the stage-2 URL, and stage 2 adds
 * `console=<it>` to the kernel's command line unless the person's own arguments already name a console.
 */
export const TEST_VM_CONSOLE = 'ttyS0,115200';

/** QEMU user networking and VirtualBox NAT show the host (its loopback included) to the guest at this address. */
export const NAT_GUEST_HOST = '10.0.2.2';

/**
 * Who can use a boot URL:
 * - `this-computer`: loopback or the unspecified address: only this computer (never embedded, never offered);
 * - `vm`: a VM on this computer (10.0.2.2 through NAT, or the vmnet gateway for xhyve);
 * - `lan`: machines on the same local network (private and link-local addresses, `.local` names);
 * - `public`: anywhere that can reach the host (a public address or DNS name): bare-metal providers.
 */
export type BootUrlReach = 'this-computer' | 'vm' | 'lan' | 'public';

export interface BootUrlPlace {
  reach: BootUrlReach;
  /** Where it works, in words, e.g. "a VM on this computer (QEMU user networking, VirtualBox NAT)". */
  where: string;
}

/** A boot URL with where it works (the defaults offered by `iso` and the app, the service's links). */
export interface BootTarget extends BootUrlPlace {
  /** The boot service's base URL (parsed by parseBootUrl). */
  url: string;
}

/** A link the boot service offers for a network id (its page, the app's Boot URLs panel), with where it works. */
export interface BootLink {
  key: 'iso' | 'usb' | 'efi' | 'ipxe-vm' | 'ipxe-lan' | 'ipxe-public' | 'qemu';
  label: string;
  /** A URL, or a shell command for `qemu`. */
  value: string;
  /** Where it works, in words. */
  where: string;
  help: string;
}

export interface BootLinkSet {
  links: BootLink[];
  /** What is not offered and why (e.g. no public URL, so no bare-metal provider link). */
  notes: string[];
}

/** Addresses this computer knows more about than the generic ranges (its vmnet gateway, its LAN addresses). */
export interface KnownAddress {
  address: string;
  place: BootUrlPlace;
}

const ipv4 = (host: string): number[] | null => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m ? m.slice(1).map(Number) : null;
};

/** The unspecified address: a server may listen on it, but no client can connect to it elsewhere. */
export function isUnspecifiedHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return bare === '0.0.0.0' || /^(0{0,4}:){2,7}0{0,4}$/.test(bare) || bare === '::';
}

/** Only this computer can reach it: loopback, `localhost` (and *.localhost), the unspecified address. */
export function isThisComputerOnly(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  if (isLoopbackHost(bare) || isUnspecifiedHost(bare) || bare.endsWith('.localhost')) return true;
  // IPv4-mapped loopback as the URL parser writes it: ::ffff:7f00:1 (127.0.0.1).
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(bare) || /^::ffff:127\./.test(bare);
}

function isPrivateHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  const v4 = ipv4(bare);
  if (v4) {
    const [a, b] = v4 as [number, number];
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (bare.includes(':')) return /^f[cd][0-9a-f]{0,2}:/.test(bare) || /^fe[89ab][0-9a-f]?:/.test(bare);
  // Names only a LAN resolves: mDNS (.local), the home network's zone, single labels.
  return bare.endsWith('.local') || bare.endsWith('.home.arpa') || bare.endsWith('.lan') || !bare.includes('.');
}

export const WHERE = {
  thisComputer: 'only this computer: a VM or another machine would ask itself',
  natVm: 'a VM on this computer (QEMU user networking, VirtualBox NAT)',
  vmnetVm: 'an xhyve VM on this Mac (vmnet)',
  lan: 'machines on the same LAN',
  public: 'any machine that can reach it, bare-metal providers included',
} as const;

/** Where a boot URL (already parsed, or just a host) works. `known` adds this computer's own addresses. */
export function reachOf(urlOrHost: string, known: readonly KnownAddress[] = []): BootUrlPlace {
  const host = /^https?:\/\//i.test(urlOrHost) ? new URL(urlOrHost).hostname : urlOrHost;
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isThisComputerOnly(bare)) return { reach: 'this-computer', where: WHERE.thisComputer };
  const mine = known.find((k) => k.address.toLowerCase() === bare);
  if (mine) return mine.place;
  if (bare === NAT_GUEST_HOST) return { reach: 'vm', where: WHERE.natVm };
  if (isPrivateHost(bare)) return { reach: 'lan', where: WHERE.lan };
  return { reach: 'public', where: WHERE.public };
}

/** A URL's host as an address: an IPv6 host without the brackets URL.hostname keeps ("fd00::1"). */
export function urlHost(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The port a base URL points at (its explicit port, or the scheme's). */
export function portOf(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/**
 * What to use instead of a boot URL only this computer can reach, in words (the error's hint). `face` says
 * whose words: the CLI's flags, or the app's controls.
 */
export function bootUrlAlternatives(port: number, lanAddresses: readonly string[] = [], face: 'cli' | 'app' = 'cli'): string {
  const lan = lanAddresses.length ? lanAddresses.map((a) => `http://${a.includes(':') ? `[${a}]` : a}:${port}`).join(' or ') : `http://<this computer's LAN address>:${port}`;
  if (face === 'app') {
    return (
      `For a VM on this computer use http://${NAT_GUEST_HOST}:${port}; for a machine on your LAN use ${lan} ` +
      '(and open the boot service to the LAN); for a bare-metal provider, a public URL, or boot a kernel directly.'
    );
  }
  return (
    `For a VM on this computer use http://${NAT_GUEST_HOST}:${port} (QEMU, VirtualBox NAT); ` +
    `for a machine on your LAN use ${lan} (the boot service must listen there: g8boot serve --listen 0.0.0.0:${port}); ` +
    'for a bare-metal provider, a public URL (g8boot serve --public-url) or --kernel <url>. ' +
    'Or leave the boot URL out: g8boot then embeds the VM and LAN addresses itself.'
  );
}

/**
 * The one parser for a boot URL that goes into an image or is offered to another machine: a base URL
 * (parseBaseUrl) that some other machine can reach. Loopback, `localhost` and the unspecified address are
 * refused with an InvalidInputError (exit 2) saying which address to use instead.
 */
export function parseBootUrl(input: string, options: { what?: string; lanAddresses?: readonly string[]; face?: 'cli' | 'app' } = {}): string {
  const what = options.what ?? 'boot URL';
  const url = parseBaseUrl(input, what);
  const host = new URL(url).hostname;
  if (isThisComputerOnly(host)) {
    throw new InvalidInputError(
      'E_LOOPBACK_BOOT_URL',
      `The ${what} ${quote(input)} points at ${host}, which a booting machine resolves to itself: the image would never find the boot service.`,
      { hint: bootUrlAlternatives(portOf(url), options.lanAddresses, options.face) },
    );
  }
  return url;
}

/**
 * The parser for a kernel URL that a booting machine fetches itself: the inline mode's `--kernel` (stage 1
 * chains it) and `serve --kernel-url` (stage 2 chains it). Like a boot URL, an address only this computer can
 * reach is refused (E_LOOPBACK_BOOT_URL, exit 2), with the addresses to use instead and the boot service's own
 * kernel cache as the other way.
 */
export function parseNodeKernelUrl(input: string, options: { what?: string; lanAddresses?: readonly string[]; face?: 'cli' | 'app' } = {}): string {
  const what = options.what ?? 'kernel URL';
  const url = parseHttpUrl(input, what);
  const parsed = new URL(url);
  if (isThisComputerOnly(parsed.hostname)) {
    const port = portOf(url);
    const rest = `${parsed.pathname}${parsed.search}`;
    const lan = options.lanAddresses?.length ? options.lanAddresses.map((a) => `http://${a.includes(':') ? `[${a}]` : a}:${port}${rest}`).join(' or ') : `http://<this computer's LAN address>:${port}${rest}`;
    const cache = options.face === 'app' ? 'add the kernel to the boot service (g8boot kernel add <file>) and chain to a boot URL instead' : 'add the kernel to the boot service (g8boot kernel add <file>): nodes then fetch it from there';
    throw new InvalidInputError(
      'E_LOOPBACK_BOOT_URL',
      `The ${what} ${quote(input)} points at ${parsed.hostname}, which the booting machine resolves to itself: it would never fetch the kernel.`,
      { hint: `For a VM on this computer use http://${NAT_GUEST_HOST}:${port}${rest}; for a machine on your LAN ${lan}; or ${cache}.` },
    );
  }
  return url;
}

/** A boot target from a parsed boot URL. */
export function bootTarget(url: string, known: readonly KnownAddress[] = []): BootTarget {
  return { url, ...reachOf(url, known) };
}
