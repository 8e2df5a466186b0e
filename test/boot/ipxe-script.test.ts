import { describe, expect, it } from 'vitest';
import { parseNetworkId } from '../../main/common/validate.ts';
import { renderErrorScript, renderStage1, renderStage2, stage2Url } from '../../main/core/boot/ipxe-script.ts';

const nwid = parseNetworkId('8056c2e21c000001');

/** Tokens of each command the way iPXE splits them (src/core/exec.c): whitespace, no quoting. */
function commands(script: string): string[][] {
  return script
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith(':'))
    .map((l) => l.trim().split(/\s+/));
}

describe('stage 1', () => {
  it('chains the boot service with the network id', () => {
    const script = renderStage1({ networkId: nwid, bootUrl: 'http://10.0.2.2:8080', generator: 'g8boot test' });
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(script).toContain('chain --autofree http://10.0.2.2:8080/g8os.ipxe?netid=8056c2e21c000001 || goto g8_chain_failed');
    expect(script).toContain('ZeroTier network 8056c2e21c000001');
    // Every NIC is tried, in rounds, with words on the console.
    expect(script).toContain('dhcp net${g8-nic} && goto g8_net_up ||');
    expect(script).toMatch(/no network on any interface after 3 rounds/);
    // Labels that are jumped to exist.
    const labels = new Set(script.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1)));
    for (const [, target] of script.matchAll(/goto (\S+)/g)) expect(labels).toContain(target);
  });

  it('inline mode chains the kernel with zerotier=<id> and the extra arguments', () => {
    const script = renderStage1({
      networkId: nwid,
      kernelUrl: 'https://example.org/g8os.efi',
      kernelArgs: ['development', 'console=ttyS0,115200n8'],
      generator: 'g8boot test',
    });
    expect(script).toContain(
      'chain --autofree https://example.org/g8os.efi zerotier=8056c2e21c000001 development console=ttyS0,115200n8 || goto g8_chain_failed',
    );
    expect(script).toContain('ntp pool.ntp.org ||');
  });

  it('no ZeroTier: netid=0 to the service, no zerotier= to a kernel', () => {
    expect(stage2Url('http://h', null)).toBe('http://h/g8os.ipxe?netid=0');
    const inline = renderStage1({ networkId: null, kernelUrl: 'http://h/k', generator: 't' });
    expect(inline).not.toContain('zerotier=');
  });

  it('refuses unchecked values even if a caller skipped validation', () => {
    expect(() => renderStage1({ networkId: nwid, bootUrl: 'http://h/x\nshell', generator: 't' })).toThrow(/unsafe token/);
    expect(() => renderStage1({ networkId: nwid, kernelUrl: 'http://h/k', kernelArgs: ['${x}'], generator: 't' })).toThrow(/unsafe/);
    expect(() => renderStage1({ networkId: nwid, kernelUrl: 'http://h/k', kernelArgs: ['||'], generator: 't' })).toThrow(/unsafe/);
    expect(() => renderStage1({ networkId: 'zz' as typeof nwid, bootUrl: 'http://h', generator: 't' })).toThrow(/network id/);
    expect(() => renderStage1({ networkId: nwid, generator: 't' })).toThrow(/exactly one/);
  });
});

describe('stage 2', () => {
  it('boots the kernel with zerotier= first and skips DHCP when the network is up', () => {
    const script = renderStage2({ networkId: nwid, kernelUrl: 'http://10.0.2.2:8080/kernel/g8os.efi', kernelArgs: ['debug'], generator: 't' });
    expect(script).toContain('chain --autofree http://10.0.2.2:8080/kernel/g8os.efi zerotier=8056c2e21c000001 debug || goto g8_chain_failed');
    expect(script).toContain('isset ${ip} && goto g8_have_net ||');
    const chainLine = commands(script).find((c) => c[0] === 'chain')!;
    expect(chainLine).toEqual(['chain', '--autofree', 'http://10.0.2.2:8080/kernel/g8os.efi', 'zerotier=8056c2e21c000001', 'debug', '||', 'goto', 'g8_chain_failed']);
  });
});

describe('error script', () => {
  it('shows the problem and waits, without passing through anything iPXE would interpret', () => {
    const script = renderErrorScript('Invalid network id "${evil}" || shell\nchain http://x', 'g8boot test');
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(script).not.toContain('${');
    expect(script).not.toMatch(/\|\||&&/);
    const echo = script.split('\n').find((l) => l.startsWith('echo g8boot: Invalid'))!;
    expect(echo).toContain('Invalid network id');
    expect(script.split('\n').filter((l) => l.startsWith('chain'))).toEqual([]);
    expect(script).toContain('sleep 60');
  });
});
