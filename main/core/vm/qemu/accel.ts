/**
 * Which accelerator QEMU should use: KVM when /dev/kvm is usable (Linux), Hypervisor.framework on Intel
 * Macs, WHPX on Windows, else TCG (pure emulation, several times slower) with a warning.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import type { Host } from '../host.ts';
import type { QemuAccel } from '../types.ts';

export interface AccelChoice {
  accel: QemuAccel;
  /** Why the hardware accelerator is not used, when it is not. */
  reason?: string | undefined;
  /** What to do to get it. */
  hint?: string | undefined;
}

function kvmChoice(devKvm: string): AccelChoice {
  if (!existsSync(devKvm)) {
    return {
      accel: 'tcg',
      reason: `${devKvm} does not exist (KVM is not loaded, or virtualization is off in the firmware settings)`,
      hint: 'Turn on VT-x/AMD-V in the BIOS/UEFI setup and load KVM: `sudo modprobe kvm_intel` (or kvm_amd).',
    };
  }
  try {
    accessSync(devKvm, constants.R_OK | constants.W_OK);
    return { accel: 'kvm' };
  } catch {
    return {
      accel: 'tcg',
      reason: `${devKvm} is not accessible to this user`,
      hint: 'Add yourself to the kvm group (`sudo usermod -aG kvm $USER`) and log in again.',
    };
  }
}

async function hvfChoice(host: Host): Promise<AccelChoice> {
  if (host.arch !== 'x64') {
    return { accel: 'tcg', reason: 'x86-64 guests cannot use Hypervisor.framework on Apple silicon', hint: 'Expect a slow boot; it still works.' };
  }
  const result = await host.run('sysctl', ['-n', 'kern.hv_support'], { timeoutMs: 10_000 }).catch(() => null);
  if (result?.stdout.trim() === '1') return { accel: 'hvf' };
  return { accel: 'tcg', reason: "this Mac's CPU does not support Hypervisor.framework (kern.hv_support is not 1)" };
}

/** The best accelerator this machine offers. `/dev/kvm` is a parameter so tests can point it elsewhere. */
export async function bestAccel(host: Host, devKvm = '/dev/kvm'): Promise<AccelChoice> {
  switch (host.platform) {
    case 'linux':
      return kvmChoice(devKvm);
    case 'darwin':
      return hvfChoice(host);
    case 'win32':
      // Whether the Windows Hypervisor Platform is enabled cannot be read without admin rights; QEMU is given
      // `-accel whpx -accel tcg` and falls back by itself.
      return { accel: 'whpx' };
    default:
      return { accel: 'tcg', reason: `no QEMU accelerator is known for ${host.platform}` };
  }
}
