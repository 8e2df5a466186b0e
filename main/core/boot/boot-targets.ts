/**
 * Where this computer's boot service can be reached from, and so which boot URLs an image should carry when
 * the person did not say: first a VM on this computer (10.0.2.2 through QEMU/VirtualBox NAT; vmnet's gateway
 * on a Mac where one is up), then this computer's LAN addresses. Every face takes its defaults from here (CLI
 * `iso`, the app's build form, the boot service's own images and links); the vocabulary (where a URL works,
 * the refusal of loopback URLs) is main/common/boot-url.ts.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { bootTarget, DEFAULT_BOOT_SERVICE_PORT, isThisComputerOnly, isUnspecifiedHost, NAT_GUEST_HOST, WHERE, type BootTarget, type KnownAddress } from '../../common/boot-url.ts';
import { lanAddresses } from '../vm/lan-address.ts';

export interface BootHostFacts {
  /** os.networkInterfaces(), injectable for tests. */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]> | undefined;
  platform?: NodeJS.Platform | undefined;
}

/** macOS's vmnet shared-mode bridges (bridge100, bridge101, …) carry the gateway xhyve guests reach the host at. */
const VMNET_BRIDGE = /^bridge1\d\d$/;

/** This computer's addresses with where each is reachable from (LAN addresses; the vmnet gateway on a Mac). */
export function knownAddresses(facts: BootHostFacts = {}): KnownAddress[] {
  const interfaces = facts.interfaces ?? networkInterfaces();
  const known: KnownAddress[] = [];
  if ((facts.platform ?? process.platform) === 'darwin') {
    for (const [name, infos] of Object.entries(interfaces)) {
      const address = VMNET_BRIDGE.test(name) ? infos?.find((i) => i.family === 'IPv4' && !i.internal)?.address : undefined;
      if (address) known.push({ address, place: { reach: 'vm', where: WHERE.vmnetVm } });
    }
  }
  for (const address of lanAddresses(interfaces)) known.push({ address, place: { reach: 'lan', where: `${WHERE.lan} (this computer's address there)` } });
  return known;
}

/** This computer's LAN addresses (for hints: "use http://<one of these>:8088"). */
export function thisComputersLanAddresses(facts: BootHostFacts = {}): string[] {
  return knownAddresses(facts)
    .filter((k) => k.place.reach === 'lan')
    .map((k) => k.address);
}

const urlFor = (address: string, port: number) => `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

/**
 * The boot URLs an image carries by default, in the order stage 1 tries them: a VM on this computer first
 * (it answers at once when the service runs, so a test VM never waits for a LAN timeout), then the vmnet
 * gateway (macOS), then each LAN address. `lan: false` leaves out the LAN (a service listening on loopback
 * only cannot be reached there).
 */
export function defaultBootTargets(options: BootHostFacts & { port?: number | undefined; lan?: boolean | undefined } = {}): BootTarget[] {
  const port = options.port ?? DEFAULT_BOOT_SERVICE_PORT;
  const known = knownAddresses(options);
  const targets: BootTarget[] = [bootTarget(urlFor(NAT_GUEST_HOST, port), known)];
  for (const k of known) {
    if (k.place.reach === 'lan' && options.lan === false) continue;
    targets.push(bootTarget(urlFor(k.address, port), known));
  }
  return targets;
}

/** Label parsed boot URLs with where they work, knowing this computer's own addresses. */
export function labelBootUrls(urls: readonly string[], facts: BootHostFacts = {}): BootTarget[] {
  const known = knownAddresses(facts);
  return urls.map((url) => bootTarget(url, known));
}

/**
 * Where the images a boot service hands out chain to (the service's /iso/<id> and the links for it), never
 * from a client's Host header: its public URL when it has one; else the address of this computer a request
 * arrived on, when that is not loopback (the machine that asked can reach it); else (arrived through
 * loopback: this computer, or a NAT guest whose traffic the hypervisor sends through the host's loopback)
 * the defaults for its port — a VM on this computer, plus the LAN when the service listens on all addresses.
 */
export function serviceImageTargets(options: BootHostFacts & { publicUrl?: string | null | undefined; arrivedOn: string; port: number; listenHost: string }): BootTarget[] {
  const known = knownAddresses(options);
  if (options.publicUrl) return [bootTarget(options.publicUrl, known)];
  const local = options.arrivedOn.replace(/^::ffff:/, '');
  if (local && !isThisComputerOnly(local)) return [bootTarget(urlFor(local, options.port), known)];
  return defaultBootTargets({ ...options, port: options.port, lan: isUnspecifiedHost(options.listenHost) });
}

/** The URL this computer itself uses to reach a service listening on host:port (the unspecified address → loopback). */
export function thisComputerUrl(listenHost: string, port: number): string {
  const host = listenHost === '0.0.0.0' ? '127.0.0.1' : isUnspecifiedHost(listenHost) ? '::1' : listenHost.replace(/^\[(.*)\]$/, '$1');
  return urlFor(host, port);
}
