/**
 * Everything the VM code learns from or does to this machine, in one injectable object: the OS, the
 * environment (PATH, overrides), the user, g8boot's directories, how commands run and how long retries wait.
 * Tests point it at fake hypervisor binaries and temporary directories; nothing here is global.
 */
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
}

export function defaultHost(overrides: Partial<Host> = {}): Host {
  const env = overrides.env ?? process.env;
  return {
    platform: process.platform,
    arch: process.arch,
    env,
    uid: typeof process.geteuid === 'function' ? process.geteuid() : null,
    dirs: g8bootDirs(env),
    // Child processes see the host's environment, so an injected PATH or override reaches them too.
    run: (file, args, options = {}) => runCommand(file, args, { env, ...options }),
    networkInterfaces,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    ...overrides,
  };
}
