/**
 * The test-VM workflow the CLI and the app share: `up` (validate, build the image into the VM's directory,
 * create, start, remember the start for the node monitor), `list` with states read from the hypervisors,
 * `down`, `remove`. A VM that fails half-way is removed, not left behind.
 */
import { copyFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { G8bootError, InvalidInputError } from '../../common/errors.ts';
import { inspectBootImage, type BootImageFacts } from '../boot/image-reader.ts';
import { DEFAULT_BOOT_SERVICE_PORT, NAT_GUEST_HOST, parseBootUrl, portOf } from '../../common/boot-url.ts';
import { parseBootNetworkId, parseIntInRange, quote, type NetworkId } from '../../common/validate.ts';
import { chooseHypervisor, createDriver } from './drivers.ts';
import { HYPERVISOR_NAMES, outOfDisk, rethrowIfNoSpace } from './errors.ts';
import { recordVmStart } from './expectations.ts';
import type { Host } from './host.ts';
import { claimVmDirs, defaultVmName, listVmRecords, parseVmName, readVmRecord, removeVmDirs, vmNames, vmPaths, writeVmRecord } from './records.ts';
import { HYPERVISORS, type BootMedia, type Detection, type Firmware, type Hypervisor, type NetworkMode, type QemuAccel, type VmRecord, type VmStatus } from './types.ts';

export const VM_DEFAULTS = { memoryMiB: 2048, cpus: 2, firmware: 'bios', media: 'cd' } as const;

/** What a person asks for, as typed (CLI flags, form fields). */
export interface VmUpRequest {
  hypervisor?: string | undefined;
  /** Required unless `image` is an image g8boot built (its network id is read from it). */
  netid?: string | undefined;
  bootUrl?: string | undefined;
  /** Boot this ISO/USB image instead of building one. */
  image?: string | undefined;
  firmware?: string | undefined;
  name?: string | undefined;
  memory?: string | number | undefined;
  cpus?: string | number | undefined;
  media?: string | undefined;
  network?: string | undefined;
  diskGiB?: string | number | undefined;
  accel?: string | undefined;
  kernel?: string | undefined;
  toolchainDir?: string | undefined;
}

export interface VmUpPlan {
  hypervisor: Hypervisor | null;
  /** undefined: not given (read from the image). */
  netid: NetworkId | null | undefined;
  bootUrl: string | null;
  /** Absolute path of the image to boot; null: build one. */
  image: string | null;
  firmware: Firmware;
  name: string | null;
  memoryMiB: number;
  cpus: number;
  media: BootMedia;
  network: NetworkMode;
  dataDiskGiB: number | null;
  accel: QemuAccel | 'auto';
  kernel: string | undefined;
  toolchainDir: string | undefined;
}

function oneOf<T extends string>(input: string | undefined, allowed: readonly T[], what: string, fallback: T): T {
  if (input === undefined) return fallback;
  const value = input.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidInputError('E_USAGE', `Invalid ${what} ${quote(input)}: expected ${allowed.join(', ')}.`);
}

/**
 * `nat`, `bridged:<interface>` or `tap:<interface>`. A bridged interface keeps the name the hypervisor lists
 * (VirtualBox: "en0: Wi-Fi (AirPort)", "Intel(R) Ethernet Connection I219-V"): any printable text, checked by
 * the driver against its own list; a tap interface is a kernel interface name.
 */
export function parseNetworkMode(input: string | undefined): NetworkMode {
  if (input === undefined || input.trim().toLowerCase() === 'nat' || input.trim().toLowerCase() === 'user') return { kind: 'nat' };
  const text = input.trim();
  const bridged = /^bridged:(?=\S)([^\x00-\x1f\x7f]{1,200})$/.exec(text);
  if (bridged) return { kind: 'bridged', device: bridged[1]! };
  const tap = /^tap:([A-Za-z0-9._-]{1,64})$/.exec(text);
  if (tap) return { kind: 'tap', device: tap[1]! };
  throw new InvalidInputError('E_USAGE', `Invalid network ${quote(input)}.`, {
    hint: 'Use nat (default), bridged:<host interface, as the hypervisor lists it> (e.g. bridged:br0, "bridged:en0: Wi-Fi (AirPort)") or tap:<tap interface> (QEMU).',
  });
}

/** Validate everything before anything changes (exit code 2 on bad input). */
export function parseVmUpRequest(request: VmUpRequest): VmUpPlan {
  const image = request.image === undefined ? null : request.image.trim();
  if (image === '') throw new InvalidInputError('E_USAGE', 'The image path is empty.', { hint: 'Give the ISO or USB image to boot, e.g. --image g8os.iso.' });
  if (image === null && request.netid === undefined) {
    throw new InvalidInputError('E_USAGE', 'Give the network id the VM joins (--netid <16 hex digits>, or 0 for none), or an image to boot (--image <file>).');
  }
  if (image !== null && request.bootUrl !== undefined) {
    throw new InvalidInputError('E_USAGE', 'A boot URL cannot be given with an image: the image already says where it boots from.', {
      hint: 'Leave out --boot-url, or build a new image with `g8boot iso --boot-url <url>`.',
    });
  }
  return {
    hypervisor: request.hypervisor === undefined || request.hypervisor === 'auto' ? null : oneOf(request.hypervisor, HYPERVISORS, 'hypervisor', 'qemu'),
    netid: request.netid === undefined ? undefined : parseBootNetworkId(request.netid),
    image: image === null ? null : resolve(image),
    bootUrl: request.bootUrl === undefined ? null : parseBootUrl(request.bootUrl),
    firmware: oneOf(request.firmware, ['bios', 'uefi'] as const, 'firmware', VM_DEFAULTS.firmware),
    name: request.name === undefined ? null : parseVmName(request.name),
    memoryMiB: request.memory === undefined ? VM_DEFAULTS.memoryMiB : parseIntInRange(request.memory, 'memory (MiB)', 256, 1024 * 1024),
    cpus: request.cpus === undefined ? VM_DEFAULTS.cpus : parseIntInRange(request.cpus, 'number of CPUs', 1, 64),
    media: oneOf(request.media, ['cd', 'disk'] as const, 'boot media', VM_DEFAULTS.media),
    network: parseNetworkMode(request.network),
    dataDiskGiB: request.diskGiB === undefined ? null : parseIntInRange(request.diskGiB, 'data disk size (GiB)', 1, 16 * 1024),
    accel: oneOf(request.accel, ['auto', 'kvm', 'hvf', 'whpx', 'tcg'] as const, 'accelerator', 'auto'),
    kernel: request.kernel,
    toolchainDir: request.toolchainDir,
  };
}

export interface VmUpResult {
  record: VmRecord;
  status: VmStatus;
  detection: Detection;
  warnings: string[];
}

export interface VmUpOptions {
  host: Host;
  /** Messages for the person while the VM comes up (elevation, fallbacks). */
  notify?: ((message: string) => void) | undefined;
}

/** Build the iPXE image for the VM into its directory with the boot image builder. */
async function buildImage(plan: VmUpPlan, bootUrl: string, path: string, host: Host): Promise<void> {
  const media = await import('../boot/boot-media.ts');
  const { loadToolchain } = await import('../boot/toolchain/load.ts');
  const spec = media.bootMediaSpec({ networkId: plan.netid ?? null, bootUrls: bootUrl });
  const image = media.planBootMedia(await loadToolchain(plan.toolchainDir), spec, host.env);
  try {
    await media.writeBootImageFile(image.layout, path);
  } catch (error) {
    if (error instanceof G8bootError && error.code === 'E_OUTPUT_NO_SPACE') throw outOfDisk(path);
    throw error;
  }
}

/**
 * A given image, checked before anything is created: an ISO 9660 volume bootable the way it is attached, and a
 * network id that agrees with the one g8boot wrote into it (or taken from it when none was given).
 */
async function checkGivenImage(plan: VmUpPlan & { image: string }): Promise<{ facts: BootImageFacts; netid: NetworkId | null }> {
  const facts = await inspectBootImage(plan.image);
  if (plan.media === 'cd' && !facts.bootsAsCd) {
    throw new InvalidInputError('E_IMAGE_INVALID', `${quote(plan.image, 200)} cannot boot as a CD: it has no El Torito boot record.`, {
      hint: facts.bootsAsDisk ? 'It looks like a disk image: try --media disk.' : 'Give a bootable ISO image, e.g. one built by `g8boot iso`.',
    });
  }
  if (plan.media === 'disk' && !facts.bootsAsDisk) {
    throw new InvalidInputError('E_IMAGE_INVALID', `${quote(plan.image, 200)} cannot boot as a disk: it has no MBR boot signature (it is not a hybrid ISO/USB image).`, {
      hint: 'Attach it as a CD (--media cd, the default), or build a hybrid image with `g8boot iso`.',
    });
  }
  const fromImage = facts.stage1?.networkId;
  if (plan.netid === undefined) {
    if (fromImage === undefined) {
      throw new InvalidInputError('E_USAGE', `${quote(plan.image, 200)} was not built by g8boot, so its network id is unknown.`, {
        hint: 'Say which network the node joins with --netid <16 hex digits> (0 for none).',
      });
    }
    return { facts, netid: fromImage };
  }
  if (fromImage !== undefined && fromImage !== plan.netid) {
    throw new InvalidInputError('E_USAGE', `${quote(plan.image, 200)} boots ${fromImage ? `network ${fromImage}` : 'without ZeroTier (netid 0)'}, not ${plan.netid ?? '0'} as --netid says.`, {
      hint: 'Leave out --netid (it is read from the image), or build an image for that network with `g8boot iso`.',
    });
  }
  return { facts, netid: plan.netid };
}

/** Copy the given image into the VM's directory: the VM may write to a disk, and `vm rm` removes only its own files. */
async function copyImage(from: string, to: string): Promise<void> {
  await copyFile(from, to).catch((error: unknown) => rethrowIfNoSpace(error, to));
}

export async function vmUp(request: VmUpRequest, options: VmUpOptions): Promise<VmUpResult> {
  const { host } = options;
  const parsed = parseVmUpRequest(request);
  const given = parsed.image === null ? null : await checkGivenImage({ ...parsed, image: parsed.image });
  const plan = { ...parsed, netid: given ? given.netid : (parsed.netid ?? null) };
  const hypervisor = plan.hypervisor ?? (await chooseHypervisor(host));
  if (given && hypervisor === 'xhyve' && plan.firmware === 'bios') {
    throw new InvalidInputError('E_USAGE', `${HYPERVISOR_NAMES.xhyve} cannot boot an image with BIOS firmware: it has no BIOS and starts the G8OS kernel directly.`, {
      hint: 'Add --firmware uefi (xhyve master builds with -l bootrom), or use --hypervisor qemu.',
    });
  }
  const driver = createDriver(hypervisor, host, { accel: plan.accel, kernel: plan.kernel });
  const detection = await driver.detect();
  if (detection.problem) throw detection.problem;

  // Names VirtualBox already uses are skipped too; a name given with --name is checked by claimVmDirs and create().
  const taken = async () => new Set([...(await vmNames(host.dirs)), ...(await driver.list()).map((vm) => vm.name)]);
  const name = plan.name ?? defaultVmName(plan.netid, await taken());
  // xhyve's kexec boot starts the G8OS kernel itself: no image, no boot service.
  const needsImage = !(hypervisor === 'xhyve' && plan.firmware === 'bios');
  const paths = await claimVmDirs(host.dirs, name);
  let created: VmRecord | null = null;
  try {
    const bootUrl = given
      ? (given.facts.stage1?.bootUrls[0] ?? null)
      : needsImage
        ? (plan.bootUrl ?? `http://${await driver.hostAddressForGuest(plan.network)}:${DEFAULT_BOOT_SERVICE_PORT}`)
        : null;
    const record: VmRecord = {
      name,
      hypervisor,
      netid: plan.netid,
      bootUrl,
      firmware: plan.firmware,
      media: plan.media,
      memoryMiB: plan.memoryMiB,
      cpus: plan.cpus,
      network: plan.network,
      dataDiskGiB: plan.dataDiskGiB,
      createdAt: new Date().toISOString(),
      dir: paths.dir,
      runDir: paths.runDir,
      image: needsImage ? join(paths.dir, 'boot.iso') : null,
      pidFile: join(paths.runDir, `${hypervisor}.pid`),
      serialLog: join(paths.runDir, 'serial.log'),
      dataDisk: null,
    };
    if (record.image && given && plan.image) await copyImage(plan.image, record.image);
    else if (record.image && bootUrl) await buildImage(plan, bootUrl, record.image, host);
    await writeVmRecord(record);
    created = await driver.create(record);
    await writeVmRecord(created);
    const started = await driver.start(created, { notify: options.notify });
    if (started.record !== created) await writeVmRecord(started.record);
    created = started.record;
    await recordVmStart({ vm: name, hypervisor, netid: plan.netid, startedAt: new Date().toISOString() }, host.dirs);
    return { record: created, status: await driver.state(created), detection, warnings: [...detection.warnings, ...started.warnings, ...(await bootServiceAbsent(created))] };
  } catch (error) {
    if (created) await driver.destroy(created).catch(() => undefined);
    await removeVmDirs(paths);
    throw error;
  }
}

/**
 * A NAT guest's boot URL at 10.0.2.2 is this computer's loopback at that port. When nothing listens there the VM
 * retries its boot URLs forever: say so as it starts, rather than leave the person to find it on the console.
 */
async function bootServiceAbsent(record: VmRecord): Promise<string[]> {
  if (!record.bootUrl || record.network.kind !== 'nat' || record.hypervisor === 'xhyve') return [];
  if (new URL(record.bootUrl).hostname !== NAT_GUEST_HOST) return [];
  const port = portOf(record.bootUrl);
  const refused = await new Promise<boolean>((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (value: boolean) => {
      socket.destroy();
      done(value);
    };
    socket.setTimeout(1_000, () => finish(false)); // no answer either way: do not cry wolf
    socket.once('connect', () => finish(false));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNREFUSED'));
  });
  if (!refused) return [];
  const serve = port === DEFAULT_BOOT_SERVICE_PORT ? 'g8boot serve' : `g8boot serve --listen 127.0.0.1:${port}`;
  return [`No boot service is listening on this computer at port ${port}, where the VM looks for it (${record.bootUrl}): start one with \`${serve}\`. The VM keeps trying until it answers.`];
}

export interface VmSummary {
  name: string;
  /** null when the record is damaged. */
  hypervisor: Hypervisor | null;
  state: VmStatus['state'];
  netid: NetworkId | null;
  bootUrl: string | null;
  firmware: Firmware | null;
  memoryMiB: number | null;
  cpus: number | null;
  createdAt: string | null;
  pid?: number | undefined;
  detail?: string | undefined;
  serialLog: string | null;
}

async function statusOf(record: VmRecord, host: Host): Promise<VmStatus> {
  try {
    return await createDriver(record.hypervisor, host).state(record);
  } catch (error) {
    return { state: 'unknown', detail: (error as Error).message };
  }
}

/** g8boot's VMs with their state read from the hypervisors now. */
export async function vmList(host: Host): Promise<VmSummary[]> {
  const { records, damaged } = await listVmRecords(host.dirs);
  const summaries = await Promise.all(
    records.map(async (record): Promise<VmSummary> => {
      const status = await statusOf(record, host);
      return {
        name: record.name,
        hypervisor: record.hypervisor,
        state: status.state,
        netid: record.netid,
        bootUrl: record.bootUrl,
        firmware: record.firmware,
        memoryMiB: record.memoryMiB,
        cpus: record.cpus,
        createdAt: record.createdAt,
        ...(status.pid !== undefined ? { pid: status.pid } : {}),
        ...(status.detail !== undefined ? { detail: status.detail } : {}),
        serialLog: record.serialLog,
      };
    }),
  );
  for (const { name, problem } of damaged) {
    summaries.push({ name, hypervisor: null, state: 'unknown', netid: null, bootUrl: null, firmware: null, memoryMiB: null, cpus: null, createdAt: null, detail: problem, serialLog: null });
  }
  return summaries.sort((a, b) => a.name.localeCompare(b.name));
}

export async function vmRecord(name: string, host: Host): Promise<VmRecord> {
  return readVmRecord(host.dirs, parseVmName(name));
}

/** What the VM's serial log cannot show on its hypervisor (see VmDriver.consoleNote); null when it shows all. */
export function vmConsoleNote(vm: Pick<VmRecord, 'hypervisor' | 'firmware'>, host: Host): string | null {
  return createDriver(vm.hypervisor, host).consoleNote?.(vm) ?? null;
}

/** Power the VM off; its record, image and disks stay. */
export async function vmDown(name: string, host: Host): Promise<VmStatus> {
  const record = await vmRecord(name, host);
  const driver = createDriver(record.hypervisor, host);
  await driver.stop(record);
  return driver.state(record);
}

/** Stop the VM if it runs, remove it from its hypervisor, delete its directories. */
export async function vmRemove(name: string, host: Host): Promise<void> {
  const vmName = parseVmName(name);
  let record: VmRecord;
  try {
    record = await readVmRecord(host.dirs, vmName);
  } catch (error) {
    // A directory with a damaged record is still g8boot's: remove what is there.
    if (error instanceof G8bootError && error.code === 'E_VM_RECORD_INVALID') {
      await removeVmDirs(vmPaths(host.dirs, vmName));
      return;
    }
    throw error;
  }
  await createDriver(record.hypervisor, host).destroy(record);
  await removeVmDirs(record);
}
