/**
 * The ZeroTier Central token at rest: encrypted with Electron's safeStorage (Keychain, DPAPI, libsecret/kwallet),
 * kept in the settings file as base64 ciphertext, decrypted only to build the Central client. It never appears in
 * state, events, errors or logs. The cipher is injected (Electron's `safeStorage` in the app, a fake in tests).
 */
import { G8bootError } from '../../common/errors.ts';
import type { AppState } from '../../common/ipc.ts';

/** The part of Electron's `safeStorage` g8boot uses. */
export interface SecretCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: basic_text, gnome_libsecret, kwallet, kwallet5, kwallet6 or unknown. */
  getSelectedStorageBackend?(): string;
}

export type SecretStorage = AppState['secretStorage'];

export function secretStorage(cipher: SecretCipher, platform: NodeJS.Platform): SecretStorage {
  if (!cipher.isEncryptionAvailable()) return 'unavailable';
  if (platform !== 'linux') return 'os';
  const backend = cipher.getSelectedStorageBackend?.() ?? 'unknown';
  // `unknown` means Electron has not picked a keyring; treat it like the plain-text fallback and warn.
  return backend === 'basic_text' || backend === 'unknown' ? 'basic-text' : 'os';
}

export function sealToken(cipher: SecretCipher, platform: NodeJS.Platform, token: string): string {
  if (secretStorage(cipher, platform) === 'unavailable') {
    throw new G8bootError('E_SECRET_STORAGE_UNAVAILABLE', 'g8boot cannot store the ZeroTier Central token: this system offers no encrypted storage.', {
      hint:
        platform === 'linux'
          ? 'Install and unlock a keyring (GNOME Keyring or KWallet), then connect again; or use the controller on this machine (Local) instead of Central.'
          : 'Unlock your login keychain (macOS) or sign in to your Windows account normally, then connect again.',
    });
  }
  return cipher.encryptString(token).toString('base64');
}

export function openToken(cipher: SecretCipher, ciphertext: string): string {
  try {
    return cipher.decryptString(Buffer.from(ciphertext, 'base64'));
  } catch {
    throw new G8bootError('E_SECRET_UNREADABLE', 'The stored ZeroTier Central token cannot be decrypted.', {
      hint: 'The keyring it was encrypted with has changed (new login keychain, another user, reinstalled system). Connect to ZeroTier Central again with your token.',
    });
  }
}
