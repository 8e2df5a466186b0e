/**
 * `g8boot vm up --image <file>` through the built CLI: an image built with `g8boot iso` boots without
 * repeating its network id (read from the image), on its own copy; files that are not bootable images, a
 * network id that contradicts the image, and a boot URL given with an image are refused with exit code 2
 * before any VM exists. The hypervisor here is the fake VBoxManage (fast, and it records what was asked of
 * it); test/vm/qemu-boot.test.ts boots an image on real QEMU.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { readJsonLines, testHome, type TestHome } from './helpers.ts';

const NWID = '8056c2e21c000001';
let home: TestHome;
let fakeDir: string;
let image: string;

const calls = () => readJsonLines<{ args: string[] }>(join(fakeDir, 'calls.jsonl')).map((c) => c.args);
const vmsDir = () => join(home.env.G8BOOT_HOME!, 'data', 'vms');
const leftovers = () => (existsSync(vmsDir()) ? readdirSync(vmsDir()) : []);
const vmUp = (...args: string[]) => runCli(['vm', 'up', '--hypervisor', 'virtualbox', ...args], { env: home.env });

beforeAll(async () => {
  home = testHome({ withFakes: true });
  fakeDir = join(home.dir, 'fake-vbox');
  mkdirSync(fakeDir);
  home.env.FAKE_VBOX_DIR = fakeDir;
  image = join(home.dir, `g8os-${NWID}.iso`);
  const iso = await runCli(['iso', '--netid', NWID, '--boot-url', 'http://192.168.1.10:8088', '-o', image], { env: home.env });
  expect(iso.code, iso.stderr).toBe(0);
});
afterAll(() => home.cleanup());

describe('vm up --image (CLI)', () => {
  it("boots an image built by g8boot iso with the image's network id, on the VM's own copy, and vm rm leaves the original", async () => {
    const original = readFileSync(image);
    const up = await vmUp('--image', image, '--json');
    expect(up.code, up.stderr).toBe(0);
    const vm = JSON.parse(up.stdout) as { name: string; netid: string; bootUrl: string; image: string; media: string };
    expect(vm).toMatchObject({ name: 'g8-8056c2-1', netid: NWID, bootUrl: 'http://192.168.1.10:8088', media: 'cd' });
    expect(vm.image).not.toBe(image);
    expect(readFileSync(vm.image).equals(original)).toBe(true);
    expect(calls()).toContainEqual(['storageattach', expect.any(String), '--storagectl', 'IDE', '--port', '0', '--device', '0', '--type', 'dvddrive', '--medium', vm.image]);

    const plain = await vmUp('--image', image, '--netid', NWID, '--name', 'g8-plain');
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain(`It boots ${image} as a cd (network ${NWID}, boot service http://192.168.1.10:8088).`);

    for (const name of [vm.name, 'g8-plain']) expect((await runCli(['vm', 'rm', name], { env: home.env })).code).toBe(0);
    expect(leftovers()).toEqual([]);
    expect(readFileSync(image).equals(original)).toBe(true);
  });

  it('refuses, with exit code 2 and before any VM exists, what cannot be booted or contradicts the image', async () => {
    const noise = join(home.dir, 'noise.iso');
    writeFileSync(noise, Buffer.alloc(64 * 1024, 0x41));
    const cases: [string[], string][] = [
      [['--image', join(home.dir, 'missing.iso')], 'there is no such file'],
      [['--image', home.dir], 'it is a directory'],
      [['--image', noise], 'no ISO 9660 volume'],
      [['--image', image, '--netid', '1d71939404912b40'], `boots network ${NWID}, not 1d71939404912b40 as --netid says`],
      [['--image', image, '--netid', '0'], `boots network ${NWID}, not 0 as --netid says`],
      [['--image', image, '--boot-url', 'http://10.0.2.2:8088'], 'A boot URL cannot be given with an image'],
      [['--image', image, '--media', 'floppy'], 'Invalid boot media'],
      [[], 'Give the network id the VM joins'],
    ];
    const before = calls().length;
    for (const [args, message] of cases) {
      const r = await vmUp(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect(calls().slice(before)).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('an ISO that g8boot did not build needs --netid', async () => {
    // g8boot's own image with the stage-1 script renamed: an ISO 9660 volume without a g8boot script.
    const foreign = join(home.dir, 'foreign.iso');
    const bytes = readFileSync(image);
    const at = bytes.indexOf('AUTOEXEC.IPXE;1', 0, 'latin1');
    expect(at).toBeGreaterThan(0);
    bytes.write('AUTOEXEC.OTHE', at, 'latin1');
    writeFileSync(foreign, bytes);
    const r = await vmUp('--image', foreign);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('was not built by g8boot, so its network id is unknown');
    expect(r.stderr).toContain('--netid');
    const withId = await vmUp('--image', foreign, '--netid', '0', '--json');
    expect(withId.code, withId.stderr).toBe(0);
    expect(JSON.parse(withId.stdout)).toMatchObject({ netid: null, bootUrl: null });
    expect((await runCli(['vm', 'rm', 'g8-nozt-1'], { env: home.env })).code).toBe(0);
  });
});
