/**
 * AppDeps for tests, built from real parts: conf stores in a temporary G8BOOT_HOME (the files the app writes),
 * a stand-in for Electron's safeStorage (a reversible cipher whose output never contains the plain text), and
 * recorders for the desktop calls (dialogs, clipboard, openExternal, login item). Also what a harness outside
 * test/app (the renderer's Chromium tests) can use to get a working G8bootApi in Node:
 *
 *   const deps = await testAppDeps();                 // new temp home, removed by deps.cleanup()
 *   const service = createAppService(deps);
 *   await service.api.connect({ kind: 'demo' });
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfStore } from '../../main/core/store/index.ts';
import { g8bootDirs } from '../../main/core/paths.ts';
import type { AppDeps } from '../../main/app/service/app-service.ts';
import type { SaveFileOptions } from '../../main/app/service/image-builder.ts';
import type { SecretCipher } from '../../main/app/service/secrets.ts';
import { SETTINGS_FILE } from '../../main/app/settings/app-settings.ts';

/** A reversible "encryption" standing in for safeStorage: XOR and a marker, so plain text never shows. */
export function fakeCipher(options: { available?: boolean; backend?: string } = {}): SecretCipher & { encrypted: number } {
  const cipher = {
    encrypted: 0,
    isEncryptionAvailable: () => options.available ?? true,
    encryptString(text: string) {
      cipher.encrypted++;
      return Buffer.concat([Buffer.from('FAKE'), Buffer.from(text, 'utf8').map((b) => b ^ 0x5a)]);
    },
    decryptString(data: Buffer) {
      if (data.subarray(0, 4).toString() !== 'FAKE') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(data.subarray(4).map((b) => b ^ 0x5a)).toString('utf8');
    },
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
  };
  return cipher;
}

export interface TestDeps extends AppDeps {
  home: string;
  saveDialogs: SaveFileOptions[];
  /** What the next save dialogs answer (a path, or null for cancel); default: a file in the home. */
  saveAnswers: (string | null)[];
  copied: string[];
  opened: string[];
  loginItemCalls: boolean[];
  logLines: string[];
  cleanup(): Promise<void>;
}

export async function testAppDeps(options: { home?: string; cipher?: SecretCipher; platform?: AppDeps['platform']; env?: NodeJS.ProcessEnv } = {}): Promise<TestDeps> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'g8boot-app-test-')));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...options.env, G8BOOT_HOME: home, ZEROTIER_HOME: join(home, 'no-zerotier') };
  const dirs = g8bootDirs(env);
  const logLines: string[] = [];
  const log = (line: string) => logLines.push(line);
  const deps: TestDeps = {
    home,
    settings: createConfStore({ name: SETTINGS_FILE, cwd: dirs.config, log }),
    inventory: createConfStore({ name: 'nodes', cwd: dirs.data, log }),
    secrets: options.cipher ?? fakeCipher(),
    saveDialogs: [],
    saveAnswers: [],
    copied: [],
    opened: [],
    loginItemCalls: [],
    logLines,
    dialogs: {
      async saveFile(request) {
        deps.saveDialogs.push(request);
        const answer = deps.saveAnswers.shift();
        return answer === undefined ? join(home, request.defaultName) : answer;
      },
    },
    clipboard: { writeText: (text) => void deps.copied.push(text) },
    openExternal: async (url) => void deps.opened.push(url),
    loginItem: { set: async (enabled) => void deps.loginItemCalls.push(enabled) },
    platform: options.platform ?? 'linux',
    env,
    log,
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
  return deps;
}
