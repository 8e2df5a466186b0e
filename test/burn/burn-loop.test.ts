/**
 * `g8boot burn` for real, on loop devices standing in for sticks: the built CLI writes and verifies the boot image
 * for a network id, and QEMU then boots THAT DEVICE as a disk on SeaBIOS and on OVMF until it fetches stage 2
 * from this test's loopback server. Mounted volumes are unmounted first; drives that must not be written are
 * refused with exit 2 and nothing changes; a byte corrupted between writing and verifying fails with its offset;
 * a cancel says what the drive holds. The unprivileged path: the CLI, run as an ordinary user, starts its writer
 * through a `pkexec` on PATH (a stand-in that records its arguments and runs the command, as polkit would
 * after the password), and pkexec's "No authentication agent found" becomes a message saying what to do.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.ts';
import { createLoopDevice, loopDevicesAvailable, type LoopDevice } from '../helpers/loop-device.ts';
import { qemuAvailable, startQemu, type Firmware } from '../helpers/qemu.ts';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.ts';
import { burnImage } from '../../main/core/burn/writer.ts';
import { fileSource } from '../../main/core/burn/image-source.ts';
import { driveForDevice } from '../../main/core/burn/drives.ts';
import { runCommand } from '../../main/core/vm/exec.ts';
import type { BurnError } from '../../main/core/burn/burn-error.ts';

const NWID = '1d71939404912b41';
const BOOT_TIMEOUT_MS = 90_000;
const MiB = 1 << 20;
const canRun = loopDevicesAvailable();
const loops: LoopDevice[] = [];
let dir: string;
let server: RecordingServer;

function loop(sizeBytes: number, name?: string, options?: { readOnly?: boolean }): LoopDevice {
  const created = createLoopDevice(sizeBytes, name, options);
  loops.push(created);
  return created;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'g8boot-burn-test-'));
  chmodSync(dir, 0o755);
  server = await startRecordingServer();
});

afterAll(async () => {
  for (const l of loops) l.detach();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('g8boot burn on a loop device', () => {
  let stick: LoopDevice;
  let result: Record<string, unknown>;

  it('writes the boot image for a network id and verifies it (exit 0 only when verified)', async () => {
    stick = loop(64 * MiB);
    const r = await runCli(['burn', '--netid', NWID, '--boot-url', `${server.guestUrl}/stick`, '--device', stick.device, '--yes', '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ device: stick.device, verified: true, ejected: false });
    // The drive holds exactly the image `g8boot iso` builds for the same request.
    const image = join(dir, 'same.img');
    const iso = await runCli(['iso', '--netid', NWID, '--boot-url', `${server.guestUrl}/stick`, '-o', image, '--json']);
    expect(iso.code, iso.stderr).toBe(0);
    const built = readFileSync(image);
    expect(result.bytes).toBe(built.length);
    expect(result.sha256).toBe(JSON.parse(iso.stdout).sha256);
    const onDrive = Buffer.alloc(built.length);
    const fd = openSync(stick.device, 'r');
    try {
      readFileSyncInto(fd, onDrive);
    } finally {
      closeSync(fd);
    }
    expect(onDrive.equals(built)).toBe(true);
  }, 90_000);

  describe.skipIf(!qemuAvailable()).each(['bios', 'uefi'] as Firmware[])('the written loop device boots as a disk on %s', (firmware) => {
    it('fetches stage 2 for the network id from the loopback server', async () => {
      expect(result, 'the write above must succeed first').toBeDefined();
      const vm = startQemu({ image: stick.device, firmware, media: 'disk' });
      try {
        // Stage 1 asks for the network's stage 2 (a test VM's boot URL also asks for its serial console).
        await server.waitFor((r) => r.url.startsWith(`/stick/g8os.ipxe?netid=${NWID}`), BOOT_TIMEOUT_MS, `GET /stick/g8os.ipxe?netid=${NWID}`);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- serial console ---\n${vm.serial().slice(-3000)}`);
      } finally {
        await vm.stop();
      }
      const request = server.requests.find((r) => r.url.startsWith('/stick/'))!;
      expect(request.headers['user-agent']).toMatch(/iPXE/);
      // Remove the matched request so the next firmware's boot must make its own.
      server.requests.splice(server.requests.indexOf(request), 1);
    }, BOOT_TIMEOUT_MS + 30_000);
  });

  it.skipIf(!existsSync('/usr/bin/script'))('at a terminal: asks, naming the drive and its size; "n" writes nothing, "y" writes with progress', async () => {
    const target = loop(24 * MiB);
    const image = join(dir, 'tty.img');
    writeFileSync(image, Buffer.alloc(9 * MiB, 0x42));
    // `script` gives the CLI a terminal (a pty) and types the answer a second after it starts.
    const atTerminal = (answer: string) =>
      execFileSync('sh', ['-c', `(sleep 2; echo ${answer}) | script -qec "${process.execPath} ${BIN} burn --image ${image} --device ${target.device}; echo exit=\\$?" /dev/null`], {
        encoding: 'utf8',
        timeout: 60_000,
        // Progress is drawn on terminals outside CI.
        env: { ...process.env, CI: '' },
      });
    const no = atTerminal('n');
    expect(no).toContain(`This writes ${image} (9.4 MB) to`);
    expect(no).toContain(`Loop device, 25.2 MB (${target.device})`);
    expect(no).toMatch(/Everything on it will be erased\. Write it\? \[y\/N\]/);
    expect(no).toMatch(/Nothing was written\.\s+exit=2/);
    expect(readFileSync(target.file).every((b) => b === 0)).toBe(true);
    const yes = atTerminal('y');
    expect(yes).toMatch(/Writing \d+ %/);
    expect(yes).toMatch(/Verifying \d+ %/);
    expect(yes).toMatch(/Wrote and verified Loop device, 25\.2 MB[\s\S]*exit=0/);
    expect(readFileSync(target.file).subarray(0, 9 * MiB).every((b) => b === 0x42)).toBe(true);
  }, 90_000);

  it('unmounts a mounted volume on the drive before writing', async () => {
    const mounted = loop(16 * MiB);
    execFileSync('mkfs.ext2', ['-q', '-F', mounted.device], { stdio: 'ignore' });
    const at = mkdtempSync(join(tmpdir(), 'g8boot-burn-mnt-'));
    try {
      execFileSync('mount', [mounted.device, at]);
      const image = join(dir, 'small.img');
      writeFileSync(image, Buffer.alloc(3 * MiB + 512, 0x5a));
      const r = await runCli(['burn', '--image', image, '--device', mounted.device, '--yes'], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Wrote and verified Loop device, 16.8 MB/);
      expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(at);
    } finally {
      try {
        execFileSync('umount', [at], { stdio: 'ignore' });
      } catch {
        // unmounted by burn
      }
      rmdirSync(at);
    }
  }, 60_000);

  it('refuses what must not be written, with exit 2 and nothing changed', async () => {
    const image = join(dir, 'refuse.img');
    writeFileSync(image, Buffer.alloc(2 * MiB, 1));
    // Too small.
    const tiny = loop(1 * MiB);
    let r = await runCli(['burn', '--image', image, '--device', tiny.device, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/too small for the image/);
    expect(readFileSync(tiny.file).every((b) => b === 0)).toBe(true);
    // Read-only (a write-protect switch): the person is told to unlock it.
    const locked = loop(4 * MiB, 'locked', { readOnly: true });
    r = await runCli(['burn', '--image', image, '--device', locked.device, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Refusing to write Loop device, 4.2 MB \(\/dev\/loop\d+\): read-only .*\n.*hint: Slide its write-protect switch .* Nothing was written\./);
    expect(readFileSync(locked.file).every((b) => b === 0)).toBe(true);
    // A file is not a drive (`iso -o` writes files).
    r = await runCli(['burn', '--image', image, '--device', image, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a drive .*\n.*g8boot iso -o/);
    // No confirmation possible (no terminal) and no --yes.
    const spare = loop(4 * MiB);
    r = await runCli(['burn', '--image', image, '--device', spare.device]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/confirmation is needed[\s\S]*--yes/);
    // A loop device that backs a system mount (here /boot/…) is refused like a system disk.
    const system = loop(16 * MiB);
    execFileSync('mkfs.ext2', ['-q', '-F', system.device], { stdio: 'ignore' });
    const bootDir = mkdtempSync('/boot/g8boot-test-');
    try {
      execFileSync('mount', [system.device, bootDir]);
      r = await runCli(['burn', '--image', image, '--device', system.device, '--yes']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Refusing to write Loop device.*system disk: it holds this computer's \/boot/);
    } finally {
      try {
        execFileSync('umount', [bootDir], { stdio: 'ignore' });
      } catch {
        // not mounted
      }
      rmdirSync(bootDir);
    }
  }, 60_000);

  it.each([
    ['O_DIRECT', true],
    ['a device refusing O_DIRECT: its cache dropped first', false],
  ])('fails verification at the offset of a byte corrupted after writing, reading the drive, not the cache (%s)', async (_how, directIo) => {
    const target = loop(8 * MiB);
    const image = join(dir, 'corrupt.img');
    writeFileSync(image, Buffer.alloc(5 * MiB, 0xa5));
    const source = await fileSource(image);
    const drive = await driveForDevice(target.device);
    const corruptAt = 3 * MiB + 12345;
    let cached: number | undefined;
    let error: BurnError | undefined;
    try {
      await burnImage({
        drive,
        image: source,
        platform: 'linux',
        run: runCommand,
        directIo,
        onProgress: (p) => {
          // Between the write and the read-back: change one byte on the "stick" (through its backing file).
          // First the device is read through the page cache, and held open (the last close of a block device
          // drops its cache), so the kernel holds the bytes as written: a read-back served from that cache would
          // see no difference. Only reading the drive itself does.
          if (p.step === 'verify' && p.done === 0) {
            cached = openSync(target.device, 'r');
            readSync(cached, Buffer.alloc(5 * MiB), 0, 5 * MiB, 0);
            const fd = openSync(target.file, 'r+');
            writeSync(fd, Buffer.from([0x00]), 0, 1, corruptAt);
            closeSync(fd);
          }
        },
      });
    } catch (e) {
      error = e as BurnError;
    } finally {
      await source.close();
      if (cached !== undefined) closeSync(cached);
    }
    expect(cached).toBeDefined();
    expect(error?.step).toBe('verify');
    expect(error?.offset).toBe(corruptAt);
    expect(error?.message).toBe(`Verification failed: the drive holds different bytes at offset ${corruptAt} than the image.`);
  }, 30_000);

  it('times the write from opening the drive to the end of the sync, not the sync alone', async () => {
    // An image that takes at least 8 x 40 ms to read: the write cannot honestly take less.
    const target = loop(16 * MiB);
    const image = join(dir, 'timed.img');
    writeFileSync(image, Buffer.alloc(8 * MiB, 0x6b));
    const file = await fileSource(image);
    const slow = { ...file, read: async (position: number, into: Uint8Array) => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      await file.read(position, into);
    } };
    try {
      const result = await burnImage({ drive: await driveForDevice(target.device), image: slow, platform: 'linux', run: runCommand, chunkBytes: MiB });
      expect(result.writeSeconds).toBeGreaterThanOrEqual(0.3);
    } finally {
      await file.close();
    }
  }, 30_000);

  it('reports the SHA-256 of the bytes it wrote, hashed beside the write, in image order even when written out of order', async () => {
    // Many small chunks through few shared buffers: a buffer refilled before the hasher read it would change the
    // digest. 'win32' writes the first 64 KiB last (the hash must still be in image order); the tail is short.
    const bytes = 6 * MiB + 12_345;
    const data = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, Math.min(i, bytes - 4));
    const image = join(dir, 'hashed.img');
    writeFileSync(image, data);
    const want = createHash('sha256').update(data).digest('hex');
    for (const platform of ['linux', 'win32'] as const) {
      const target = loop(8 * MiB);
      const source = await fileSource(image);
      try {
        const result = await burnImage({ drive: await driveForDevice(target.device), image: source, platform, run: runCommand, chunkBytes: 64 * 1024, eject: false });
        expect(result.sha256, platform).toBe(want);
      } finally {
        await source.close();
      }
      const onDevice = Buffer.alloc(bytes);
      const fd = openSync(target.device, 'r');
      try {
        readSync(fd, onDevice, 0, bytes, 0);
      } finally {
        closeSync(fd);
      }
      expect(onDevice.equals(data), platform).toBe(true);
    }
  }, 30_000);

  it('says what the drive holds when cancelled mid-write', async () => {
    const target = loop(16 * MiB);
    const image = join(dir, 'cancel.img');
    writeFileSync(image, Buffer.alloc(12 * MiB, 0x3c));
    const source = await fileSource(image);
    const controller = new AbortController();
    const error = await burnImage({
      drive: await driveForDevice(target.device),
      image: source,
      platform: 'linux',
      run: runCommand,
      chunkBytes: MiB,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 'write' && p.done > 0) controller.abort();
      },
    }).then(() => null, (e: unknown) => e as BurnError);
    await source.close();
    expect(error?.code).toBe('E_BURN_CANCELLED');
    expect(error?.exitCode).toBe(130);
    expect(error?.message).toMatch(/^Cancelled while writing, at offset \d+ of 12582912\.$/);
    expect(error?.hint).toMatch(/will not boot .* Write it again, or format it/);
  }, 30_000);

  it('the writer re-checks what it is given, and (as on Windows) reports through its progress file and stops at its cancel file', async () => {
    const target = loop(8 * MiB);
    const image = join(dir, 'writer.img');
    writeFileSync(image, Buffer.alloc(3 * MiB, 0x77));
    const sha = createHash('sha256').update(readFileSync(image)).digest('hex');
    // An image that is not the one the UI built: refused before anything is written.
    let r = await runCli(['burn', '--writer', '--device', target.device, '--image', image, '--sha256', 'f'.repeat(64)]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ error: { code: 'E_IMAGE_CHANGED' } });
    // A file is not a drive, whatever the UI says.
    r = await runCli(['burn', '--writer', '--device', image, '--image', image, '--sha256', sha]);
    expect(r.code).toBe(2);
    expect(readFileSync(target.file).every((b) => b === 0)).toBe(true);
    // The progress file gets every line; the result is last.
    const progressFile = join(dir, 'writer.progress');
    r = await runCli(['burn', '--writer', '--device', target.device, '--image', image, '--sha256', sha, '--progress-file', progressFile]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(progressFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => 'progress' in l)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ result: { device: target.device, sha256: sha } });
    // A cancel file beside it stops the writer before it writes.
    const second = loop(8 * MiB);
    const cancelled = join(dir, 'cancelled.progress');
    writeFileSync(`${cancelled}.cancel`, '');
    r = await runCli(['burn', '--writer', '--device', second.device, '--image', image, '--sha256', sha, '--progress-file', cancelled]);
    expect(r.code).toBe(130);
    expect(JSON.parse(readFileSync(cancelled, 'utf8').trim().split('\n').at(-1)!)).toMatchObject({ error: { code: 'E_BURN_CANCELLED', step: 'write', offset: 0 } });
    expect(readFileSync(second.file).every((b) => b === 0)).toBe(true);
  }, 60_000);

  describe('not root: the writer runs through pkexec', () => {
    const NOBODY = 65534;
    let bin: string;
    let home: string;
    beforeAll(() => {
      bin = mkdtempSync(join(tmpdir(), 'g8boot-fake-pkexec-'));
      chmodSync(bin, 0o755);
      home = mkdtempSync(join(tmpdir(), 'g8boot-burn-home-'));
      chownSync(home, NOBODY, NOBODY);
    });
    afterAll(() => {
      rmSync(bin, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    });
    /** A pkexec that records its arguments, then behaves as `mode` says. */
    function fakePkexec(mode: 'run' | 'no-agent'): string {
      const log = join(bin, `pkexec-${mode}.log`);
      writeFileSync(log, '');
      chmodSync(log, 0o666);
      const script =
        mode === 'run'
          ? `#!/bin/sh\nprintf '%s\\n' "$@" > ${log}\nexec "$@"\n`
          : `#!/bin/sh\nprintf '%s\\n' "$@" > ${log}\necho "Error executing command as another user: No authentication agent found." >&2\nexit 127\n`;
      const dirFor = join(bin, mode);
      mkdirSync(dirFor, { mode: 0o755, recursive: true });
      writeFileSync(join(dirFor, 'pkexec'), script, { mode: 0o755 });
      return dirFor;
    }
    const asNobody = (args: string[], pathDir: string) =>
      runCliAs(args, { uid: NOBODY, gid: NOBODY, env: { PATH: `${pathDir}:${process.env.PATH}`, HOME: home, TMPDIR: home, G8BOOT_HOME: home } });

    it('builds the image as the user, runs the writer through pkexec with the right arguments, and verifies', async () => {
      const target = loop(32 * MiB);
      // pkexec would make the writer root; the stand-in cannot, so the device is lent to the user instead.
      chownSync(target.device, NOBODY, NOBODY);
      const pathDir = fakePkexec('run');
      const r = await asNobody(['burn', '--netid', NWID, '--boot-url', `${server.guestUrl}/nobody`, '--device', target.device, '--yes', '--json'], pathDir);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { sha256: string; verified: boolean; bytes: number };
      expect(out.verified).toBe(true);
      const args = readFileSync(join(bin, 'pkexec-run.log'), 'utf8').trim().split('\n');
      expect(args[0]).toBe(process.execPath);
      expect(args.slice(2, 6)).toEqual(['burn', '--writer', '--device', target.device]);
      expect(args[6]).toBe('--image');
      expect(args[7]).toMatch(new RegExp(`^${home}/g8boot-burn-[^/]+/g8os-${NWID}\\.img$`));
      expect(args.slice(8)).toEqual(['--sha256', out.sha256]);
      // The temporary image is gone.
      expect(() => statSync(args[7]!)).toThrow();
      const onDrive = readFileSync(target.file).subarray(0, out.bytes);
      const iso = await runCli(['iso', '--netid', NWID, '--boot-url', `${server.guestUrl}/nobody`, '-o', join(dir, 'nobody.img')]);
      expect(iso.code).toBe(0);
      expect(onDrive.equals(readFileSync(join(dir, 'nobody.img')))).toBe(true);
    }, 60_000);

    it('Ctrl-C while the elevated writer writes: exit 130, and the person is told what the drive now holds', async () => {
      const target = loop(400 * MiB, 'ctrl-c');
      chownSync(target.device, NOBODY, NOBODY);
      const image = join(home, 'big.img');
      writeFileSync(image, Buffer.alloc(384 * MiB, 0x42));
      chmodSync(image, 0o644);
      // The person's terminal: the CLI leads its own process group, which pkexec's child (the writer) joins; Ctrl-C
      // signals the whole group.
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [BIN, 'burn', '--image', image, '--device', target.device, '--yes'], {
        uid: NOBODY,
        gid: NOBODY,
        detached: true,
        env: { ...process.env, NO_COLOR: '1', PATH: `${fakePkexec('run')}:${process.env.PATH}`, HOME: home, TMPDIR: home, G8BOOT_HOME: home },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Once the first chunk is on the "stick", the writer is mid-write: press Ctrl-C.
      const probe = Buffer.alloc(1);
      const fd = openSync(target.file, 'r');
      try {
        for (let waited = 0; probe[0] !== 0x42; waited += 5) {
          if (waited > 40_000) throw new Error(`the writer never started writing
${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          readSync(fd, probe, 0, 1, 0);
        }
      } finally {
        closeSync(fd);
      }
      process.kill(-child.pid!, 'SIGINT');
      const code = await exited;
      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/Cancelled while writing, at offset \d+ of 402653184\./);
      expect(stderr).toMatch(/hint: The drive now holds \d+ of 402653184 bytes of the image: it will not boot/);
      rmSync(image, { force: true });
    }, 60_000);

    it('turns "No authentication agent found" into a message saying what to do (exit 1, nothing written)', async () => {
      const target = loop(32 * MiB);
      chownSync(target.device, NOBODY, NOBODY);
      const r = await asNobody(['burn', '--netid', NWID, '--boot-url', server.guestUrl, '--device', target.device, '--yes'], fakePkexec('no-agent'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no polkit authentication agent is running/);
      expect(r.stderr).toMatch(/hint: Start one .* or run `sudo g8boot burn …` in a terminal\. Nothing was written\./);
      expect(readFileSync(target.file).every((b) => b === 0)).toBe(true);
    }, 30_000);
  });
});

function readFileSyncInto(fd: number, target: Buffer): void {
  for (let done = 0, n = 1; done < target.length && n > 0; done += n) n = readSync(fd, target, done, target.length - done, done);
}

/** runCli, as another user (spawned with uid/gid). */
function runCliAs(args: string[], options: { uid: number; gid: number; env: NodeJS.ProcessEnv }) {
  return runCli(args, { ...options, timeoutMs: 50_000 });
}
