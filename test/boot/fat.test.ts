// The FAT image writer, read back by independent implementations: dosfstools' fsck.fat (structure, long-name
// checksums, both FATs), mtools (type, label, listing with long names, contents, case-insensitive lookup)
// and QEMU: SeaBIOS runs the boot sector's "not bootable" code, OVMF's FAT driver reads the files.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../main/common/errors.ts';
import type { FatFileInput, FatOptions, FatPlan } from '../../main/core/boot/fat.ts';
import { planFat } from '../../main/core/boot/fat.ts';
import { NOT_BOOTABLE_MESSAGE } from '../../main/core/boot/fat/records.ts';
import { layoutToBuffer, makeLayout, writeLayoutFile } from '../../main/core/boot/layout.ts';
import { OVMF_CODE, OVMF_VARS } from '../helpers/qemu.ts';

const run = promisify(execFile);
// mtools converts long names to the locale's charset; UTF-8 keeps non-ASCII names intact.
const toolEnv = { ...process.env, LC_ALL: 'C.UTF-8' };
const MiB = 1024 * 1024;

const options: FatOptions = { volumeLabel: 'G8BOOT', volumeId: 0x2f8a_51c3, timestamp: new Date('2024-05-01T12:34:56.780Z') };
const script = new TextEncoder().encode(`#!ipxe\n${'echo g8boot stage 1\n'.repeat(100)}chain http://10.0.2.2:8080/g8os.ipxe\n`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'g8boot-fat-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Through the atomic writer, as the boot service and the ISO writer do. */
async function writeImage(plan: FatPlan, name: string): Promise<string> {
  const path = join(dir, name);
  await writeLayoutFile(makeLayout(plan.size, plan.segments), path);
  return path;
}

/** Every line `fsck.fat -n -v` prints for a clean FAT12/16 volume; anything else is a finding. */
const FSCK_CLEAN_LINES = [
  /^fsck\.fat \d/, /^Checking we can access the last sector/, /^Boot sector contents:$/, /^System ID "G8BOOT  "$/,
  /^Media byte 0xf8 \(hard disk\)$/, /^\s+512 bytes per logical sector$/, /^\s+\d+ bytes per cluster$/, /^\s+1 reserved sector$/,
  /^First FAT starts at byte 512 \(sector 1\)$/, /^\s+2 FATs, 1[26] bit entries$/, /^\s+\d+ bytes per FAT \(= \d+ sectors\)$/,
  /^Root directory starts at byte \d+ \(sector \d+\)$/, /^\s+\d+ root directory entries$/, /^Data area starts at byte \d+ \(sector \d+\)$/,
  /^\s+\d+ data clusters \(\d+ bytes\)$/, /^32 sectors\/track, 64 heads$/, /^\s+0 hidden sectors$/, /^\s+\d+ sectors total$/,
  /^Checking for unused clusters\.$/, /: \d+ files, \d+\/\d+ clusters$/,
];

interface FsckReport {
  fatBits: number;
  clusterBytes: number;
}

/** fsck.fat must exit 0 and print nothing beyond the verbose boot sector dump (it exits 0 on some findings). */
async function fsck(image: string): Promise<FsckReport> {
  const { stdout, stderr } = await run('fsck.fat', ['-n', '-v', image]);
  const lines = `${stdout}${stderr}`.split('\n').filter((line) => line.trim() !== '');
  expect(lines.filter((line) => !FSCK_CLEAN_LINES.some((re) => re.test(line)))).toEqual([]);
  return {
    fatBits: Number(/2 FATs, (\d+) bit entries/.exec(stdout)?.[1]),
    clusterBytes: Number(/(\d+) bytes per cluster/.exec(stdout)?.[1]),
  };
}

async function minfo(image: string): Promise<{ type: string; label: string }> {
  const { stdout } = await run('minfo', ['-i', image, '::'], { env: toolEnv });
  return { type: /disk type="([^"]*)"/.exec(stdout)?.[1] ?? '', label: /disk label="([^"]*)"/.exec(stdout)?.[1] ?? '' };
}

/** The files mdir lists (by long name), as paths relative to the root. */
async function mdirFiles(image: string): Promise<string[]> {
  const { stdout } = await run('mdir', ['-/', '-b', '-i', image, '::'], { env: toolEnv, maxBuffer: 16 * MiB });
  return stdout.split('\n').filter((l) => l !== '' && !l.endsWith('/')).map((l) => l.replace(/^::\//, '')).sort();
}

/** Copy everything out with mcopy and compare each file byte for byte; nothing more, nothing less. */
async function expectContents(image: string, files: readonly FatFileInput[]): Promise<void> {
  const out = `${image}.out`;
  await run('mcopy', ['-s', '-n', '-i', image, '::', out], { env: toolEnv, maxBuffer: 16 * MiB });
  const found = (await readdir(out, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(out.length + 1))
    .sort();
  expect(found).toEqual(files.map((f) => f.path.replace(/^\//, '')).sort());
  for (const file of files) {
    const copied = await readFile(join(out, file.path));
    expect(copied.length, file.path).toBe(file.data.length);
    expect(copied.equals(file.data), `contents of ${file.path}`).toBe(true);
  }
  await rm(out, { recursive: true, force: true });
}

function file(path: string, size: number): FatFileInput {
  return { path, data: randomBytes(size) };
}

/**
 * Boot `image` as a disk with the console on stdio until `marker` appears (or 45 s pass); returns the output.
 * Answers the UEFI shell's startup.nsh countdown with a key so it does not wait 5 s.
 */
async function bootConsole(image: string, firmware: string[], marker: string): Promise<string> {
  const qemu = spawn('qemu-system-x86_64', [
    '-nographic', '-accel', 'tcg', '-m', '256', '-net', 'none', '-no-reboot', ...firmware,
    '-drive', `file=${image},format=raw,snapshot=on`,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    return await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => resolve(seen), 45_000);
      qemu.on('error', reject);
      qemu.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (seen.endsWith('any other key to continue.')) qemu.stdin.write('\r');
        if (seen.includes(marker)) {
          clearTimeout(timer);
          resolve(seen);
        }
      });
    });
  } finally {
    qemu.kill('SIGKILL');
  }
}

/** Boot a writable image until the guest powers off (the UEFI shell's `reset -s`), bounded. */
async function bootUntilPowerOff(image: string, firmware: string[]): Promise<void> {
  const qemu = spawn('qemu-system-x86_64', [
    '-nographic', '-accel', 'tcg', '-m', '256', '-net', 'none', '-no-reboot', ...firmware, '-drive', `file=${image},format=raw`,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  let seen = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the guest did not power off within 75 s; console:\n${seen.slice(-2000)}`)), 75_000);
      qemu.on('error', reject);
      qemu.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      qemu.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        // The shell waits 5 s before startup.nsh unless a key is pressed.
        if (seen.endsWith('any other key to continue.')) qemu.stdin.write('\r');
      });
    });
  } finally {
    qemu.kill('SIGKILL');
  }
}

/** Sizes at and one byte either side of each multiple given (cluster and 2048-byte block boundaries). */
function boundaryFiles(prefix: string, boundaries: readonly number[]): FatFileInput[] {
  return boundaries.flatMap((b) => [b - 1, b, b + 1].map((size) => file(`${prefix}/size-${size}.bin`, size)));
}

/** The EFI System Partition g8boot builds, plus every naming and layout case. */
function espFiles(): FatFileInput[] {
  return [
    file('EFI/BOOT/BOOTX64.EFI', 1 * MiB + 12_345),
    file('EFI/BOOT/BOOTAA64.EFI', 1_000_003),
    { path: '/autoexec.ipxe', data: script },
    file('empty', 0),
    { path: 'AUTOEX~1.IPX', data: new TextEncoder().encode('an 8.3 name that collides with the alias of autoexec.ipxe\n') },
    file('Long Name With Spaces.txt', 100),
    file('readme.txt', 10),
    file('café.txt', 5),
    file('a.b.c.d', 3),
    file('.hidden', 7),
    file('Deep/er/and/deeper/still/down/to/the/bottom/Leaf file.bin', 3000),
    ...boundaryFiles('Cluster', [1024, 2048]),
    // 150 long names take 300 entries (9.4 KiB): a directory spanning several clusters.
    ...Array.from({ length: 150 }, (_, i) => file(`Many/entry-number-${String(i).padStart(3, '0')}.dat`, i * 7)),
  ];
}

describe('planFat', () => {
  it('writes a FAT12 EFI System Partition that fsck.fat and mtools read back exactly', async () => {
    const files = espFiles();
    const plan = planFat(files, options);
    expect(plan.fatType).toBe(12);
    expect(plan.clusterBytes).toBe(1024);
    expect(plan.size % 2048).toBe(0);
    const image = await writeImage(plan, 'esp.img');

    expect(await fsck(image)).toEqual({ fatBits: 12, clusterBytes: 1024 });
    expect(await minfo(image)).toEqual({ type: 'FAT12   ', label: 'G8BOOT     ' });
    expect(await mdirFiles(image)).toEqual(files.map((f) => f.path.replace(/^\//, '')).sort());
    await expectContents(image, files);

    // What UEFI's FAT driver does: find the script by its long name, whatever the case.
    const { stdout: found } = await run('mtype', ['-i', image, '::/AUTOEXEC.IPXE'], { env: toolEnv });
    expect(found).toBe(new TextDecoder().decode(script));
    // Long names carry a short alias (~1 is taken by a real 8.3 file); 8.3 upper-case names have no long name.
    const { stdout: listing } = await run('mdir', ['-/', '-i', image, '::'], { env: toolEnv, maxBuffer: 16 * MiB });
    expect(listing).toMatch(/^AUTOEX~2 IPX\s+\d+ 2024-05-01\s+12:34\s+autoexec\.ipxe$/m);
    expect(listing).toMatch(/^AUTOEX~1 IPX\s+\d+ 2024-05-01\s+12:34\s*$/m);
    expect(listing).toMatch(/^README\s+TXT\s+10 2024-05-01\s+12:34\s+readme\.txt$/m);
    expect(listing).toMatch(/^BOOTX64\s+EFI\s+1060921 2024-05-01\s+12:34\s*$/m);
    expect(listing).toMatch(/^\.\s+<DIR>/m);
    expect(listing).toMatch(/^\.\.\s+<DIR>/m);
  });

  it('switches to FAT16 when the content needs more than FAT12 clusters', async () => {
    const files = [
      file('EFI/BOOT/BIG.EFI', 32 * MiB), // the largest file accepted
      file('EFI/BOOT/other.bin', 3 * MiB),
      { path: 'autoexec.ipxe', data: script },
      file('empty.txt', 0),
      ...boundaryFiles('Cluster', [1024, 2048]),
      file('A/B/C/D/E/F/G/H/I/J/deep.txt', 1),
      ...Array.from({ length: 40 }, (_, i) => file(`Many/File ${i}.txt`, 1000 + i)),
    ];
    const plan = planFat(files, options);
    expect(plan.fatType).toBe(16);
    expect(plan.clusterBytes).toBe(1024);
    const image = await writeImage(plan, 'fat16.img');

    expect(await fsck(image)).toEqual({ fatBits: 16, clusterBytes: 1024 });
    expect(await minfo(image)).toEqual({ type: 'FAT16   ', label: 'G8BOOT     ' });
    expect(await mdirFiles(image)).toEqual(files.map((f) => f.path).sort());
    await expectContents(image, files);
  });

  // Drivers tell FAT12 from FAT16 by the cluster count alone, so what we write in the boot sector must agree.
  it.each([
    [0, 12, 512], [2 * MiB, 12, 512], [3 * MiB, 12, 1024], [15 * MiB, 12, 4096], [16 * MiB, 16, 512],
    [40 * MiB, 16, 1024], [100 * MiB, 16, 2048], [600 * MiB, 16, 16384], [1536 * MiB, 16, 32768],
  ])('sizes a volume of at least %i bytes as FAT%i with %i-byte clusters that the tools agree on', async (minSizeBytes, fatType, clusterBytes) => {
    const files = [{ path: 'autoexec.ipxe', data: script }, ...boundaryFiles('c', [clusterBytes]), file('d/e/f.bin', 70_000)];
    const plan = planFat(files, { ...options, minSizeBytes });
    expect([plan.fatType, plan.clusterBytes]).toEqual([fatType, clusterBytes]);
    expect(plan.size).toBeGreaterThanOrEqual(minSizeBytes);
    expect(plan.size % 2048).toBe(0);
    const image = await writeImage(plan, `min-${minSizeBytes}.img`);
    expect(await fsck(image)).toEqual({ fatBits: fatType, clusterBytes });
    expect((await minfo(image)).type).toBe(`FAT${fatType}   `);
    await expectContents(image, files);
    await rm(image);
  });

  it('adds only a little headroom to what the ESP files need', () => {
    const files = [file('EFI/BOOT/BOOTX64.EFI', 1_100_000), file('EFI/BOOT/BOOTAA64.EFI', 1_050_000), { path: 'autoexec.ipxe', data: script }];
    const plan = planFat(files, options);
    const content = files.reduce((sum, f) => sum + Math.ceil(f.data.length / 2048) * 2048, 0);
    expect(plan.size - content).toBeGreaterThanOrEqual(64 * 1024);
    expect(plan.size - content).toBeLessThan(64 * 1024 + 32 * 1024); // boot sector, FATs, directories
  });

  it('is deterministic, whatever the input order, and references the file data without copying it', () => {
    const files = espFiles();
    const first = planFat(files, options);
    const second = planFat([...files].reverse(), options);
    expect(layoutToBuffer(makeLayout(second.size, second.segments)).equals(layoutToBuffer(makeLayout(first.size, first.segments)))).toBe(true);

    const image = layoutToBuffer(makeLayout(first.size, first.segments));
    const segmentOf = new Map(first.segments.map((s) => [s.data, s.offset]));
    for (const [i, placed] of first.files.entries()) {
      const input = files[i]!;
      expect(placed.path).toBe(input.path);
      expect(placed.size).toBe(input.data.length);
      if (input.data.length === 0) continue;
      expect(segmentOf.get(input.data), input.path).toBe(placed.offset); // the caller's own Uint8Array
      expect(placed.offset % 2048, input.path).toBe(0); // on ISO block boundaries
      expect(image.subarray(placed.offset, placed.offset + placed.size).equals(input.data)).toBe(true);
    }
    // One metadata buffer plus one segment per non-empty file.
    expect(first.segments.length).toBe(1 + files.filter((f) => f.data.length > 0).length);
  });

  it('plans the ESP in well under a millisecond', () => {
    const files = [file('EFI/BOOT/BOOTX64.EFI', 1_100_000), file('EFI/BOOT/BOOTAA64.EFI', 1_050_000), { path: 'autoexec.ipxe', data: script }];
    for (let i = 0; i < 50; i++) planFat(files, options);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      planFat(files, options);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    expect(times[100]!).toBeLessThan(1);
  });

  it('stamps entries in UTC, clamped to the years FAT can hold, and may have no label', async () => {
    const plan = planFat([file('x.txt', 1)], { volumeLabel: '', volumeId: 1, timestamp: new Date(0) });
    const image = await writeImage(plan, 'nolabel.img');
    const { stdout } = await run('mdir', ['-i', image, '::'], { env: toolEnv });
    expect(stdout).toMatch(/has no label/);
    expect(stdout).toMatch(/^X\s+TXT\s+1 1980-01-01\s+0:00\s/m);
    expect((await minfo(image)).label).toBe('NO NAME    ');
    await fsck(image);
    const late = planFat([file('y.txt', 1)], { ...options, timestamp: new Date('2150-06-01T00:00:00Z'), volumeLabel: 'late' });
    const lateImage = await writeImage(late, 'late.img');
    const { stdout: lateListing } = await run('mdir', ['-i', lateImage, '::'], { env: toolEnv });
    expect(lateListing).toMatch(/^Y\s+TXT\s+1 2107-12-31\s+23:59\s/m);
    expect((await minfo(lateImage)).label).toBe('LATE       ');
  });

  it('prints why it cannot boot when a BIOS boots it', { timeout: 60_000 }, async () => {
    const image = await writeImage(planFat(espFiles(), options), 'bios.img');
    // SeaBIOS mirrors the screen on the serial console under -nographic.
    const output = await bootConsole(image, [], NOT_BOOTABLE_MESSAGE);
    expect(output).toContain(NOT_BOOTABLE_MESSAGE);
  });

  // The consumer that matters: EDK2's FAT driver in OVMF, driven by the UEFI shell's startup.nsh. It must find
  // autoexec.ipxe by an upper-case lookup, walk nested directories with long names and list a multi-cluster one.
  // The shell writes what it read into files on the same volume (and so also writes through our FAT), which the
  // test reads back with mtools: the serial console drops characters when the machine is busy.
  it('is read by the UEFI firmware (OVMF) the way iPXE will read it', { timeout: 90_000 }, async () => {
    const text = (s: string) => new TextEncoder().encode(s);
    const many = Array.from({ length: 60 }, (_, i) => ({ path: `Many/entry-number-${i}.dat`, data: text('x'.repeat(i)) }));
    const files = [
      {
        path: 'startup.nsh',
        data: text('@echo -off\r\nfs0:\r\ncp AUTOEXEC.IPXE got-autoexec.txt\r\ncp "deep\\ER\\leaf file.txt" got-leaf.txt\r\nls Many >a got-many.txt\r\nreset -s\r\n'),
      },
      { path: 'autoexec.ipxe', data: text('#!ipxe\r\necho hello from autoexec\r\n') },
      { path: 'Deep/er/Leaf File.txt', data: text('leaf contents\r\n') },
      ...many,
    ];
    const plan = planFat(files, options);
    expect(plan.clusterBytes * 2).toBeLessThan(many.length * 2 * 32); // "Many" spans several clusters
    const image = await writeImage(plan, 'uefi.img');
    const vars = join(dir, 'OVMF_VARS.fd');
    await copyFile(OVMF_VARS!, vars);
    await bootUntilPowerOff(image, [
      '-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE!}`, '-drive', `if=pflash,format=raw,file=${vars}`,
    ]);
    const read = async (name: string) => (await run('mtype', ['-i', image, `::/${name}`], { env: toolEnv })).stdout;
    expect(await read('got-autoexec.txt')).toBe('#!ipxe\r\necho hello from autoexec\r\n');
    expect(await read('got-leaf.txt')).toBe('leaf contents\r\n');
    const listing = await read('got-many.txt');
    for (const { path } of many) expect(listing).toContain(path.slice('Many/'.length));
    // What the shell wrote is a FAT our tools still accept.
    await fsck(image);
  });

  describe('rejects bad input with InvalidInputError', () => {
    const ok = { path: 'ok.txt', data: new Uint8Array(1) };
    it.each<[string, FatFileInput[], Partial<FatOptions>]>([
      ['an empty path', [{ path: '', data: new Uint8Array(1) }], {}],
      ['the root as a path', [{ path: '/', data: new Uint8Array(1) }], {}],
      ['an empty component', [{ path: 'EFI//BOOTX64.EFI', data: new Uint8Array(1) }], {}],
      ['a trailing slash', [{ path: 'EFI/', data: new Uint8Array(1) }], {}],
      ['a ".." component', [{ path: 'EFI/../x', data: new Uint8Array(1) }], {}],
      ['a forbidden character', [{ path: 'EFI/BO:OT.EFI', data: new Uint8Array(1) }], {}],
      ['a "*"', [{ path: 'a*b', data: new Uint8Array(1) }], {}],
      ['a control character', [{ path: 'a\nb', data: new Uint8Array(1) }], {}],
      ['a backslash', [{ path: 'EFI\\BOOT', data: new Uint8Array(1) }], {}],
      ['a name ending in a dot', [{ path: 'name.', data: new Uint8Array(1) }], {}],
      ['a name longer than 255', [{ path: `${'n'.repeat(256)}`, data: new Uint8Array(1) }], {}],
      ['duplicate paths differing in case', [ok, { path: 'OK.TXT', data: new Uint8Array(1) }], {}],
      ['a file where a directory is needed', [{ path: 'EFI', data: new Uint8Array(1) }, { path: 'efi/BOOT/x', data: new Uint8Array(1) }], {}],
      ['a directory where a file is given', [{ path: 'EFI/BOOT/x', data: new Uint8Array(1) }, { path: 'efi/boot', data: new Uint8Array(1) }], {}],
      ['a file over 32 MiB', [{ path: 'big', data: new Uint8Array(32 * MiB + 1) }], {}],
      ['a label over 11 characters', [ok], { volumeLabel: 'G8BOOT-LABEL' }],
      ['a label with a dot', [ok], { volumeLabel: 'G8.BOOT' }],
      ['a label with "*"', [ok], { volumeLabel: 'G8*' }],
      ['a negative volume id', [ok], { volumeId: -1 }],
      ['a volume id over 32 bits', [ok], { volumeId: 2 ** 32 }],
      ['an invalid timestamp', [ok], { timestamp: new Date(Number.NaN) }],
      ['a negative minimum size', [ok], { minSizeBytes: -1 }],
      ['a minimum size beyond FAT16', [ok], { minSizeBytes: 4096 * MiB }],
    ])('%s', (_, files, override) => {
      expect(() => planFat(files, { ...options, ...override })).toThrow(InvalidInputError);
    });

    it('says what is wrong and what to do', () => {
      let error: unknown;
      try {
        planFat([{ path: 'EFI/BO:OT.EFI', data: new Uint8Array(1) }], options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).message).toContain('"EFI/BO:OT.EFI"');
      expect((error as InvalidInputError).message).toContain('":"');
      expect((error as InvalidInputError).hint).toMatch(/EFI\/BOOT\/BOOTX64\.EFI/);
    });
  });
});
