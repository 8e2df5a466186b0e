/**
 * Test hosts for the VM code: a temporary G8BOOT_HOME (so nothing touches the real home), PATH starting with
 * the fake hypervisors, and the rest of Host injectable (platform, uid, network interfaces).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultHost, type Host } from '../../main/core/vm/host.ts';

export const FAKES = fileURLToPath(new URL('../fixtures/fake-hypervisors', import.meta.url));

export interface TestHome {
  dir: string;
  env: NodeJS.ProcessEnv;
  host(overrides?: Partial<Host>): Host;
  cleanup(): void;
}

/** A temporary home; `withFakes` puts the fake VBoxManage/xhyve/sudo/sysctl first on PATH. */
export function testHome(options: { withFakes?: boolean; env?: NodeJS.ProcessEnv } = {}): TestHome {
  const dir = mkdtempSync(join(tmpdir(), 'g8boot-vm-test-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    G8BOOT_HOME: join(dir, 'home'),
    PATH: options.withFakes ? `${FAKES}:${process.env.PATH ?? ''}` : (process.env.PATH ?? ''),
    ...options.env,
  };
  return {
    dir,
    env,
    // Retries wait 1 s on a real machine; tests need not.
    host: (overrides = {}) => defaultHost({ env, sleep: async () => undefined, ...overrides }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function readJsonLines<T>(path: string): T[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Throws when `promise` resolves; returns what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string; exitCode?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
