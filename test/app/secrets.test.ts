import { describe, expect, it } from 'vitest';
import { openToken, sealToken, secretStorage } from '../../main/app/service/secrets.ts';
import { fakeCipher } from './deps.ts';

describe('secret storage', () => {
  it('names the kind of storage: OS keyring, Linux plain-text fallback, none', () => {
    expect(secretStorage(fakeCipher(), 'darwin')).toBe('os');
    expect(secretStorage(fakeCipher({ backend: 'kwallet5' }), 'linux')).toBe('os');
    expect(secretStorage(fakeCipher({ backend: 'basic_text' }), 'linux')).toBe('basic-text');
    expect(secretStorage(fakeCipher({ backend: 'unknown' }), 'linux')).toBe('basic-text');
    expect(secretStorage(fakeCipher({ available: false }), 'win32')).toBe('unavailable');
  });

  it('seals a token so the ciphertext does not contain it, and opens it again', () => {
    const cipher = fakeCipher();
    const sealed = sealToken(cipher, 'linux', 'secret-token-123');
    expect(sealed).not.toContain('secret-token-123');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('secret-token-123');
    expect(openToken(cipher, sealed)).toBe('secret-token-123');
  });

  it('refuses to store a token without encryption, saying what to do', () => {
    expect(() => sealToken(fakeCipher({ available: false }), 'linux', 't')).toThrow(expect.objectContaining({ code: 'E_SECRET_STORAGE_UNAVAILABLE', hint: expect.stringContaining('keyring') }));
  });

  it('reports a token that cannot be decrypted any more without quoting it', () => {
    expect(() => openToken(fakeCipher(), Buffer.from('garbage').toString('base64'))).toThrow(expect.objectContaining({ code: 'E_SECRET_UNREADABLE' }));
  });
});
