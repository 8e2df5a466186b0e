/**
 * The vocabulary of test VMs: what a VM record holds, the states a VM can be in, and the one interface every
 * hypervisor driver (QEMU, VirtualBox, xhyve) implements.
 */
import type { G8bootError } from '../../common/errors.ts';
import type { NetworkId } from '../../common/validate.ts';
import type { Host } from './host.ts';

export const HYPERVISORS = ['qemu', 'virtualbox', 'xhyve'] as const;
export type Hypervisor = (typeof HYPERVISORS)[number];

export type Firmware = 'bios' | 'uefi';

/** How the boot image is attached: as a CD, or as a disk (the USB stick case). */
export type BootMedia = 'cd' | 'disk';

/**
 * The guest's network. `nat` is QEMU user-mode networking, VirtualBox NAT or xhyve's vmnet (shared mode);
 * `bridged` puts the guest on a host interface's LAN (a QEMU bridge, a VirtualBox bridged adapter);
 * `tap` attaches QEMU to an existing tap interface.
 */
export type NetworkMode = { kind: 'nat' } | { kind: 'bridged'; device: string } | { kind: 'tap'; device: string };

/**
 * What a VM is doing, derived from the hypervisor and the process table, never only from the record.
 * `crashed`: the process died without being stopped (stale pid file, VirtualBox "aborted").
 * `missing`: g8boot has a record but the hypervisor no longer knows the VM.
 */
export type VmState = 'running' | 'starting' | 'stopping' | 'paused' | 'saved' | 'stopped' | 'crashed' | 'missing' | 'unknown';

export interface VmStatus {
  state: VmState;
  pid?: number | undefined;
  /** Why the state is what it is, in words (e.g. the last lines of the serial log of a crashed VM). */
  detail?: string | undefined;
}

/** The record kept in `<data>/vms/<name>/vm.json`. Paths are absolute. */
export interface VmRecord {
  name: string;
  hypervisor: Hypervisor;
  /** null: booted without ZeroTier (network id 0). */
  netid: NetworkId | null;
  /** The boot service the image chains to; null when xhyve boots the kernel directly. */
  bootUrl: string | null;
  firmware: Firmware;
  media: BootMedia;
  memoryMiB: number;
  cpus: number;
  network: NetworkMode;
  /** Size of the empty data disk, or null for none. */
  dataDiskGiB: number | null;
  createdAt: string;
  /** The VM's durable directory (record, boot image, UEFI variables, data disk). */
  dir: string;
  /** The VM's run-time directory (pid file, serial log). */
  runDir: string;
  /** The boot image built for this VM; null when xhyve boots the kernel directly. */
  image: string | null;
  pidFile: string;
  serialLog: string;
  dataDisk: string | null;
  /** Hypervisor-specific facts, filled in by the driver's create(). */
  qemu?: { accel: QemuAccel; firmwareCode: string | null; varsFile: string | null } | undefined;
  virtualbox?: { uuid: string } | undefined;
  xhyve?: { uuid: string; kernel: string | null; elevated: boolean } | undefined;
}

export type QemuAccel = 'kvm' | 'hvf' | 'whpx' | 'tcg';

export interface Acceleration {
  available: boolean;
  /** The accelerator in use (QEMU), or the host feature (VT-x/AMD-V, Hypervisor.framework). */
  kind: string;
  /** Why acceleration is unavailable, in words. */
  reason?: string | undefined;
}

export interface Detection {
  hypervisor: Hypervisor;
  /** Absolute path of the hypervisor's binary. */
  binary: string;
  /** e.g. "7.2.22", "7.0.14", "0.2.0"; null when the binary does not say. */
  version: string | null;
  acceleration: Acceleration;
  /**
   * What stops this hypervisor from starting a VM right now (VirtualBox's kernel driver not loaded, a requested
   * accelerator missing, no Hypervisor.framework); null when it can. `vm up` throws it before changing anything.
   */
  problem: G8bootError | null;
  /** Things the person should know (e.g. "no KVM: QEMU will emulate, ~10x slower"). */
  warnings: string[];
}

/** A VM the hypervisor itself knows about (VirtualBox's registry; QEMU and xhyve: our records). */
export interface HypervisorVm {
  name: string;
  id?: string | undefined;
}

export interface StartOptions {
  /** Messages for the person while starting (e.g. the elevation step for xhyve, QEMU watching its accelerator). */
  notify?: ((message: string) => void) | undefined;
}

export interface StartResult {
  /** The record as started: QEMU may have fallen back from its hardware accelerator to TCG. */
  record: VmRecord;
  /** Things the person should know about this start (e.g. that fallback, and why). */
  warnings: string[];
}

/**
 * One hypervisor. Every method throws G8bootError with a message in words: binary missing (with the install
 * hint for this OS), acceleration unavailable, name taken, image locked, out of disk.
 */
export interface VmDriver {
  readonly hypervisor: Hypervisor;
  /** Find the binary, its version and whether hardware acceleration is usable. Throws MissingDependencyError. */
  detect(): Promise<Detection>;
  /** The address the guest reaches this machine at, for the given network mode. */
  hostAddressForGuest(network: NetworkMode): Promise<string>;
  /** Make the hypervisor-side VM (VirtualBox registration, UEFI variables, data disk). Returns the completed record. */
  create(record: VmRecord): Promise<VmRecord>;
  start(record: VmRecord, options?: StartOptions): Promise<StartResult>;
  /** Power off. Stopping a stopped VM is not an error. */
  stop(record: VmRecord): Promise<void>;
  /** Remove everything the hypervisor holds for the VM (stops it first). The caller removes the VM's directories. */
  destroy(record: VmRecord): Promise<void>;
  state(record: VmRecord): Promise<VmStatus>;
  /** g8boot's own VMs as the hypervisor knows them. */
  list(): Promise<HypervisorVm[]>;
  /**
   * Why the serial log misses part of the boot on this hypervisor (e.g. no firmware console on the serial port),
   * for `vm logs` to say; null or absent when it shows everything from the first byte.
   */
  consoleNote?(vm: Pick<VmRecord, 'firmware'>): string | null;
}

/** Per-command choices a driver needs besides the record. */
export interface DriverOptions {
  /**
   * QEMU: the accelerator to use; 'auto' (default) picks the best available and falls back to TCG with a
   * warning, also when the hardware accelerator turns out unable to run the guest.
   */
  accel?: QemuAccel | 'auto' | undefined;
  /** xhyve: the G8OS kernel to boot (default: the kernel cache's g8os-kernel). */
  kernel?: string | undefined;
}

export type DriverFactory = (host: Host, options?: DriverOptions) => VmDriver;
