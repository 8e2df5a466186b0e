import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../main/common/errors.ts';
import {
  parseBaseUrl,
  parseBootNetworkId,
  isLoopbackHost,
  parseHttpUrl,
  parseListenAddress,
  parseKernelArgs,
  parseNetworkId,
  parseNodeId,
} from '../../main/common/validate.ts';

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('network ids', () => {
  it('accepts 16 hex digits and lower-cases them', () => {
    expect(parseNetworkId('8056C2E21C000001')).toBe('8056c2e21c000001');
    expect(parseNetworkId(' 8056c2e21c000001 ')).toBe('8056c2e21c000001');
  });
  it.each([
    ['', 'it is empty'],
    ['8056c2e21c00000', 'it has 15 digits, not 16'],
    ['8056c2e21c0000011', 'it has 17 digits, not 16'],
    ['8056c2e21c00000g', '"g" is not a hexadecimal digit'],
    ['8056c2e2 1c000001', '" " is not a hexadecimal digit'],
  ])('rejects %j (%s)', (input, why) => {
    const error = errorOf(() => parseNetworkId(input));
    expect(error.message).toContain(why);
    expect(error.code).toBe('E_INVALID_NETWORK_ID');
    expect(error.exitCode).toBe(2);
    expect(error.hint).toMatch(/16 hexadecimal digits/);
  });
  it('maps 0 and null to "no ZeroTier" for boot requests only', () => {
    expect(parseBootNetworkId('0')).toBeNull();
    expect(parseBootNetworkId('NULL')).toBeNull();
    expect(errorOf(() => parseNetworkId('0')).code).toBe('E_INVALID_NETWORK_ID');
    expect(errorOf(() => parseBootNetworkId('00')).hint).toMatch(/0 or null/);
  });
});

describe('node ids', () => {
  it('accepts 10 hex digits', () => expect(parseNodeId('89E92CEEE5')).toBe('89e92ceee5'));
  it.each(['89e92ceee', '89e92ceee5a', 'zz9e92ceee', ''])('rejects %j', (input) => {
    expect(errorOf(() => parseNodeId(input)).code).toBe('E_INVALID_NODE_ID');
  });
});

describe('URLs for iPXE scripts', () => {
  it('normalizes http and https URLs', () => {
    expect(parseHttpUrl('http://10.0.2.2:8080/kernel/g8os.efi')).toBe('http://10.0.2.2:8080/kernel/g8os.efi');
    expect(parseHttpUrl('HTTPS://Example.org/a?b=c')).toBe('https://example.org/a?b=c');
  });
  it.each([
    ['ftp://example.org/x', 'only http and https'],
    ['file:///etc/passwd', 'only http and https'],
    ['tftp://10.0.0.1/x', 'only http and https'],
    ['not a url', 'spaces or control'],
    ['http://example.org/a\nchain http://evil/', 'spaces or control'],
    ['http://example.org/${net0/mac}', 'iPXE would interpret'],
    ['http://example.org/a?x=$y', 'iPXE would interpret'],
    ['http://example.org/a#frag', 'fragment'],
    ['http://', 'not a valid URL'],
    ['', 'empty'],
  ])('rejects %j', (input, why) => {
    const error = errorOf(() => parseHttpUrl(input));
    expect(error.message).toContain(why);
    expect(error.code).toBe('E_INVALID_URL');
  });
  it('base URLs lose the trailing slash and refuse queries', () => {
    expect(parseBaseUrl('http://10.0.2.2:8080/')).toBe('http://10.0.2.2:8080');
    expect(parseBaseUrl('http://host/boot/')).toBe('http://host/boot');
    expect(errorOf(() => parseBaseUrl('http://host/?netid=1')).message).toContain('query string');
  });
});

describe('kernel arguments', () => {
  it('splits words', () => {
    expect(parseKernelArgs(' development  console=ttyS0,115200n8 debug ')).toEqual(['development', 'console=ttyS0,115200n8', 'debug']);
    expect(parseKernelArgs(undefined)).toEqual([]);
    expect(parseKernelArgs('')).toEqual([]);
  });
  it.each([
    ['debug\nshell', 'newline or control'],
    ['debug\rshell', 'newline or control'],
    ['a\u0000b', 'newline or control'],
    ['x=${ip}', 'quote, backslash or "$"'],
    ['a="b c"', 'quote'],
    ['debug || shell', 'separator'],
    ['debug ; shell', 'separator'],
    ['debug && shell', 'separator'],
    ['#comment', 'comment'],
    ['zerotier=8056c2e21c000001', 'use --netid'],
    ['caf\u00e9', 'printable ASCII'],
    ['x'.repeat(1025), 'limit is 1024'],
  ])('rejects %j', (input, why) => {
    const error = errorOf(() => parseKernelArgs(input));
    expect(error.message).toContain(why);
    expect(error.code).toBe('E_INVALID_KERNEL_ARGS');
  });
});

describe('listen addresses', () => {
  it('takes address:port, [v6]:port, or a bare port on loopback', () => {
    expect(parseListenAddress('0.0.0.0:8088')).toEqual({ host: '0.0.0.0', port: 8088 });
    expect(parseListenAddress('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseListenAddress(' 9000 ')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });
  it.each(['nonsense', '127.0.0.1:99999', '[::1:8088', '127.0.0.1:', 'a b:80', 'x$y:80'])('refuses %j', (input) => {
    const error = errorOf(() => parseListenAddress(input, 'boot service address'));
    expect(error.code).toBe('E_INVALID_LISTEN');
    expect(error.message).toContain('Invalid boot service address');
  });
  it('knows loopback hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.77.3.9', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.2.2', '128.0.0.1', '::', 'example.org']) expect(isLoopbackHost(host)).toBe(false);
  });
});
