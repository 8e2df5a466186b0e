/**
 * Writing an image to a drive and proving it is there: unmount, open exclusively, write in large aligned
 * chunks with progress (two writes in flight, each buffer hashed by SHA-256 on a worker thread beside its write),
 * sync, read back exactly the image's length and compare it byte for byte, then eject. Every failure is a BurnError naming its step (and the offset for write and verify).
 *
 * Linux opens the device with O_DIRECT|O_EXCL (O_EXCL keeps udisks from mounting it mid-write; O_DIRECT keeps
 * the page cache out of both the write and the read-back, so verify reads the drive, not memory). O_DIRECT needs
 * buffers aligned in memory; JavaScript cannot see addresses, so the aligned offset inside a larger buffer is
 * found once by a harmless 4 KiB read. macOS writes the raw /dev/rdiskN; Windows clears the disk's volumes
 * first and writes the first 64 KiB last, so Windows cannot mount a half-written stick.
 */
import { constants, type PathLike } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { rateAndEta, WINDOWS_FORMAT_WARNING, type BurnProgress, type BurnResult, type BurnStep, type DriveView } from '../../common/burn.ts';
import type { CommandRunner } from '../vm/exec.ts';
import { BurnError, partialStateHint } from './burn-error.ts';
import { startParallelHasher, type ParallelHasher } from './hasher.ts';
import type { ImageSource } from './image-source.ts';
import { rawDevice } from './macos-drives.ts';

export interface BurnOptions {
  drive: DriveView;
  image: ImageSource;
  platform: NodeJS.Platform;
  run: CommandRunner;
  /** Power the drive off afterwards (default true). Loop devices are never ejected. */
  eject?: boolean;
  onProgress?: (progress: BurnProgress) => void;
  signal?: AbortSignal | undefined;
  /** Bytes per write/read (default 4 MiB, dd's bs=4M). */
  chunkBytes?: number;
  /** Tests: write a regular file instead of a device (no O_DIRECT/O_EXCL, no unmount, no eject). */
  regularFile?: boolean;
  /** Tests: open the device without O_DIRECT, as when a device refuses it (default true). */
  directIo?: boolean;
}

const ALIGN = 4096;
const FIRST_BYTES_LAST = 64 * 1024;
const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;
const isLoop = (drive: DriveView) => drive.bus === 'loop' || /^\/dev\/loop\d/.test(drive.device);

/** The device node to open for writing on each OS. */
export function writePath(drive: DriveView, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? rawDevice(drive.device) : drive.device;
}

/** The byte ranges in write order: straight through, or (Windows) the first 64 KiB last. */
export function writeOrder(size: number, chunk: number, platform: NodeJS.Platform): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  const push = (from: number, to: number) => {
    for (let pos = from; pos < to; pos += chunk) ranges.push({ start: pos, end: Math.min(pos + chunk, to) });
  };
  if (platform === 'win32' && size > FIRST_BYTES_LAST) {
    push(FIRST_BYTES_LAST, size);
    push(0, FIRST_BYTES_LAST);
  } else {
    push(0, size);
  }
  return ranges;
}

