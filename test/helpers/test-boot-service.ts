/**
 * What the QEMU boot-chain tests boot against: a boot service on loopback serving the test kernel (with the
 * initramfs that prints its command line) from a temp dir of its own, every boot request recorded, and a way to
 * wait for that command line on a VM's serial console.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBootService, type BootEvent, type BootService } from '../../main/core/boot/service/server.ts';
import { loadToolchain } from '../../main/core/boot/toolchain/load.ts';
import { CMDLINE_MARKER } from './initramfs.ts';
import type { QemuBoot } from './qemu.ts';
import { installTestKernel } from './test-kernel.ts';

export interface TestKernelBootService {
  /** The temp dir (kernels/ inside; images and the like may go beside it). */
  dir: string;
  service: BootService;
  /** Every boot request the service answered, in order. */
  boots: BootEvent[];
  /** Close the service and remove the temp dir. */
  close(): Promise<void>;
}

export async function startTestKernelBootService(tempPrefix: string): Promise<TestKernelBootService> {
  const dir = mkdtempSync(join(tmpdir(), tempPrefix));
  const kernels = join(dir, 'kernels');
  const boots: BootEvent[] = [];
  let service: BootService | undefined;
  const close = async () => {
    await service?.close(0);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    installTestKernel(kernels);
    service = await startBootService({ host: '127.0.0.1', port: 0, kernelDir: kernels, toolchain: await loadToolchain() });
    service.events.on('boot', (e) => boots.push(e));
    return { dir, service, boots, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The kernel command line the test initramfs's init prints (its CMDLINE_MARKER line) on the VM's serial console,
 * once it is there; throws after `timeoutMs`, or as soon as QEMU exits.
 */
export async function bootedCommandLine(vm: QemuBoot, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!vm.serial().includes(CMDLINE_MARKER)) {
    if (Date.now() > deadline) throw new Error(`no command line on the serial console after ${timeoutMs} ms`);
    if (vm.process.exitCode !== null) throw new Error(`QEMU exited with ${vm.process.exitCode}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // Give init a moment to finish the line.
  await new Promise((r) => setTimeout(r, 500));
  return vm.serial().split('\n').find((l) => l.includes(CMDLINE_MARKER))!;
}
