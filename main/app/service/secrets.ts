/**
 * Secrets at rest: the ZeroTier Central token and core0's Redis passwords (JWTs), encrypted with Electron's
 * safeStorage (Keychain, DPAPI, libsecret/kwallet), kept in the settings file as base64 ciphertext, decrypted only
 * where used (building the Central client; before a sweep). They never appear in state, events, errors or logs.
 * The cipher is injected (Electron's `safeStorage` in the app, a fake in tests).
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

/** What a secret is, in messages: its name, what to do instead when it cannot be stored, how to give it again. */
interface SecretKind {
  name: string;
  otherwise: string;
  again: string;
}

const CENTRAL_TOKEN: SecretKind = {
  name: 'the ZeroTier Central token',
  otherwise: 'or use the controller on this machine (Local) instead of Central',
  again: 'Connect to ZeroTier Central again with your token.',
};

const REDIS_PASSWORD: SecretKind = {
  name: "core0's Redis password",
  otherwise: "or give the path of a file holding core0's JWT instead",
  again: "Enter core0's Redis password (its JWT) again in Settings.",
};

function seal(kind: SecretKind, cipher: SecretCipher, platform: NodeJS.Platform, secret: string): string {
  if (secretStorage(cipher, platform) === 'unavailable') {
    throw new G8bootError('E_SECRET_STORAGE_UNAVAILABLE', `g8boot cannot store ${kind.name}: this system offers no encrypted storage.`, {
      hint:
        platform === 'linux'
          ? `Install and unlock a keyring (GNOME Keyring or KWallet), then try again; ${kind.otherwise}.`
          : 'Unlock your login keychain (macOS) or sign in to your Windows account normally, then try again.',
    });
  }
  return cipher.encryptString(secret).toString('base64');
}

function open(kind: SecretKind, cipher: SecretCipher, ciphertext: string): string {
  try {
    return cipher.decryptString(Buffer.from(ciphertext, 'base64'));
  } catch {
    throw new G8bootError('E_SECRET_UNREADABLE', `The stored ${kind.name.replace(/^the /, '')} cannot be decrypted.`, {
      hint: `The keyring it was encrypted with has changed (new login keychain, another user, reinstalled system). ${kind.again}`,
    });
  }
}

export const sealToken = (cipher: SecretCipher, platform: NodeJS.Platform, token: string) => seal(CENTRAL_TOKEN, cipher, platform, token);
export const openToken = (cipher: SecretCipher, ciphertext: string) => open(CENTRAL_TOKEN, cipher, ciphertext);
export const sealRedisPassword = (cipher: SecretCipher, platform: NodeJS.Platform, password: string) => seal(REDIS_PASSWORD, cipher, platform, password);
export const openRedisPassword = (cipher: SecretCipher, ciphertext: string) => open(REDIS_PASSWORD, cipher, ciphertext);
