/**
 * Where g8boot keeps things on this machine, per OS conventions (env-paths: XDG on Linux, ~/Library on
 * macOS, %APPDATA%/%LOCALAPPDATA% on Windows), the same directories conf and electron-store use for
 * settings. `G8BOOT_HOME` puts everything under one directory instead (tests, portable installs).
 */
import envPaths from 'env-paths';
import { join } from 'node:path';

export interface G8bootDirs {
  /** Settings (conf / electron-store files). */
  config: string;
  /** Durable state: VM definitions and disks, the node inventory, kernels. */
  data: string;
  /** Re-creatable downloads (Debian packages, kernels being fetched). */
  cache: string;
  /** Run-time state: pid files, serial logs, sockets. Kept across reboots, so readers recover stale pid files. */
  state: string;
}

export function g8bootDirs(env: NodeJS.ProcessEnv = process.env): G8bootDirs {
  const home = env.G8BOOT_HOME;
  if (home) {
    return { config: join(home, 'config'), data: join(home, 'data'), cache: join(home, 'cache'), state: join(home, 'state') };
  }
  const paths = envPaths('g8boot', { suffix: '' });
  return { config: paths.config, data: paths.data, cache: paths.cache, state: join(paths.data, 'run') };
}
