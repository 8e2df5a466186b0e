/**
 * Find a hypervisor's binary the way a shell would (PATH, with PATHEXT-style extensions on Windows), then in
 * the places its installers put it: GUI apps on macOS and Windows often start without those on PATH.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { posix, win32 } from 'node:path';
import type { Host } from './host.ts';

export function pathModule(platform: NodeJS.Platform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

function isExecutableFile(path: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Directories on PATH, in order. Windows keeps it as `Path`, and env lookups there are case-insensitive. */
export function searchPath(host: Host): string[] {
  const key = Object.keys(host.env).find((k) => k.toUpperCase() === 'PATH');
  const value = key ? host.env[key] : undefined;
  return (value ?? '').split(host.platform === 'win32' ? ';' : ':').filter((d) => d.length > 0);
}

/**
 * The first executable named `name` on PATH, else the first existing `candidates` entry (absolute paths);
 * null when there is none.
 */
export function findBinary(host: Host, name: string, candidates: readonly string[] = []): string | null {
  const path = pathModule(host.platform);
  const names = host.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of searchPath(host)) {
    for (const file of names) {
      const full = path.join(dir, file);
      if (isExecutableFile(full, host.platform)) return full;
    }
  }
  return candidates.find((c) => isExecutableFile(c, host.platform)) ?? null;
}
