import { isIPv6 } from 'node:net';
import { describe, expect, test } from 'vitest';
import { computedAddresses, rfc4193Address, sixPlaneAddress } from '../../main/core/zerotier/addresses.ts';
import { isOnline, ONLINE_WINDOW_MS } from '../../main/core/zerotier/online.ts';
import type { NetworkId } from '../../main/core/zerotier/types.ts';

describe('computed IPv6 addresses', () => {
  test('RFC4193 matches what zerotier-cli listnetworks printed for node a45dc9d260 on 8056c2e21c000001', () => {
    // From ZeroTier's documentation: "fd80:56c2:e21c:0000:0199:93a4:5dc9:d260/88".
    expect(rfc4193Address('8056c2e21c000001', 'a45dc9d260')).toBe('fd80:56c2:e21c:0000:0199:93a4:5dc9:d260');
  });

  test('6PLANE folds the network id (0x8056c2e2 ^ 0x1c000001 = 0x9c56c2e3) and ends in ::1', () => {
    const address = sixPlaneAddress('8056c2e21c000001', 'a45dc9d260');
    expect(address).toBe('fc9c:56c2:e3a4:5dc9:d260:0000:0000:0001');
    expect(isIPv6(address)).toBe(true);
  });

  test('upper-case ids give the same, lower-case address; a fold with the top bit set stays unsigned', () => {
    expect(rfc4193Address('8056C2E21C000001', 'A45DC9D260')).toBe(rfc4193Address('8056c2e21c000001', 'a45dc9d260'));
    expect(sixPlaneAddress('ffffffff00000000', '0000000001')).toBe('fcff:ffff:ff00:0000:0001:0000:0000:0001');
  });

  test('only the modes the network enables are computed, RFC4193 first', () => {
    const id = 'd569b5a47421c8b7' as NetworkId;
    const none = computedAddresses({ id, v6AssignMode: { zt: true, rfc4193: false, sixPlane: false } }, '867dd449f4');
    const both = computedAddresses({ id, v6AssignMode: { zt: false, rfc4193: true, sixPlane: true } }, '867dd449f4');
    expect(none).toEqual([]);
    expect(both).toEqual([rfc4193Address(id, '867dd449f4'), sixPlaneAddress(id, '867dd449f4')]);
  });
});

describe('online and member state', () => {
  const clock = 1_700_000_000_000;

  test('online means heard from within the window, by the controller clock', () => {
    expect(isOnline(clock - 1000, clock)).toBe(true);
    expect(isOnline(clock - ONLINE_WINDOW_MS + 1, clock)).toBe(true);
    expect(isOnline(clock - ONLINE_WINDOW_MS, clock)).toBe(false);
    expect(isOnline(clock + 500, clock)).toBe(true);
    expect(isOnline(null, clock)).toBe(false);
    expect(isOnline(0, clock)).toBe(false);
  });
});
