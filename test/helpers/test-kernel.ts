/**
 * A real Linux kernel (bzImage with an EFI stub) for boot tests: Debian's, fetched by
 * scripts/install-test-deps.sh into .cache/test-kernel/vmlinuz without installing it as this machine's
 * kernel. $G8BOOT_TEST_KERNEL overrides; an installed /boot/vmlinuz-* also works.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.ts';
import { buildTestInitramfs } from './initramfs.ts';

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

/**
 * Fill a kernel directory as the boot service serves it (created if missing): the test kernel as `g8os-test` and,
 * beside it, the busybox initramfs whose init prints /proc/cmdline (CMDLINE_MARKER) on the serial console.
 */
export function installTestKernel(kernelDir: string): void {
  mkdirSync(kernelDir, { recursive: true });
  copyFileSync(testKernelPath(), join(kernelDir, 'g8os-test'));
  writeFileSync(join(kernelDir, 'g8os-test.initrd'), buildTestInitramfs());
}
