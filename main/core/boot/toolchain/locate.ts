/**
 * Where the toolchain lives. One function for every way g8boot runs, so no caller guesses paths:
 *
 * 1. `$G8BOOT_TOOLCHAIN_DIR` (tests, unusual installs);
 * 2. a packaged Electron app: `<process.resourcesPath>/toolchain` (electron-builder's extraResources). The
 *    Electron shell passes resourcesPath in: the core never imports electron;
 * 3. the project tree: `<project>/resources/toolchain`, where `npm run toolchain` puts it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MissingDependencyError } from '../../../common/errors.ts';

export interface FindToolchainDirOptions {
  /**
   * `process.resourcesPath` of a packaged Electron app (`app.isPackaged`); leave unset elsewhere, including
   * `electron .` in a checkout, where it points into node_modules/electron.
   */
  resourcesPath?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export function findToolchainDir(options: FindToolchainDirOptions = {}): string {
  const fromEnv = (options.env ?? process.env).G8BOOT_TOOLCHAIN_DIR;
  if (fromEnv) return resolve(fromEnv);
  if (options.resourcesPath) return join(options.resourcesPath, 'toolchain');
  return join(projectRoot(), 'resources', 'toolchain');
}

let cachedRoot: string | undefined;

/**
 * The g8boot project directory, found by walking up from this module to the package.json named g8boot.
 * A fixed `../..` would not do: this code runs from main/core/boot/toolchain/ (sources, tests), from
 * dist/cli.mjs or a lazily loaded chunk in dist/cli/ (the CLI bundle) and from dist/app/ (Electron main).
 */
function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isG8bootPackage(join(dir, 'package.json'))) return (cachedRoot = dir);
    if (dirname(dir) === dir) break;
  }
  throw new MissingDependencyError('E_TOOLCHAIN_DIR_UNKNOWN', `Cannot tell where the iPXE toolchain is: no g8boot package.json above ${start}.`, {
    hint: 'Set G8BOOT_TOOLCHAIN_DIR to the directory that holds the toolchain (fill it with `g8boot toolchain fetch`).',
  });
}

function isG8bootPackage(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === 'g8boot';
  } catch {
    return false;
  }
}
