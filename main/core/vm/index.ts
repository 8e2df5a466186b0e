/** Test VMs: one workflow (vm-manager) over one driver interface for QEMU, VirtualBox and xhyve. */
export type { Acceleration, BootMedia, Detection, DriverOptions, Firmware, Hypervisor, HypervisorVm, NetworkMode, QemuAccel, StartOptions, StartResult, VmDriver, VmRecord, VmState, VmStatus } from './types.ts';
export { HYPERVISORS } from './types.ts';
export { defaultHost, type Host } from './host.ts';
export { chooseHypervisor, createDriver, detectHypervisors, preferredHypervisors, type DetectionReport } from './drivers.ts';
export { VM_DEFAULTS, parseNetworkMode, parseVmUpRequest, vmConsoleNote, vmDown, vmList, vmRecord, vmRemove, vmUp, type VmSummary, type VmUpRequest, type VmUpResult } from './vm-manager.ts';
export { EXPECTATION_TTL_MS, onVmStarted, recentVmStarts, recordVmStart, type VmStartExpectation } from './expectations.ts';
export { followLog, readLogTail } from './serial-log.ts';
