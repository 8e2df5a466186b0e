/**
 * A real Linux kernel (bzImage with an EFI stub) for boot tests: Debian's, fetched by
 * scripts/install-test-deps.sh into .cache/test-kernel/vmlinuz without installing it as this machine's
 * kernel. $G8BOOT_TEST_KERNEL overrides; an installed /boot/vmlinuz-* also works.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

export function testKernelPath(): string {
  const candidates = [
    process.env.G8BOOT_TEST_KERNEL,
    join(ROOT, '.cache', 'test-kernel', 'vmlinuz'),
    ...(existsSync('/boot') ? readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')).sort().reverse().map((f) => join('/boot', f)) : []),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('No Linux kernel for boot tests: run scripts/install-test-deps.sh (or set G8BOOT_TEST_KERNEL).');
  return found;
}
