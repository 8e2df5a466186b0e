/**
 * The address a bridged guest reaches this machine at: the host's own address on the LAN the guest joins.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { G8bootError } from '../../common/errors.ts';
import type { Host } from './host.ts';

/** Interfaces that are not the LAN: container and VM bridges, VPNs (ZeroTier's own among them), loopback. */
const NOT_LAN = /^(lo|docker|br-|virbr|vboxnet|vmnet|bridge1\d\d|veth|zt|feth|tun|tap|utun|wg)/;

function ipv4(infos: readonly NetworkInterfaceInfo[] | undefined): string | undefined {
  return infos?.find((i) => i.family === 'IPv4' && !i.internal)?.address;
}

/**
 * Every LAN IPv4 address of this machine, in interface order (the boot-URL defaults embed them all: a LAN
 * machine reaches the host through whichever network it shares with it).
 */
export function lanAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const found: string[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    if (NOT_LAN.test(name)) continue;
    const address = ipv4(infos);
    if (address && !found.includes(address)) found.push(address);
  }
  return found;
}

/**
 * The IPv4 address of `device` when it has one (a bridge such as br0 carries the host's LAN address), else
 * the first LAN-looking interface's.
 */
export function lanAddress(host: Host, device?: string): string {
  const interfaces = host.networkInterfaces();
  const onDevice = device ? ipv4(interfaces[device]) : undefined;
  if (onDevice) return onDevice;
  const first = lanAddresses(interfaces)[0];
  if (first) return first;
  throw new G8bootError('E_VM_NO_LAN_ADDRESS', 'This machine has no LAN IPv4 address a bridged VM could reach it at.', {
    hint: 'Connect to a network, or give the boot service URL yourself with --boot-url.',
  });
}
