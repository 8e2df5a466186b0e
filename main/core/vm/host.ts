/**
 * Everything the VM code learns from or does to this machine, in one injectable object: the OS, the
 * environment (PATH, overrides), the user, g8boot's directories, how commands run and how long retries wait.
 * Tests point it at fake hypervisor binaries and temporary directories; nothing here is global.
 */
import { readFile } from 'node:fs/promises';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { g8bootDirs, type G8bootDirs } from '../paths.ts';
import { runCommand, type CommandRunner } from './exec.ts';

export interface Host {
  platform: NodeJS.Platform;
  arch: string;
  env: NodeJS.ProcessEnv;
  /** Effective user id; null where there is none (Windows). */
  uid: number | null;
  dirs: G8bootDirs;
  run: CommandRunner;
  networkInterfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  sleep: (ms: number) => Promise<void>;
  /** What identifies this boot of the machine (facts that hold until a reboot are keyed by it); null when unknown. */
  bootId: () => Promise<string | null>;
}

/** Linux: the kernel's random boot id; macOS: the boot session UUID; elsewhere unknown. */
async function readBootId(platform: NodeJS.Platform, run: CommandRunner): Promise<string | null> {
  if (platform === 'linux') return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim() || null;
  if (platform === 'darwin') {
    const result = await run('sysctl', ['-n', 'kern.bootsessionuuid'], { timeoutMs: 10_000 }).catch(() => null);
    return (result?.code === 0 && result.stdout.trim()) || null;
  }
  return null;
}

export function defaultHost(overrides: Partial<Host> = {}): Host {
  const env = overrides.env ?? process.env;
  const platform = overrides.platform ?? process.platform;
  // Child processes see the host's environment, so an injected PATH or override reaches them too.
  const run = overrides.run ?? ((file, args, options = {}) => runCommand(file, args, { env, ...options }));
  return {
    platform,
    arch: process.arch,
    env,
    uid: typeof process.geteuid === 'function' ? process.geteuid() : null,
    dirs: g8bootDirs(env),
    run,
    networkInterfaces,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    bootId: () => readBootId(platform, run),
    ...overrides,
  };
}
