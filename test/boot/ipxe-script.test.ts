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
    const script = renderStage1({ networkId: nwid, bootTargets: [{ url: 'http://192.168.1.5:8088', reach: 'lan' }], generator: 'g8boot test' });
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(script).toContain('chain --autofree http://192.168.1.5:8088/g8os.ipxe?netid=8056c2e21c000001 || goto g8_chain_failed');
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
    expect(() => renderStage1({ networkId: nwid, bootTargets: [{ url: 'http://h/x\nshell', reach: 'lan' }], generator: 't' })).toThrow(/unsafe token/);
    expect(() => renderStage1({ networkId: nwid, bootTargets: [{ url: 'http://127.0.0.1:8088', reach: 'lan' }], generator: 't' })).toThrow(/only this computer/);
    expect(() => renderStage1({ networkId: nwid, kernelUrl: 'http://h/k', kernelArgs: ['${x}'], generator: 't' })).toThrow(/unsafe/);
    expect(() => renderStage1({ networkId: nwid, kernelUrl: 'http://h/k', kernelArgs: ['||'], generator: 't' })).toThrow(/unsafe/);
    expect(() => renderStage1({ networkId: 'zz' as typeof nwid, bootTargets: [{ url: 'http://h', reach: 'lan' }], generator: 't' })).toThrow(/network id/);
    expect(() => renderStage1({ networkId: nwid, generator: 't' })).toThrow(/exactly one/);
  });
});

describe('stage 1 with several boot URLs', () => {
  it('tries each in order, saying which and why it moves on, then starts over', () => {
    const script = renderStage1({
      networkId: nwid,
      bootTargets: [
        { url: 'http://10.0.2.2:8088', reach: 'vm' },
        { url: 'http://192.168.1.5:8088', reach: 'lan' },
      ],
      generator: 't',
    });
    const lines = script.split('\n');
    const first = lines.indexOf(`chain --autofree http://10.0.2.2:8088/g8os.ipxe?netid=${nwid}&console=ttyS0,115200 ||`);
    const second = lines.indexOf(`chain --autofree http://192.168.1.5:8088/g8os.ipxe?netid=${nwid} ||`);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(lines[first - 1]).toBe(`echo g8boot: boot URL 1 of 2 (for a VM on this computer): http://10.0.2.2:8088/g8os.ipxe?netid=${nwid}&console=ttyS0,115200`);
    expect(lines[first + 1]).toBe('echo g8boot: boot URL 1 of 2 failed (see above); trying the next one');
    expect(lines[second - 1]).toMatch(/^echo g8boot: boot URL 2 of 2 \(for LAN machines\)/);
    expect(script).toMatch(/none of the 2 boot URLs worked/);
    const labels = new Set(lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1)));
    for (const [, target] of script.matchAll(/goto (\S+)/g)) expect(labels).toContain(target);
    // Nothing but validated tokens and fixed words: every echo is inert.
    expect(script.match(/\$\{/g)?.length).toBe(renderStage1({ networkId: nwid, kernelUrl: 'http://h/k', generator: 't' }).match(/\$\{/g)?.length);
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