/** The commands that release a drive before writing (unmount its volumes), per OS. */
export function unmountCommands(drive: DriveView, platform: NodeJS.Platform): [string, string[]][] {
  if (platform === 'darwin') return [['diskutil', ['unmountDisk', drive.device]]];
  if (platform === 'win32') {
    const number = /PHYSICALDRIVE(\d+)$/i.exec(drive.device)?.[1];
    // Clearing the partition table drops every volume Windows mounted from it (diskpart's `clean`), so nothing
    // holds the disk; on a blank (RAW) disk it has nothing to do and its complaint is ignored.
    return number === undefined
      ? []
      : [['powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `Clear-Disk -Number ${number} -RemoveData -RemoveOEM -Confirm:$false -ErrorAction SilentlyContinue`]]];
  }
  return drive.mountpoints.map((mountpoint) => ['umount', [mountpoint]] as [string, string[]]);
}

/** The command that powers the drive off after a verified write, per OS; null when there is none. */
export function ejectCommand(drive: DriveView, platform: NodeJS.Platform, hasUdisks: boolean): [string, string[]] | null {
  if (isLoop(drive)) return null;
  if (platform === 'darwin') return ['diskutil', ['eject', drive.device]];
  if (platform === 'linux') return hasUdisks ? ['udisksctl', ['power-off', '--no-user-interaction', '-b', drive.device]] : ['eject', [drive.device]];
  return null;
}

function errnoText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ .*$/, '')})` : String((error as Error).message ?? error);
}

class Reporter {
  private started = performance.now();
  private last = 0;
  private readonly onProgress: BurnOptions['onProgress'];
  constructor(onProgress: BurnOptions['onProgress']) {
    this.onProgress = onProgress;
  }
  begin(step: BurnStep, total = 0): void {
    this.started = performance.now();
    this.last = 0;
    this.onProgress?.({ step, done: 0, total, bytesPerSecond: 0, etaSeconds: null });
  }
  update(step: BurnStep, done: number, total: number, force = false): void {
    const now = performance.now();
    if (!this.onProgress || (!force && now - this.last < 200)) return;
    this.last = now;
    this.onProgress({ step, done, total, ...rateAndEta(done, total, now - this.started) });
  }
  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}

/**
 * The offset inside `raw` at which a buffer is aligned for O_DIRECT on `handle` (0 without O_DIRECT), found by
 * reading 4 KiB at offset 0. Chunks are whole 4 KiB blocks, so one probe aligns every chunk-sized slice after it.
 */
async function alignedShift(handle: FileHandle, raw: Buffer, direct: boolean): Promise<number> {
  if (!direct) return 0;
  // malloc aligns to 16 bytes: one of these shifts lands on a 4 KiB boundary (EINVAL means misaligned).
  for (let shift = 0; shift < ALIGN; shift += 16) {
    try {
      await handle.read(raw, shift, ALIGN, 0);
      return shift;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
    }
  }
  throw new Error('no buffer alignment accepted by the device');
}

async function openDrive(path: PathLike, flags: number, drive: DriveView, step: BurnStep, regularFile: boolean, directIo = true): Promise<{ handle: FileHandle; direct: boolean }> {
  const direct = directIo && !regularFile && process.platform === 'linux' && typeof constants.O_DIRECT === 'number';
  const exclusive = !regularFile && process.platform === 'linux' ? constants.O_EXCL : 0;
  try {
    return { handle: await open(path, flags | exclusive | (direct ? constants.O_DIRECT : 0)), direct };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (direct && code === 'EINVAL') return { handle: await open(path, flags | exclusive), direct: false };
    const why =
      code === 'EBUSY'
        ? 'it is in use (still mounted, or opened by another program)'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EROFS'
            ? 'it is read-only (a write-protect switch?)'
            : code === 'ENOENT' || code === 'ENXIO' || code === 'ENOMEDIUM'
              ? 'it is gone (unplugged?)'
              : errnoText(error);
    throw new BurnError(step, `Cannot open ${drive.device}: ${why}.`, {
      hint:
        code === 'EBUSY'
          ? 'Close programs using it (file managers, terminals inside it) and try again; nothing was written.'
          : code === 'EACCES' || code === 'EPERM'
            ? 'Writing a drive needs administrator rights: g8boot asks for them through pkexec (or run with sudo). Nothing was written.'
            : 'Plug the stick in again and retry; nothing was written.',
      cause: error,
    });
  }
}

function throwIfCancelled(signal: AbortSignal | undefined, step: BurnStep, offset: number, total: number): void {
  if (!signal?.aborted) return;
  throw new BurnError(step, step === 'verify'
    ? `Cancelled while verifying, at offset ${offset} of ${total}: the image was written in full but not verified.`
    : `Cancelled while writing, at offset ${offset} of ${total}.`, {
    offset,
    cancelled: true,
    hint: step === 'verify' ? 'It may boot, but nothing proves it: write it again to be sure.' : partialStateHint(offset, total),
  });
}

async function dropDeviceCache(options: BurnOptions): Promise<void> {
  const device = options.drive.device;
  const result = await options.run('blockdev', ['--flushbufs', device], { timeoutMs: 60_000 }).catch((error: unknown) => ({ code: null, stdout: '', stderr: errnoText(error) }));
  if (result.code !== 0) {
    throw new BurnError('verify', `Cannot read ${device} back past the kernel's cache: blockdev --flushbufs failed (${result.stderr.trim().slice(0, 200) || `exit ${result.code}`}).`, {
      hint: 'It was written but is not verified. Unplug it, plug it in again and write it again.',
    });
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Two writes in flight, as a drive's queue wants: the next one is queued before the current one completes,
 * so the drive never waits for this process to be scheduled again. */
