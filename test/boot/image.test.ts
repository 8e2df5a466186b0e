/**
 * The hybrid image, read back by independent tools: xorriso (ISO 9660 + El Torito), mtools and fsck.fat
 * (the ESP), sfdisk and sgdisk (MBR and GPT). The boot info table checksum is recomputed here, not by the
 * code under test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadToolchain, type Toolchain } from '../../main/core/boot/toolchain/index.ts';
import { runCli } from '../helpers/cli.ts';

const NWID = '8056c2e21c000001';
const BOOT_URL = 'http://10.0.2.2:8088';
let dir: string;
let toolchain: Toolchain;
let image: string;
let imageBytes: Buffer;
let built: { output: string; bytes: number; sha256: string; chains: string[]; mode: string; bootUrls: { url: string; reach: string; where: string }[]; defaultBootUrls: boolean };

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'g8boot-image-'));
  toolchain = await loadToolchain();
  image = join(dir, 'g8os.iso');
  const result = await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', image, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  built = JSON.parse(result.stdout);
  imageBytes = readFileSync(image);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function extract(isoPath: string, name: string): Buffer {
  const out = join(dir, `extract-${name}`);
  rmSync(out, { force: true });
  run('xorriso', ['-osirrox', 'on', '-indev', isoPath, '-extract', `/${name}`, out]);
  return readFileSync(out);
}

describe('g8boot iso', () => {
  it('reports what it wrote', () => {
    expect(built.output).toBe(image);
    expect(built.bytes).toBe(imageBytes.length);
    // 10.0.2.2 is a VM on this computer: its stage 2 asks for the serial console.
    expect(built.chains).toEqual([`${BOOT_URL}/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`]);
    expect(built.bootUrls).toEqual([{ url: BOOT_URL, reach: 'vm', where: 'a VM on this computer (QEMU user networking, VirtualBox NAT)' }]);
    expect(built.defaultBootUrls).toBe(false);
    expect(built.mode).toBe('chain');
    expect(execFileSync('sha256sum', [image], { encoding: 'latin1' }).split(' ')[0]).toBe(built.sha256);
    // Whole 1 MiB cylinders, as isohybrid pads.
    expect(imageBytes.length % (1024 * 1024)).toBe(0);
    // About the size of its parts: lkrn + 2 EFI binaries + isolinux, not much more.
    expect(imageBytes.length).toBeLessThan(toolchain.lkrn.length + toolchain.efiX64.length + toolchain.efiArm64.length + 1.5 * 1048576);
  });

  it('has a BIOS and a UEFI El Torito entry (xorriso)', () => {
    const report = run('xorriso', ['-indev', image, '-report_el_torito', 'plain']);
    const entries = report.split('\n').filter((l) => l.startsWith('El Torito boot img :'));
    expect(entries).toHaveLength(2);
    const [bios, uefi] = entries.map((l) => l.replace('El Torito boot img :', '').trim().split(/\s+/));
    // N Pltf B Emul Ld_seg Hdpt Ldsiz LBA
    expect(bios!.slice(0, 7)).toEqual(['1', 'BIOS', 'y', 'none', '0x0000', '0x00', '4']);
    expect(uefi!.slice(0, 6)).toEqual(['2', 'UEFI', 'y', 'none', '0x0000', '0x00']);
    const esp = extract(image, 'ESP.IMG');
    expect(Number(uefi![6])).toBe(esp.length / 512);
    expect(report).toMatch(/El Torito img path : +1 +\/ISOLINUX\.BIN/i);
    expect(report).toMatch(/El Torito img path : +2 +\/ESP\.IMG/i);
    expect(report).toMatch(/El Torito img opts : +1 +boot-info-table/);
  });

  it('holds the genfsimg file set, each file intact', () => {
    // (-type f would skip BOOT.CAT: xorriso lists the boot catalog as its own file type.)
    const listing = run('xorriso', ['-indev', image, '-find', '/']);
    const names = listing.split('\n').filter((l) => l.startsWith("'/") && l !== "'/'").map((l) => l.replace(/'/g, '').toUpperCase()).sort();
    expect(names).toEqual(['/AUTOEXEC.IPXE', '/BOOT.CAT', '/ESP.IMG', '/IPXE.LKRN', '/ISOLINUX.BIN', '/ISOLINUX.CFG', '/LDLINUX.C32']);
    expect(extract(image, 'IPXE.LKRN').equals(toolchain.lkrn)).toBe(true);
    expect(extract(image, 'LDLINUX.C32').equals(toolchain.ldlinuxC32)).toBe(true);
    const cfg = extract(image, 'ISOLINUX.CFG').toString('latin1');
    expect(cfg).toMatch(/^\s*KERNEL ipxe\.lkrn$/m);
    expect(cfg).toMatch(/^\s*INITRD autoexec\.ipxe$/m);
    const script = extract(image, 'AUTOEXEC.IPXE').toString('latin1');
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(script).toContain(`chain --autofree ${BOOT_URL}/g8os.ipxe?netid=${NWID}`);
  });

  it('patches isolinux.bin with a correct boot info table', () => {
    const report = run('xorriso', ['-indev', image, '-report_el_torito', 'plain']);
    const lba = Number(report.split('\n').find((l) => l.startsWith('El Torito boot img :   1'))!.trim().split(/\s+/).at(-1));
    const onDisk = imageBytes.subarray(lba * 2048, lba * 2048 + toolchain.isolinuxBin.length);
    expect(onDisk.readUInt32LE(8)).toBe(16); // PVD
    expect(onDisk.readUInt32LE(12)).toBe(lba);
    expect(onDisk.readUInt32LE(16)).toBe(toolchain.isolinuxBin.length);
    let sum = 0;
    for (let i = 64; i < onDisk.length; i += 4) sum = (sum + onDisk.readUInt32LE(i)) >>> 0;
    expect(onDisk.readUInt32LE(20)).toBe(sum);
    expect(onDisk.subarray(24, 64).every((b) => b === 0)).toBe(true);
    // Everything outside the table is isolinux.bin as shipped.
    expect(onDisk.subarray(64).equals(toolchain.isolinuxBin.subarray(64))).toBe(true);
    expect(onDisk.subarray(0, 8).equals(toolchain.isolinuxBin.subarray(0, 8))).toBe(true);
    // The MBR boot code finds isolinux.bin through bytes 432-439 (LBA in 512-byte sectors).
    expect(imageBytes.subarray(0, 432).equals(toolchain.isohdpfx.subarray(0, 432))).toBe(true);
    expect(imageBytes.readBigUInt64LE(432)).toBe(BigInt(lba * 4));
  });

  it('carries an ESP that fsck.fat and mtools accept, with iPXE and the script', () => {
    const esp = join(dir, 'esp.img');
    writeFileSync(esp, extract(image, 'ESP.IMG'));
    run('fsck.fat', ['-n', esp]); // throws on a non-zero exit
    const listing = run('mdir', ['-/', '-b', '-i', esp, '::']).split('\n').map((l) => l.trim()).filter(Boolean).sort();
    expect(listing).toEqual(['::/EFI/', '::/EFI/BOOT/', '::/EFI/BOOT/BOOTAA64.EFI', '::/EFI/BOOT/BOOTX64.EFI', '::/autoexec.ipxe']);
    const x64 = join(dir, 'x64.efi');
    run('mcopy', ['-n', '-i', esp, '::/EFI/BOOT/BOOTX64.EFI', x64]);
    expect(readFileSync(x64).equals(toolchain.efiX64)).toBe(true);
    const script = run('mtype', ['-i', esp, '::/autoexec.ipxe']);
    expect(script).toBe(extract(image, 'AUTOEXEC.IPXE').toString('latin1'));
  });

  it('has an isohybrid MBR (sfdisk) and a valid GPT (sgdisk) pointing at the ESP', () => {
    const dump = JSON.parse(run('sfdisk', ['--json', image])).partitiontable;
    expect(dump.label).toBe('dos');
    const sectors = imageBytes.length / 512;
    const [whole, espPart] = dump.partitions;
    expect(whole).toMatchObject({ start: 0, size: sectors, type: '0', bootable: true });
    const report = run('xorriso', ['-indev', image, '-report_el_torito', 'plain']);
    const espLba = Number(report.split('\n').find((l) => l.startsWith('El Torito boot img :   2'))!.trim().split(/\s+/).at(-1));
    const espBytes = extract(image, 'ESP.IMG').length;
    expect(espPart).toMatchObject({ start: espLba * 4, size: espBytes / 512, type: 'ef' });
    // GPT tools only read a GPT behind a protective MBR (one 0xEE entry). The hybrid MBR is deliberately not
    // protective (UEFI firmware boots the 0xEF partition through it, like xorriso's -isohybrid-gpt-basdat
    // images), so give the tools a copy whose MBR is protective and let them judge the GPT itself.
    const gptView = join(dir, 'gpt-view.img');
    const copy = Buffer.from(imageBytes);
    copy.fill(0, 446, 510);
    copy[446 + 4] = 0xee;
    copy.writeUInt32LE(1, 446 + 8);
    copy.writeUInt32LE(sectors - 1, 446 + 12);
    writeFileSync(gptView, copy);
    const verify = run('sgdisk', ['-v', gptView]);
    expect(verify).toMatch(/No problems found/);
    const gpt = JSON.parse(run('sfdisk', ['--json', gptView])).partitiontable;
    expect(gpt.label).toBe('gpt');
    expect(gpt.lastlba).toBe(sectors - 34);
    expect(gpt.partitions).toHaveLength(1);
    expect(gpt.partitions[0]).toMatchObject({
      start: espLba * 4,
      size: espBytes / 512,
      type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
      name: 'EFI System (g8boot)',
    });
  });

  it('is byte-for-byte reproducible, and honours SOURCE_DATE_EPOCH', async () => {
    const again = join(dir, 'again.iso');
    expect((await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', again])).code).toBe(0);
    expect(readFileSync(again).equals(imageBytes)).toBe(true);
    const dated = join(dir, 'dated.iso');
    const r = await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', dated], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(r.code).toBe(0);
    const pvd = readFileSync(dated).subarray(16 * 2048, 17 * 2048);
    expect(pvd.toString('latin1', 813, 827)).toBe('20231114221320');
    expect(readFileSync(dated).equals(imageBytes)).toBe(false);
  });

  it('inline mode puts the kernel chain into stage 1', async () => {
    const inline = join(dir, 'inline.iso');
    const r = await runCli(['iso', '--netid', NWID, '--kernel', 'http://10.0.2.2:8088/g8os.efi', '--kernel-args', 'development console=ttyS0', '-o', inline]);
    expect(r.code).toBe(0);
    const script = extract(inline, 'AUTOEXEC.IPXE').toString('latin1');
    expect(script).toContain(`chain --autofree http://10.0.2.2:8088/g8os.efi zerotier=${NWID} development console=ttyS0 || goto g8_chain_failed`);
  });

  it('writes the ESP alone with --efi-only', async () => {
    const efi = join(dir, 'esp-only.img');
    const r = await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '--efi-only', '-o', efi]);
    expect(r.code).toBe(0);
    expect(readFileSync(efi).equals(extract(image, 'ESP.IMG'))).toBe(true);
  });
});

describe('boot URLs: where they work', () => {
  const stage1 = (path: string) => extract(path, 'AUTOEXEC.IPXE').toString('latin1');

  it('no --boot-url: embeds a VM on this computer, then the LAN addresses, at port 8088, and says so; no loopback address', async () => {
    const path = join(dir, 'defaults.iso');
    const r = await runCli(['iso', '--netid', NWID, '-o', path]);
    expect(r.code).toBe(0);
    // "these boot URLs …, in order" with LAN addresses; "this boot URL" on a machine that has none.
    expect(r.stderr).toMatch(/fetches the boot script from (these boot URLs \(the defaults; choose with --boot-url\), in order|this boot URL \(the defaults; choose with --boot-url\)):/);
    expect(r.stderr).toContain(`1. http://10.0.2.2:8088/g8os.ipxe?netid=${NWID}&console=ttyS0,115200  — a VM on this computer`);
    const script = stage1(path);
    const chains = [...script.matchAll(/^chain --autofree (\S+)/gm)].map((m) => m[1]!);
    expect(chains[0]).toBe(`http://10.0.2.2:8088/g8os.ipxe?netid=${NWID}&console=ttyS0,115200`);
    // The rest are this computer's LAN addresses (whatever this machine has), never loopback or 0.0.0.0.
    for (const url of chains.slice(1)) expect(url).toMatch(new RegExp(`^http://\\d+\\.\\d+\\.\\d+\\.\\d+:8088/g8os\\.ipxe\\?netid=${NWID}$`));
    expect(script).not.toMatch(/127\.\d+\.\d+\.\d+|localhost|0\.0\.0\.0|\[::1?\]/);
  });

  it('several --boot-url: stage 1 tries them in the order given', async () => {
    const path = join(dir, 'two.iso');
    const r = await runCli(['iso', '--netid', NWID, '--boot-url', 'http://192.168.1.10:8088', '--boot-url', 'https://boot.example.org', '-o', path, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.bootUrls.map((t: { reach: string }) => t.reach)).toEqual(['lan', 'public']);
    const script = stage1(path);
    expect(script.indexOf(`chain --autofree http://192.168.1.10:8088/g8os.ipxe?netid=${NWID} ||`)).toBeGreaterThan(0);
    expect(script.indexOf(`chain --autofree https://boot.example.org/g8os.ipxe?netid=${NWID} ||`)).toBeGreaterThan(script.indexOf('192.168.1.10'));
  });

  it('the same --boot-url twice is embedded once, and one boot URL is not called a list', async () => {
    const path = join(dir, 'same.iso');
    const r = await runCli(['iso', '--netid', NWID, '--boot-url', 'http://10.0.2.2:8088', '--boot-url', 'http://10.0.2.2:8088/', '-o', path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('fetches the boot script from this boot URL:\n  1. http://10.0.2.2:8088/g8os.ipxe');
    expect([...stage1(path).matchAll(/^chain --autofree /gm)]).toHaveLength(1);
  });

  it("--help's examples use the boot service's default port", async () => {
    const r = await runCli(['iso', '--help']);
    expect(r.stdout).toContain(':8088');
    expect(r.stdout).not.toContain(':8080');
  });
});

describe('bad input: one clear message, exit code 2, no file left behind', () => {
  const cases: [string, string[], RegExp][] = [
    ['a short id', ['--netid', '8056c2e21c00000', '--boot-url', BOOT_URL], /15 digits, not 16/],
    ['a long id', ['--netid', '8056c2e21c0000011', '--boot-url', BOOT_URL], /17 digits, not 16/],
    ['a non-hex id', ['--netid', '8056c2e21c00000x', '--boot-url', BOOT_URL], /"x" is not a hexadecimal digit/],
    ['an ftp URL', ['--netid', NWID, '--boot-url', 'ftp://10.0.2.2/'], /only http and https[\s\S]*e\.g\. http:\/\/192\.168\.1\.10:8088\./],
    ['a boot URL without its scheme', ['--netid', NWID, '--boot-url', '10.0.2.2:8088'], /is not a valid URL[\s\S]*:8088\./],
    ['a boot URL with a query', ['--netid', NWID, '--boot-url', 'http://10.0.2.2:8088/?x=1'], /has a query string[\s\S]*For example http:\/\/192\.168\.1\.10:8088 /],
    ['a newline in the URL', ['--netid', NWID, '--boot-url', 'http://h/\nshell'], /spaces or control characters/],
    ['a newline in kernel args', ['--netid', NWID, '--kernel', 'http://h/k', '--kernel-args', 'debug\nshell'], /newline or control character/],
    ['a control character in kernel args', ['--netid', NWID, '--kernel', 'http://h/k', '--kernel-args', 'debug\u0007'], /newline or control character/],
    ['an iPXE separator in kernel args', ['--netid', NWID, '--kernel', 'http://h/k', '--kernel-args', 'debug || shell'], /separator/],
    ['a setting expansion in kernel args', ['--netid', NWID, '--kernel', 'http://h/k', '--kernel-args', 'x=${net0/ip}'], /"\$"/],
    ['both URLs', ['--netid', NWID, '--boot-url', BOOT_URL, '--kernel', 'http://h/k'], /cannot be used with|not both/],
    ['a loopback boot URL', ['--netid', NWID, '--boot-url', 'http://127.0.0.1:8088'], /points at 127\.0\.0\.1, which a booting machine resolves to itself[\s\S]*http:\/\/10\.0\.2\.2:8088/],
    ['localhost', ['--netid', NWID, '--boot-url', 'http://localhost:8088/'], /points at localhost/],
    ['the unspecified address', ['--netid', NWID, '--boot-url', 'http://0.0.0.0:8088'], /points at 0\.0\.0\.0/],
    ['IPv6 loopback', ['--netid', NWID, '--boot-url', 'http://[::1]:8088'], /points at \[::1\]/],
    ['IPv6 unspecified', ['--netid', NWID, '--boot-url', 'http://[::]:8088'], /points at \[::\]/],
    ['a loopback URL among several', ['--netid', NWID, '--boot-url', BOOT_URL, '--boot-url', 'http://127.1:9000'], /boot URL #2 .*points at 127\.0\.0\.1[\s\S]*:9000/],
    // Inline mode: the booting machine fetches the kernel itself, so a loopback kernel URL can never work either.
    ['a loopback kernel URL', ['--netid', NWID, '--kernel', 'http://127.0.0.1:8088/kernel/g8os'], /kernel URL .*points at 127\.0\.0\.1, which the booting machine resolves to itself[\s\S]*http:\/\/10\.0\.2\.2:8088\/kernel\/g8os/],
    ['a localhost kernel URL', ['--netid', NWID, '--kernel', 'http://localhost/g8os.efi'], /kernel URL .*points at localhost/],
  ];
  it.each(cases)('%s', async (_what, args, message) => {
    const out = mkdtempSync(join(tmpdir(), 'g8boot-bad-'));
    try {
      const r = await runCli(['iso', ...args, '-o', join(out, 'x.iso')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('an output directory that does not exist', async () => {
    const r = await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', join(dir, 'missing', 'x.iso')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('an output path that is a directory', async () => {
    const r = await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a directory/);
  });

  it('an unwritable output location', async () => {
    // /proc refuses new files even to root, where file modes would not.
    const r = await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', '/proc/g8os.iso']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Cannot write "\/proc\/g8os\.iso"/);
  });

  it('a missing toolchain file names the file and the command that fetches it (exit 3)', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'g8boot-tc-'));
    try {
      execFileSync('cp', ['-r', `${toolchain.dir}/.`, broken]);
      rmSync(join(broken, 'ipxe.lkrn'));
      const out = join(broken, 'x.iso');
      const r = await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', out], { env: { G8BOOT_TOOLCHAIN_DIR: broken } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/ipxe\.lkrn/);
      expect(r.stderr).toMatch(/npm run toolchain|g8boot toolchain fetch/);
      expect(existsSync(out)).toBe(false);
      // A corrupt (modified) file too.
      execFileSync('cp', [join(toolchain.dir, 'ipxe.lkrn'), join(broken, 'ipxe.lkrn')]);
      writeFileSync(join(broken, 'isolinux.bin'), Buffer.from('not isolinux'));
      const r2 = await runCli(['iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', out], { env: { G8BOOT_TOOLCHAIN_DIR: broken } });
      expect(r2.code).toBe(3);
      expect(r2.stderr).toMatch(/isolinux\.bin/);
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
