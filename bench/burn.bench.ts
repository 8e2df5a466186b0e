/**
 * Issue 14: writing and verifying a stick, against the tools people use by hand, on the same loop device (a stick
 * stand-in; root only): g8boot's write (O_DIRECT|O_EXCL, 4 MiB chunks, the image hashed on a worker thread beside
 * the write) against
 * `dd if=image of=/dev/loopN bs=4M oflag=direct conv=fsync`, and g8boot's read-back comparison against `cmp` and a
 * plain sequential read (`dd if=/dev/loopN of=/dev/null bs=4M iflag=direct`). Rounds are interleaved so a busy
 * machine slows every contender alike, and which of g8boot and dd goes first alternates; medians are reported,
 * and beside them the median of each round's own ratio (g8boot against the peer it ran next to), which a
 * shared machine's swings disturb less. Goal: write >= 95 % of dd, verify >= 95 % of the plain read.
 *
 * Like for like: both writes bypass the page cache and end with the bytes flushed to the device (g8boot's
 * writeSeconds runs from opening the drive to the end of its fdatasync; dd's conv=fsync fsyncs before it exits);
 * both reads bypass it too (g8boot verifies through O_DIRECT, dd reads with iflag=direct). On a loop device the
 * flush reaches the backing file's disk, so writes run at that disk's speed, as they would on a stick.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomFillSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { burnImage } from '../main/core/burn/writer.ts';
import { fileSource } from '../main/core/burn/image-source.ts';
import { driveForDevice } from '../main/core/burn/drives.ts';
import { runCommand } from '../main/core/vm/exec.ts';
import { stats, table } from './lib.ts';

if (process.getuid?.() !== 0) {
  process.stdout.write('skipped: needs root for a loop device (losetup)\n');
  process.exit(0);
}
const IMAGE_MIB = Number(process.env.G8BOOT_BENCH_BURN_MIB ?? 256);
const ROUNDS = Number(process.env.G8BOOT_BENCH_BURN_ROUNDS ?? 7);
const bytes = IMAGE_MIB * 1048576;
const dir = mkdtempSync(join(tmpdir(), 'g8boot-bench-burn-'));
let device = '';
const seconds = (fn: () => void) => {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
};
const run = (file: string, args: string[]) => {
  const r = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${r.stderr}`);
};
try {
  const image = join(dir, 'image.img');
  const data = Buffer.allocUnsafe(bytes);
  randomFillSync(data);
  writeFileSync(image, data);
  const backing = join(dir, 'stick.img');
  writeFileSync(backing, '');
  execFileSync('truncate', ['-s', String(bytes + 64 * 1048576), backing]);
  device = execFileSync('losetup', ['-f', '--show', backing], { encoding: 'utf8' }).trim();
  const drive = await driveForDevice(device);
  const samples = { hash: [] as number[], ourWrite: [] as number[], ddWrite: [] as number[], ourVerify: [] as number[], cmp: [] as number[], plainRead: [] as number[] };
  for (let round = 0; round <= ROUNDS; round++) {
    const ddWrite = () => seconds(() => run('dd', [`if=${image}`, `of=${device}`, 'bs=4M', 'oflag=direct', 'conv=fsync']));
    const ddFirst = round % 2 === 1;
    const dd0 = ddFirst ? ddWrite() : 0;
    const source = await fileSource(image);
    const result = await burnImage({ drive, image: source, platform: 'linux', run: runCommand, eject: false });
    await source.close();
    const dd = ddFirst ? dd0 : ddWrite();
    const cmp = seconds(() => run('cmp', ['-n', String(bytes), image, device]));
    const read = seconds(() => run('dd', [`if=${device}`, 'of=/dev/null', 'bs=4M', 'iflag=direct', `count=${IMAGE_MIB / 4}`]));
    // The write hashes the image beside it on a worker thread (the SHA-256 it reports is of the bytes it wrote):
    // with a core to spare that no longer bounds it, on a saturated machine it still competes for the CPU.
    const hash = seconds(() => createHash('sha256').update(data).digest());
    if (round === 0) continue; // warm-up
    samples.hash.push(hash);
    samples.ourWrite.push(result.writeSeconds);
    samples.ourVerify.push(result.verifySeconds);
    samples.ddWrite.push(dd);
    samples.cmp.push(cmp);
    samples.plainRead.push(read);
  }
  const median = (s: number[]) => stats(s).medianMs;
  const rate = (s: number[]) => bytes / 1048576 / median(s);
  const pct = (a: number[], b: number[]) => `${((100 * rate(a)) / rate(b)).toFixed(0)} %`;
  // Each round's own ratio (the same round's peer took b[i] where g8boot took a[i]), then their median.
  const paired = (a: number[], b: number[]) => `${(100 * median(a.map((t, i) => b[i]! / t))).toFixed(0)} %`;
  process.stdout.write(`${IMAGE_MIB} MiB image on ${device} (a loop device), median of ${ROUNDS} interleaved rounds\n\n`);
  process.stdout.write(
    `${table(
      ['', 'seconds', 'MiB/s', 'vs peer'],
      [
        ['g8boot write (O_DIRECT, hashed beside it, fdatasync)', median(samples.ourWrite).toFixed(3), rate(samples.ourWrite).toFixed(0), `${pct(samples.ourWrite, samples.ddWrite)} of dd (goal >= 95 %); per round ${paired(samples.ourWrite, samples.ddWrite)}`],
        ['dd bs=4M oflag=direct conv=fsync', median(samples.ddWrite).toFixed(3), rate(samples.ddWrite).toFixed(0), ''],
        ['SHA-256 of the image alone (CPU)', median(samples.hash).toFixed(3), rate(samples.hash).toFixed(0), 'on a worker thread beside the write'],
        ['g8boot verify (read back + compare)', median(samples.ourVerify).toFixed(3), rate(samples.ourVerify).toFixed(0), `${pct(samples.ourVerify, samples.plainRead)} of the plain read (goal >= 95 %); per round ${paired(samples.ourVerify, samples.plainRead)}; ${pct(samples.ourVerify, samples.cmp)} of cmp`],
        ['cmp image device', median(samples.cmp).toFixed(3), rate(samples.cmp).toFixed(0), ''],
        ['dd iflag=direct (plain read)', median(samples.plainRead).toFixed(3), rate(samples.plainRead).toFixed(0), ''],
      ],
    )}\n`,
  );
} finally {
  if (device) spawnSync('losetup', ['-d', device]);
  rmSync(dir, { recursive: true, force: true });
}