const WRITES_IN_FLIGHT = 2;
/** Write buffers: those in flight, the one being filled, and room for the hasher to fall a little behind. */
const WRITE_BUFFERS = WRITES_IN_FLIGHT + 3;

/** Unmount, write, sync, verify, eject. Resolves only when the drive holds exactly the image. */
export async function burnImage(options: BurnOptions): Promise<BurnResult> {
  const chunk = options.chunkBytes ?? 4 << 20;
  // The write buffers live in shared memory so a worker thread can hash each one while it is being written
  // (SHA-256 is slower than a fast drive: on the write path it capped the write at its own speed). The worker is
  // started first, because a thread takes 40-90 ms to boot on a busy machine: it boots while the drive is
  // unmounted instead of stalling the first writes.
  const memory = new SharedArrayBuffer(WRITE_BUFFERS * chunk + ALIGN);
  const hasher = startParallelHasher(memory);
  try {
    return await unmountWriteVerifyEject(options, chunk, memory, hasher);
  } finally {
    await hasher.close().catch(() => {});
  }
}

async function unmountWriteVerifyEject(options: BurnOptions, chunk: number, memory: SharedArrayBuffer, hasher: ParallelHasher): Promise<BurnResult> {
  const { drive, image, platform, run, signal } = options;
  const regular = options.regularFile === true;
  const report = new Reporter(options.onProgress);
  const total = image.size;
  const notes = platform === 'win32' ? [WINDOWS_FORMAT_WARNING] : [];

  // 1. Unmount every volume on it (a mounted filesystem would write over the image, and O_EXCL would refuse).
  if (!regular) {
    report.begin('unmount');
    for (const [file, args] of unmountCommands(drive, platform)) {
      let result;
      try {
        result = await run(file, args, { timeoutMs: 60_000 });
      } catch (error) {
        throw new BurnError('unmount', `Cannot unmount ${drive.device}: ${file} could not be run (${errnoText(error)}).`, { cause: error, hint: 'Unmount it yourself and try again; nothing was written.' });
      }
      if (result.code !== 0 && platform !== 'win32') {
        throw new BurnError('unmount', `Cannot unmount ${args.at(-1)} on ${drive.device}: ${result.stderr.trim().slice(0, 300) || `${file} exited with ${result.code}`}.`, {
          hint: 'Close the programs using it (file manager windows, terminals inside it), or unmount it yourself, then try again; nothing was written.',
        });
      }
    }
  }
  throwIfCancelled(signal, 'write', 0, total);

  // 2. Open it exclusively. The write's time runs from here to the end of the sync: opening, writing every
  // byte and flushing them to the drive, which is what the person waits for (and what `dd oflag=direct
  // conv=fsync` takes). The reporter's clock restarts at each step, so it cannot measure this.
  const writeStarted = performance.now();
  report.begin('open');
  const path = writePath(drive, platform);
  const { handle, direct } = await openDrive(path, constants.O_RDWR, drive, 'open', regular, options.directIo);
  let writeSeconds = 0;
  let imageSha256 = '';
  // A buffer is refilled only once its write finished and the worker hashed it: the digest is of exactly the
  // bytes written.
  const slots = WRITE_BUFFERS;
  const inFlight: { range: { start: number; end: number }; length: number; done: Promise<{ bytesWritten: number }> }[] = [];
  try {
    const shift = await alignedShift(handle, Buffer.from(memory), direct);
    const buffers = Array.from({ length: slots }, (_, i) => Buffer.from(memory, shift + i * chunk, chunk));
    // Per buffer: settles when its write finished and the worker is done reading it (its next fill waits for this).
    const slotFree: Promise<unknown>[] = Array.from({ length: slots }, () => Promise.resolve());
    // 3. Write: fill the next buffer while the current one is being written, and hash it beside the write.
    report.begin('write', total);
    const ranges = writeOrder(total, chunk, platform);
    // Hash in image order (Windows writes the first 64 KiB last): out-of-order chunks are hashed from copies
    // held until their turn.
    const held = new Map<number, Buffer>();
    let nextHash = 0;
    const hashInOrder = (range: { start: number; end: number }, slot: number): Promise<void> => {
      if (range.start !== nextHash) {
        held.set(range.start, Buffer.from(buffers[slot]!.subarray(0, range.end - range.start)));
        return Promise.resolve();
      }
      const done = hasher.update(buffers[slot]!.byteOffset, range.end - range.start);
      nextHash = range.end;
      for (let copy = held.get(nextHash); copy; copy = held.get(nextHash)) {
        held.delete(nextHash);
        void hasher.updateCopy(copy).catch(() => {});
        nextHash += copy.length;
      }
      return done;
    };
    const fill = async (i: number): Promise<Buffer> => {
      const range = ranges[i]!;
      const buffer = buffers[i % slots]!;
      await slotFree[i % slots];
      const length = range.end - range.start;
      // O_DIRECT writes whole 4 KiB blocks: the tail is padded with zeros (past the image: verified length excludes it).
      const padded = direct ? roundUp(length, ALIGN) : length;
      await image.read(range.start, buffer.subarray(0, length));
      if (padded > length) buffer.fill(0, length, padded);
      return buffer.subarray(0, padded);
    };
    let written = 0;
    const settleOldest = async () => {
      const { range, length, done } = inFlight.shift()!;
      const result = await done;
      if (result.bytesWritten !== length) {
        throw new BurnError('write', `Writing failed at offset ${range.start + result.bytesWritten}: the drive took ${result.bytesWritten} of ${length} bytes (is it smaller than it claims?).`, {
          offset: range.start + result.bytesWritten,
          hint: partialStateHint(range.start, total),
        });
      }
      written += range.end - range.start;
      report.update('write', written, total);
    };
    let next: Promise<Buffer> | null = fill(0);
    for (let i = 0; i < ranges.length; i++) {
      const range = ranges[i]!;
      const current: Buffer = await next!;
      // Cancelled: the writes in flight land first, so the offset said is what the drive holds.
      if (signal?.aborted) while (inFlight.length > 0) await settleOldest();
      throwIfCancelled(signal, 'write', written, total);
      const done = handle.write(current, 0, current.length, range.start).catch((error: unknown) => {
        throw new BurnError('write', `Writing failed at offset ${range.start}: ${errnoText(error)}.`, {
          offset: range.start,
          cause: error,
          hint: `The stick may be faulty, full of bad blocks, or was pulled out. ${partialStateHint(range.start, total)}`,
        });
      });
      done.catch(() => {});
      inFlight.push({ range, length: current.length, done });
      const slot = i % slots;
      const hashing = hashInOrder(range, slot);
      hashing.catch(() => {});
      // The buffer is free once written and hashed (a failure of either is reported by its own await).
      slotFree[slot] = Promise.allSettled([done, hashing]);
      next = i + 1 < ranges.length ? fill(i + 1) : null;
      next?.catch(() => {});
      while (inFlight.length >= WRITES_IN_FLIGHT) await settleOldest();
    }
    while (inFlight.length > 0) await settleOldest();
    report.update('write', total, total, true);
    // 4. Sync: everything on the drive before it is read back. The hash finishes meanwhile (it is at most a few
    // buffers behind), and the write counts as done when both have.
    report.begin('sync');
    const digest = hasher.digest();
    digest.catch(() => {});
    try {
      await handle.datasync();
    } catch (error) {
      throw new BurnError('sync', `Flushing the drive failed: ${errnoText(error)}.`, { cause: error, hint: `The stick may have been pulled out. ${partialStateHint(total, total)}` });
    }
    imageSha256 = await digest;
    writeSeconds = (performance.now() - writeStarted) / 1000;
  } finally {
    // A write still in flight (after a failure or a cancel) must end before its descriptor is closed.
    await Promise.allSettled(inFlight.map((w) => w.done));
    await handle.close().catch(() => {});
  }

  // 5. Verify through a fresh descriptor (O_DIRECT: from the drive, not the cache).
  const verifySeconds = await verify(options, report, chunk, regular);

  // 6. Eject. A drive that cannot be ejected is still written and verified: say so, do not fail.
  let ejected = false;
  let ejectProblem: string | null = null;
  if (options.eject !== false && !regular) {
    report.begin('eject');
    const hasUdisks = platform === 'linux' && (await run('udisksctl', ['help'], { timeoutMs: 5000 }).then(() => true, () => false));
    const command = ejectCommand(drive, platform, hasUdisks);
    if (command) {
      const result = await run(command[0], command[1], { timeoutMs: 60_000 }).catch((error: unknown) => ({ code: null, stdout: '', stderr: errnoText(error) }));
      ejected = result.code === 0;
      if (!ejected) ejectProblem = `could not eject ${drive.device} (${command[0]}: ${result.stderr.trim().slice(0, 200) || `exit ${result.code}`}); it is written and verified: remove it safely from your desktop`;
    } else if (isLoop(drive)) {
      notes.push(`${drive.device} is a loop device: left attached (detach it with losetup -d).`);
    } else {
      notes.push('Remove it safely from the taskbar before unplugging it.');
    }
  }
  return { device: drive.device, description: drive.description, bytes: total, sha256: imageSha256, writeSeconds, verifySeconds, ejected, ejectProblem, notes };
}

