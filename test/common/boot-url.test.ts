/** Where a boot URL works: the one classification and the one parser every face uses. */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseBootUrl, reachOf } from '../../main/common/boot-url.ts';
import { InvalidInputError } from '../../main/common/errors.ts';
import { defaultBootTargets, serviceImageTargets, thisComputerUrl } from '../../main/core/boot/boot-targets.ts';

const iface = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` });
const INTERFACES = {
  lo: [iface('127.0.0.1', true)],
  docker0: [iface('172.17.0.1')],
  eth0: [iface('192.168.1.20')],
  wlan0: [iface('10.20.0.7')],
  zt7nnig26: [iface('10.147.17.5')],
};

describe('parseBootUrl', () => {
  it.each([
    'http://127.0.0.1:8088',
    'http://127.1:8088',
    'http://2130706433:8088', // 127.0.0.1 as one number: the URL parser normalizes it
    'http://localhost:8088',
    'http://LOCALHOST.:8088',
    'http://boot.localhost:8088',
    'http://0.0.0.0:8088',
    'http://0:8088',
    'http://[::1]:8088',
    'http://[::]:8088',
    'http://[0:0:0:0:0:0:0:1]:8088',
    'http://[::ffff:127.0.0.1]:8088',
  ])('refuses %s (exit 2) and says which address to use instead', (url) => {
    let error: unknown;
    try {
      parseBootUrl(url, { lanAddresses: ['192.168.1.20'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).code).toBe('E_LOOPBACK_BOOT_URL');
    expect((error as InvalidInputError).exitCode).toBe(2);
    expect((error as InvalidInputError).hint).toContain('http://10.0.2.2:8088');
    expect((error as InvalidInputError).hint).toContain('http://192.168.1.20:8088');
  });

  it('accepts what other machines can reach, normalized', () => {
    expect(parseBootUrl('http://10.0.2.2:8088/')).toBe('http://10.0.2.2:8088');
    expect(parseBootUrl('https://boot.example.org/g8')).toBe('https://boot.example.org/g8');
  });
});

describe('reachOf', () => {
  it.each([
    ['http://10.0.2.2:8088', 'vm'],
    ['http://192.168.1.20:8088', 'lan'],
    ['http://172.20.1.1', 'lan'],
    ['http://[fe80::1]', 'lan'],
    ['http://nas.local', 'lan'],
    ['http://bootserver', 'lan'],
    ['https://boot.example.org', 'public'],
    ['http://203.0.113.9', 'public'],
    ['http://127.0.0.1', 'this-computer'],
  ])('%s → %s', (url, reach) => {
    expect(reachOf(url).reach).toBe(reach);
  });
});

describe('defaults', () => {
  it('a VM on this computer first, then each LAN address (not loopback, containers or ZeroTier), at the port', () => {
    expect(defaultBootTargets({ interfaces: INTERFACES, platform: 'linux', port: 8088 })).toEqual([
      { url: 'http://10.0.2.2:8088', reach: 'vm', where: 'a VM on this computer (QEMU user networking, VirtualBox NAT)' },
      { url: 'http://192.168.1.20:8088', reach: 'lan', where: "machines on the same LAN (this computer's address there)" },
      { url: 'http://10.20.0.7:8088', reach: 'lan', where: "machines on the same LAN (this computer's address there)" },
    ]);
    expect(defaultBootTargets({ interfaces: INTERFACES, platform: 'linux', port: 9000, lan: false }).map((t) => t.url)).toEqual(['http://10.0.2.2:9000']);
  });

  it("a Mac's vmnet gateway (bridge100) is a VM target", () => {
    const targets = defaultBootTargets({ interfaces: { ...INTERFACES, bridge100: [iface('192.168.64.1')] }, platform: 'darwin' });
    expect(targets[1]).toEqual({ url: 'http://192.168.64.1:8088', reach: 'vm', where: 'an xhyve VM on this Mac (vmnet)' });
  });

  it("what a service's images chain to: its public URL, else the address a request arrived on, else the defaults — never a Host header", () => {
    const base = { interfaces: INTERFACES, platform: 'linux' as const, port: 8088 };
    expect(serviceImageTargets({ ...base, publicUrl: 'https://boot.example.org', arrivedOn: '127.0.0.1', listenHost: '0.0.0.0' }).map((t) => t.url)).toEqual(['https://boot.example.org']);
    expect(serviceImageTargets({ ...base, arrivedOn: '::ffff:192.168.1.20', listenHost: '0.0.0.0' }).map((t) => t.url)).toEqual(['http://192.168.1.20:8088']);
    expect(serviceImageTargets({ ...base, arrivedOn: '127.0.0.1', listenHost: '127.0.0.1' }).map((t) => t.url)).toEqual(['http://10.0.2.2:8088']);
    expect(serviceImageTargets({ ...base, arrivedOn: '127.0.0.1', listenHost: '0.0.0.0' }).map((t) => t.url)).toEqual(['http://10.0.2.2:8088', 'http://192.168.1.20:8088', 'http://10.20.0.7:8088']);
    expect(thisComputerUrl('0.0.0.0', 8088)).toBe('http://127.0.0.1:8088');
    expect(thisComputerUrl('::', 8088)).toBe('http://[::1]:8088');
  });
});
