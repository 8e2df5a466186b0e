/**
 * VirtualBox through VBoxManage: the sequence of FIELD-NOTES §6 (createvm, modifyvm, storagectl,
 * storageattach, startvm --type headless), the machine files inside g8boot's VM directory (--basefolder), the
 * VM addressed by UUID once created, and a VM that fails half-way unregistered and deleted.
 */
import { dirname, join } from 'node:path';
import { InvalidInputError, MissingDependencyError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';
import { binaryMissing, nameTaken } from '../errors.ts';
import type { Host } from '../host.ts';
import { lanAddress } from '../lan-address.ts';
import { listVmRecords, VM_NAME_PREFIX } from '../records.ts';
import { readLogLines } from '../serial-log.ts';
import type { Detection, DriverFactory, HypervisorVm, NetworkMode, StartResult, VmRecord, VmStatus } from '../types.ts';
import { NOT_FOUND, vboxDriverNotLoaded, vboxFailure } from './failures.ts';
import { parseBridgedIfs, parseMachineReadable, parseVBoxVersion, parseVmList, stateFromVBox, type BridgedIf } from './machine-info.ts';
import { findVBoxManage, machineLocked, VBOXMANAGE, VBoxManageFailure, vboxManage, type VBoxManage } from './vboxmanage.ts';

/** The NIC iPXE drives on VirtualBox: the Intel PRO/1000 MT Desktop, as the G8OS docs used. */
export const VBOX_NIC_TYPE = '82540EM';
const POWER_OFF_WAIT_MS = 10_000;
/**
 * How often `unregistervm` is tried while VirtualBox says the machine is locked: a session can outlive a
 * poweroff by a few seconds (a second apart).
 */
export const UNREGISTER_TRIES = 10;
/** VMState values in which VirtualBox holds the machine's session: `controlvm poweroff` first. */
const HOLDS_SESSION = new Set(['running', 'paused', 'gurumeditation', 'stuck', 'starting', 'stopping', 'saving', 'restoring', 'teleporting', 'teleportingpausedvm', 'teleportingin', 'livesnapshotting', 'onlinesnapshotting']);

/**
 * Why `vm logs` shows nothing before the kernel prints: VirtualBox's firmware has no serial mirror of its
 * screen (SeaBIOS's sercon-port has no VirtualBox counterpart), so iPXE's lines appear only in the VM window.
 */
export const VBOX_EARLY_CONSOLE_NOTE =
  "VirtualBox's firmware does not copy its screen to the serial port, so iPXE's lines show only in the VM's window " +
  '(VirtualBox Manager > Show); this log starts when the G8OS kernel prints (console=ttyS0,115200).';

/**
 * modifyvm's arguments. VirtualBox 7 documents hyphenated spellings (--nic-type1, --uart-mode1,
 * --bridge-adapter1); it still accepts the old ones, which are the only ones 6.x knows.
 */
export function modifyVmArgs(record: VmRecord, major: number): string[] {
  const v7 = major >= 7;
  // 7.x's NAT drops guest connections to 10.0.2.2 when that is the host's loopback, where g8boot's boot
  // service listens by default (FIELD-NOTES §6); 6.1 has neither the restriction nor the option.
  const nic =
    record.network.kind === 'bridged'
      ? ['--nic1', 'bridged', v7 ? '--bridge-adapter1' : '--bridgeadapter1', record.network.device]
      : ['--nic1', 'nat', ...(v7 ? ['--nat-localhostreachable1', 'on'] : [])];
  return [
    '--memory', String(record.memoryMiB),
    '--cpus', String(record.cpus),
    ...nic,
    v7 ? '--nic-type1' : '--nictype1', VBOX_NIC_TYPE,
    '--boot1', 'dvd',
    '--boot2', 'none',
    '--uart1', '0x3F8', '4',
    v7 ? '--uart-mode1' : '--uartmode1', 'file', record.serialLog,
    '--firmware', record.firmware === 'uefi' ? 'efi' : 'bios',
    '--description', `g8boot test node for ZeroTier network ${record.netid ?? '(none)'}`,
  ];
}

export const createVirtualBoxDriver: DriverFactory = (host: Host) => {
  const locate = (): VBoxManage => {
    const path = findVBoxManage(host);
    if (!path) throw binaryMissing('virtualbox', VBOXMANAGE, host.platform);
    return vboxManage(host, path);
  };

  const uuidOf = (record: VmRecord): string => {
    if (!record.virtualbox) throw new Error(`VM ${record.name} has no VirtualBox UUID`);
    return record.virtualbox.uuid;
  };

  // One VBoxManage --version per driver: create() needs the version that detect() already read.
  let detected: Promise<Detection> | undefined;
  const detect = (): Promise<Detection> => (detected ??= readDetection());

  async function readDetection(): Promise<Detection> {
    const vbox = locate();
    // An empty --version happens on Windows now and then (Vagrant retries it too).
    let output = '';
    for (let attempt = 1; attempt <= 3 && !output.trim(); attempt++) {
      if (attempt > 1) await host.sleep(1_000);
      output = await vbox.run(['--version']);
    }
    const parsed = parseVBoxVersion(output);
    let problem = parsed.driverProblem ? vboxDriverNotLoaded(host.platform, parsed.driverProblem) : null;
    if (!problem && (parsed.major === null || parsed.major < 6)) {
      problem = new MissingDependencyError('E_VM_HYPERVISOR_UNSUPPORTED', `VirtualBox ${parsed.version ?? '(unknown version)'} is not supported; g8boot drives VirtualBox 6.x and 7.x.`, {
        hint: 'Update VirtualBox from virtualbox.org.',
      });
    }
    return {
      hypervisor: 'virtualbox',
      binary: vbox.path,
      version: parsed.version,
      acceleration: { available: !parsed.driverProblem, kind: 'VT-x/AMD-V', reason: parsed.driverProblem ?? undefined },
      problem,
      warnings: [],
    };
  }

  async function registeredVms(vbox: VBoxManage) {
    return parseVmList(await vbox.run(['list', 'vms']));
  }

  const majorVersion = async () => Number((await detect()).version?.split('.')[0]);

  async function machineState(vbox: VBoxManage, record: VmRecord): Promise<VmStatus & { vmState?: string | undefined }> {
    try {
      const info = parseMachineReadable(await vbox.run(['showvminfo', uuidOf(record), '--machinereadable']));
      const vmState = info.get('VMState');
      const state = stateFromVBox(vmState);
      if (state === 'crashed') {
        const tail = await readLogLines(record.serialLog, 5);
        return { state, vmState, detail: `VirtualBox reports the VM ${vmState}${tail.length ? `; last console lines:\n${tail.join('\n')}` : ''}` };
      }
      return { state, vmState, ...(state === 'unknown' ? { detail: `VirtualBox state ${vmState ?? '(none)'}` } : {}) };
    } catch (error) {
      if (error instanceof VBoxManageFailure && NOT_FOUND.test(error.stderr)) {
        return { state: 'missing', detail: 'VirtualBox no longer has this VM' };
      }
      throw error;
    }
  }

  const holdsSession = (status: { vmState?: string | undefined }) => status.vmState !== undefined && HOLDS_SESSION.has(status.vmState);

  /** Power off whatever holds the session, a VM stuck in a guru meditation included; judged by VMState, not by words. */
  async function powerOff(vbox: VBoxManage, record: VmRecord): Promise<void> {
    if (!holdsSession(await machineState(vbox, record))) return;
    try {
      await vbox.run(['controlvm', uuidOf(record), 'poweroff']);
    } catch (error) {
      // It may have stopped by itself meanwhile: only a VM still holding its session is a failure.
      if (!(error instanceof VBoxManageFailure) || holdsSession(await machineState(vbox, record))) throw error;
    }
    const deadline = Date.now() + POWER_OFF_WAIT_MS;
    while (holdsSession(await machineState(vbox, record)) && Date.now() < deadline) await host.sleep(250);
  }

  /**
   * Unregister and delete the VM's files: `--delete-all` on 7.x (also releases the DVD image in the machine
   * folder), `--delete` on 6.x, which lacks it. "Locked" (VBOX_E_INVALID_OBJECT_STATE) right after a poweroff is
   * tried again; a VM that holds its session again is powered off first.
   */
  async function unregister(vbox: VBoxManage, record: VmRecord): Promise<void> {
    const deleteOption = (await majorVersion()) >= 7 ? '--delete-all' : '--delete';
    for (let attempt = 1; ; attempt++) {
      try {
        await vbox.run(['unregistervm', uuidOf(record), deleteOption], { tries: 1 });
        return;
      } catch (error) {
        if (!(error instanceof VBoxManageFailure)) throw error;
        if (NOT_FOUND.test(error.stderr)) return;
        if (!machineLocked(error.stderr) || attempt >= UNREGISTER_TRIES) throw error;
      }
      await host.sleep(1_000);
      await powerOff(vbox, record);
    }
  }

  /**
   * The bridged adapter exactly as VirtualBox names it (`list bridgedifs`: "en0: Wi-Fi (AirPort)" on macOS,
   * the adapter's description on Windows); anything else makes startvm fail, so it is refused before.
   */
  async function bridgedAdapter(vbox: VBoxManage, name: string): Promise<BridgedIf> {
    const adapters = parseBridgedIfs(await vbox.run(['list', 'bridgedifs']));
    const found = adapters.find((a) => a.name === name);
    if (found) return found;
    throw new InvalidInputError('E_VM_NETWORK_UNSUPPORTED', `VirtualBox has no host interface ${quote(name)} to bridge to.`, {
      hint: adapters.length
        ? `Use one of the names VirtualBox lists, exactly: ${adapters.map((a) => `"bridged:${a.name}"`).join(', ')}.`
        : 'VirtualBox lists no interface to bridge to (`VBoxManage list bridgedifs`); use --network nat.',
    });
  }

  /** Run `step`, turning VBoxManage's failure into words. */
  async function step<T>(record: VmRecord, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof VBoxManageFailure) throw vboxFailure(error, record, what, host.platform);
      throw error;
    }
  }

  return {
    hypervisor: 'virtualbox',
    detect,

    async hostAddressForGuest(network: NetworkMode): Promise<string> {
      if (network.kind === 'tap') throw new InvalidInputError('E_VM_NETWORK_UNSUPPORTED', 'VirtualBox has no tap networking; use --network nat or --network bridged:<interface>.');
      // VirtualBox's NAT engine shows the host as 10.0.2.2, like QEMU's user networking.
      if (network.kind === 'nat') return '10.0.2.2';
      const adapter = await bridgedAdapter(locate(), network.device);
      return adapter.ip ?? lanAddress(host, network.device);
    },

    consoleNote: () => VBOX_EARLY_CONSOLE_NOTE,

    async create(record: VmRecord): Promise<VmRecord> {
      if (record.media !== 'cd' || !record.image) {
        throw new InvalidInputError('E_VM_MEDIA_UNSUPPORTED', 'On VirtualBox g8boot attaches the boot image as a CD only.', { hint: 'Leave out --media disk.' });
      }
      const image = record.image;
      const detection = await detect();
      if (detection.problem) throw detection.problem;
      const major = Number(detection.version?.split('.')[0]);
      const vbox = locate();
      // Any registered VM counts here, g8boot's or not: VirtualBox itself allows two machines with one name.
      const taken = (await step(record, 'list its VMs', () => registeredVms(vbox))).some((vm) => vm.name === record.name);
      if (taken) throw nameTaken(record.name, 'VirtualBox has a VM with that name');
      // --basefolder is the parent of the VM's directory: VirtualBox puts <name>/<name>.vbox, its logs and disks there.
      const created = await step(record, `create ${record.name}`, () =>
        vbox.run(['createvm', '--name', record.name, '--ostype', 'Linux_64', '--register', '--basefolder', dirname(record.dir)]),
      );
      const uuid = /^UUID:\s*(\S+)/m.exec(created)?.[1];
      if (!uuid) throw vboxFailure(new VBoxManageFailure(['createvm'], 0, created, 'createvm printed no UUID'), record, `create ${record.name}`, host.platform);
      const withId: VmRecord = { ...record, virtualbox: { uuid } };
      try {
        await step(withId, 'configure the VM', () => vbox.run(['modifyvm', uuid, ...modifyVmArgs(withId, major)]));
        await step(withId, 'add a storage controller', () => vbox.run(['storagectl', uuid, '--name', 'IDE', '--add', 'ide']));
        await step(withId, 'attach the boot image', () =>
          vbox.run(['storageattach', uuid, '--storagectl', 'IDE', '--port', '0', '--device', '0', '--type', 'dvddrive', '--medium', image]),
        );
        if (record.dataDiskGiB === null) return { ...withId, dataDisk: null };
        const dataDisk = join(record.dir, 'data.vdi');
        await step(withId, 'create the data disk', () =>
          vbox.run(['createmedium', 'disk', '--filename', dataDisk, '--size', String(record.dataDiskGiB! * 1024), '--format', 'VDI']),
        );
        await step(withId, 'add a SATA controller', () => vbox.run(['storagectl', uuid, '--name', 'SATA', '--add', 'sata', '--portcount', '1']));
        await step(withId, 'attach the data disk', () =>
          vbox.run(['storageattach', uuid, '--storagectl', 'SATA', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', dataDisk]),
        );
        return { ...withId, dataDisk };
      } catch (error) {
        // Half a VM is worse than none: unregister it and delete what VirtualBox created.
        await unregister(vbox, withId).catch(() => undefined);
        throw error;
      }
    },

    async start(record: VmRecord): Promise<StartResult> {
      const vbox = locate();
      await step(record, `start ${record.name}`, async () => {
        try {
          await vbox.run(['startvm', uuidOf(record), '--type', 'headless']);
        } catch (error) {
          // Some hosts exit 1 although the VM started (Vagrant reads "has been successfully started"); VirtualBox 7
          // translates that line, so ask the machine's state instead of reading the words.
          if (!(error instanceof VBoxManageFailure) || (await machineState(vbox, record).catch(() => null))?.state !== 'running') throw error;
        }
      });
      return { record, warnings: [] };
    },

    async stop(record: VmRecord): Promise<void> {
      const vbox = locate();
      await step(record, `stop ${record.name}`, () => powerOff(vbox, record));
    },

    async destroy(record: VmRecord): Promise<void> {
      if (!record.virtualbox) return;
      const vbox = locate();
      await step(record, `remove ${record.name}`, async () => {
        await powerOff(vbox, record);
        await unregister(vbox, record);
      });
    },

    async state(record: VmRecord): Promise<VmStatus> {
      if (!record.virtualbox) return { state: 'missing', detail: 'never registered in VirtualBox' };
      let vbox: VBoxManage;
      try {
        vbox = locate();
      } catch (error) {
        return { state: 'unknown', detail: (error as Error).message };
      }
      return step(record, `read the state of ${record.name}`, () => machineState(vbox, record));
    },

    /** Registered VMs named g8-… or recorded by g8boot: `vm up` checks names against these. */
    async list(): Promise<HypervisorVm[]> {
      const vbox = locate();
      const { records } = await listVmRecords(host.dirs);
      const ours = new Set(records.flatMap((r) => (r.virtualbox ? [r.virtualbox.uuid] : [])));
      return (await registeredVms(vbox)).filter((vm) => vm.name.startsWith(VM_NAME_PREFIX) || ours.has(vm.uuid)).map((vm) => ({ name: vm.name, id: vm.uuid }));
    },
  };
};