/**
 * Read back exactly the image's length and compare every byte with the image. (Comparing the bytes themselves
 * is stronger than comparing two hashes, names the first differing offset, and runs at memcmp speed: a SHA-256
 * of the read-back would make verification CPU-bound, slower than the drive on fast media.) The next chunk of
 * both the drive and the image is read while the current one is compared.
 */
async function verify(options: BurnOptions, report: Reporter, chunk: number, regular: boolean): Promise<number> {
  const { drive, image, platform, signal } = options;
  const total = image.size;
  report.begin('verify', total);
  const { handle, direct } = await openDrive(writePath(drive, platform), constants.O_RDONLY, drive, 'verify', regular, options.directIo);
  try {
    // Without O_DIRECT (a device that refuses it) reads could be served from the kernel's cache of the drive,
    // which holds what was written whether or not the drive kept it: drop that cache first (BLKFLSBUF), or
    // verifying would prove nothing. (macOS reads the raw device and Windows the physical drive: no cache.)
    if (!direct && !regular && platform === 'linux') await dropDeviceCache(options);
    // Several reads in flight: the drive (or the loop device's worker) always has the next one queued.
    const depth = 3;
    const raw = Buffer.allocUnsafeSlow(depth * chunk + ALIGN);
    const shift = await alignedShift(handle, raw, direct);
    const deviceBuffers = Array.from({ length: depth }, (_, i) => raw.subarray(shift + i * chunk, shift + (i + 1) * chunk));
    const expectedBuffers = Array.from({ length: depth }, () => Buffer.allocUnsafeSlow(chunk));
    const readAt = (pos: number, i: number) => {
      const length = Math.min(chunk, total - pos);
      const buffer = deviceBuffers[i % depth]!.subarray(0, direct ? roundUp(length, ALIGN) : length);
      const want = expectedBuffers[i % depth]!.subarray(0, length);
      const fromDrive = handle.read(buffer, 0, buffer.length, pos).then(
        (r) => buffer.subarray(0, Math.min(length, r.bytesRead)),
        (error: unknown) => {
          throw new BurnError('verify', `Reading the drive back failed at offset ${pos}: ${errnoText(error)}.`, {
            offset: pos,
            cause: error,
            hint: 'The stick may be faulty or was pulled out; it was written but is not verified. Try again, or another stick.',
          });
        },
      );
      return Promise.all([fromDrive, image.read(pos, want).then(() => want)]);
    };
    const chunks = Math.ceil(total / chunk);
    const inFlight: ReturnType<typeof readAt>[] = [];
    const queue = (i: number) => {
      const read = readAt(i * chunk, i);
      // Awaited in order below; a later read failing while an earlier one is awaited must not go unhandled.
      read.catch(() => {});
      inFlight.push(read);
    };
    for (let i = 0; i < Math.min(depth, chunks); i++) queue(i);
    for (let i = 0; i < chunks; i++) {
      const pos = i * chunk;
      if (signal?.aborted) await Promise.allSettled(inFlight);
      throwIfCancelled(signal, 'verify', pos, total);
      const [got, want] = await inFlight.shift()!.catch(async (error: unknown) => {
        await Promise.allSettled(inFlight);
        throw error;
      });
      if (got.length < want.length || !got.equals(want)) {
        // Let the reads still in flight finish before their buffers are dropped.
        await Promise.allSettled(inFlight);
        const at = pos + firstDifference(got, want);
        throw new BurnError('verify', got.length < want.length && firstDifference(got, want) === got.length
          ? `Verification failed at offset ${at}: the drive ends there (it is smaller than it claims).`
          : `Verification failed: the drive holds different bytes at offset ${at} than the image.`, {
          offset: at,
          hint: 'The stick is probably failing or counterfeit: it does not keep what was written. Try another stick.',
        });
      }
      // This chunk's buffers are free again: queue the read that reuses them.
      if (i + depth < chunks) queue(i + depth);
      report.update('verify', Math.min(pos + chunk, total), total);
    }
    report.update('verify', total, total, true);
    return report.elapsedSeconds();
  } finally {
    await handle.close().catch(() => {});
  }
}
