/** The drivers by name, and which hypervisor to use when the person does not say. */
import { G8bootError, MissingDependencyError } from '../../common/errors.ts';
import { HYPERVISOR_NAMES, installHint } from './errors.ts';
import type { Host } from './host.ts';
import { createQemuDriver } from './qemu/driver.ts';
import type { Detection, DriverFactory, DriverOptions, Hypervisor, VmDriver } from './types.ts';
import { createVirtualBoxDriver } from './virtualbox/driver.ts';
import { createXhyveDriver } from './xhyve/driver.ts';

const FACTORIES: Record<Hypervisor, DriverFactory> = {
  qemu: createQemuDriver,
  virtualbox: createVirtualBoxDriver,
  xhyve: createXhyveDriver,
};

export function createDriver(hypervisor: Hypervisor, host: Host, options: DriverOptions = {}): VmDriver {
  return FACTORIES[hypervisor](host, options);
}

/** The order to try hypervisors in when none is named: what developers on each OS most likely have. */
export function preferredHypervisors(platform: NodeJS.Platform, arch: string): Hypervisor[] {
  if (platform === 'win32') return ['virtualbox', 'qemu'];
  if (platform === 'darwin') return arch === 'x64' ? ['qemu', 'virtualbox', 'xhyve'] : ['qemu'];
  return ['qemu', 'virtualbox'];
}

export interface DetectionReport {
  hypervisor: Hypervisor;
  detection: Detection | null;
  /** Why the hypervisor cannot be used (not installed, broken); null when detected. */
  error: G8bootError | null;
}

export async function detectHypervisors(host: Host, hypervisors: readonly Hypervisor[]): Promise<DetectionReport[]> {
  return Promise.all(
    hypervisors.map(async (hypervisor) => {
      try {
        return { hypervisor, detection: await createDriver(hypervisor, host).detect(), error: null };
      } catch (error) {
        if (error instanceof G8bootError) return { hypervisor, detection: null, error };
        throw error;
      }
    }),
  );
}

/** The first preferred hypervisor that is installed and able to start a VM. */
export async function chooseHypervisor(host: Host): Promise<Hypervisor> {
  const order = preferredHypervisors(host.platform, host.arch);
  const reports = await detectHypervisors(host, order);
  const usable = reports.find((r) => r.detection && !r.detection.problem);
  if (usable) return usable.hypervisor;
  const why = reports.map((r) => `${HYPERVISOR_NAMES[r.hypervisor]}: ${(r.error ?? r.detection?.problem)?.message ?? 'unusable'}`).join(' ');
  throw new MissingDependencyError('E_VM_NO_HYPERVISOR', `No usable hypervisor was found. ${why}`, {
    hint: installHint(order[0] ?? 'qemu', host.platform),
  });
}
