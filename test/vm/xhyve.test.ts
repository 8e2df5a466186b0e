/**
 * The xhyve driver on a simulated Intel Mac (platform darwin, x64, a non-root user) with fake xhyve, sudo and
 * sysctl binaries: the kexec boot of the cached G8OS kernel, the UEFI boot of the image, the explicit sudo
 * step for vmnet, pid file and UUID per VM, SIGTERM then SIGKILL after 5 s, stale pid files recovered, and
 * each failure in words.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDriver, recentVmStarts, vmConsoleNote, vmDown, vmList, vmRemove, vmUp } from '../../main/core/vm/index.ts';
import type { Host } from '../../main/core/vm/host.ts';
import { FAKES, readJsonLines, rejection, testHome, type TestHome } from './helpers.ts';
import type { NetworkId } from '../../main/common/validate.ts';

const NWID = 'a09acf0233c5b2e1';
let home: TestHome;
let fakeDir: string;
let kernelsDir: string;

/** The first bytes of a bzImage: "HdrS" at 0x202 and the boot protocol version at 0x206. */
function writeKernel(path: string, protocol: number): void {
  const image = Buffer.alloc(0x1000);
  image.write('HdrS', 0x202, 'latin1');
  image.writeUInt16LE(protocol, 0x206);
  writeFileSync(path, image);
}

const mac = (overrides: Partial<Host> = {}) => home.host({ platform: 'darwin', arch: 'x64', uid: 501, ...overrides });
const xhyveCalls = () => readJsonLines<{ args: string[]; pid: number }>(join(fakeDir, 'calls.jsonl'));
const sudoCalls = () => (existsSync(join(fakeDir, 'sudo.log')) ? readFileSync(join(fakeDir, 'sudo.log'), 'utf8').trim().split('\n') : []);
const vmsDir = () => join(home.env.G8BOOT_HOME!, 'data', 'vms');
const leftovers = () => (existsSync(vmsDir()) ? readdirSync(vmsDir()) : []);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/ Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').split(')')[1] ?? '');
  } catch {
    return false;
  }
};

beforeEach(() => {
  home = testHome({ withFakes: true });
  fakeDir = join(home.dir, 'fake-xhyve');
  mkdirSync(fakeDir);
  Object.assign(home.env, { FAKE_XHYVE_DIR: fakeDir, FAKE_SUDO_LOG: join(fakeDir, 'sudo.log') });
  kernelsDir = join(home.env.G8BOOT_HOME!, 'data', 'kernels');
  mkdirSync(kernelsDir, { recursive: true });
  writeKernel(join(kernelsDir, 'g8os-kernel'), 0x020f);
});

afterEach(async () => {
  // Never leave a fake xhyve behind, whatever a test did.
  for (const { pid } of xhyveCalls()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  home.cleanup();
});

describe('xhyve kexec boot of the cached G8OS kernel', () => {
  it('starts xhyve through an explicit sudo step, with the G8OS kernel and zerotier=<id>', async () => {
    const messages: string[] = [];
    const { record, status } = await vmUp({ hypervisor: 'xhyve', netid: NWID }, { host: mac(), notify: (m) => messages.push(m) });

    expect(record).toMatchObject({ name: 'g8-a09acf-1', image: null, bootUrl: null, firmware: 'bios' });
    expect(record.xhyve!.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(status.state).toBe('running');
    expect(messages).toEqual(['xhyve needs root for its vmnet network, so g8boot starts it with sudo; sudo may ask for your password.']);

    const kernel = join(kernelsDir, 'g8os-kernel');
    const expectedArgs = [
      '-A', '-c', '2', '-m', '2048M',
      '-s', '0:0,hostbridge', '-s', '31,lpc', '-l', 'com1,stdio', '-s', '2:0,virtio-net',
      '-U', record.xhyve!.uuid, '-F', record.pidFile,
      '-f', `kexec,${kernel},,zerotier=${NWID} console=ttyS0`,
    ];
    // -v, then whether it takes -F and -l bootrom (each probe ends in -h; the two run at once, so in either
    // order), then the VM.
    const calls = xhyveCalls().map((c) => c.args);
    expect(calls[0]).toEqual(['-v']);
    expect(calls.slice(1, 3)).toEqual(
      expect.arrayContaining([
        ['-F', '/nonexistent/g8boot-probe.pid', '-h'],
        ['-l', 'bootrom,/dev/null', '-h'],
      ]),
    );
    expect(calls.slice(3)).toEqual([expectedArgs]);
    expect(sudoCalls()).toEqual(['-v', ['-n', join(FAKES, 'xhyve'), ...expectedArgs].join(' ')]);
    expect(readFileSync(record.pidFile, 'utf8')).toBe(String(status.pid));
    // COM1 on stdio writes to fd 0: g8boot gives xhyve the serial log there, writable.
    expect(readFileSync(record.serialLog, 'latin1')).toContain(`Command line: zerotier=${NWID} console=ttyS0`);
    expect(await recentVmStarts(NWID as NetworkId, { dirs: mac().dirs })).toEqual([expect.objectContaining({ vm: record.name, hypervisor: 'xhyve' })]);

    expect(await vmDown(record.name, mac())).toEqual({ state: 'stopped' });
    expect(alive(status.pid!)).toBe(false);
    expect(existsSync(record.pidFile)).toBe(false);
    await vmRemove(record.name, mac());
    expect(leftovers()).toEqual([]);
  });

  it('runs xhyve directly when g8boot already runs as root', async () => {
    const { record } = await vmUp({ hypervisor: 'xhyve', netid: NWID }, { host: mac({ uid: 0 }) });
    expect(sudoCalls()).toEqual([]);
    expect(record.xhyve!.elevated).toBe(false);
    await vmRemove(record.name, mac({ uid: 0 }));
  });

  it('sends SIGKILL when xhyve ignores SIGTERM for 5 s', async () => {
    home.env.FAKE_XHYVE_IGNORE_TERM = '1';
    const { record, status } = await vmUp({ hypervisor: 'xhyve', netid: NWID }, { host: mac() });
    const started = Date.now();
    await vmDown(record.name, mac());
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    expect(alive(status.pid!)).toBe(false);
    expect(existsSync(record.pidFile)).toBe(false);
  }, 20_000);

  it('shows a VM whose xhyve died as crashed and recovers its stale pid file on the next start', async () => {
    const host = mac();
    const { record, status } = await vmUp({ hypervisor: 'xhyve', netid: NWID }, { host });
    process.kill(status.pid!, 'SIGKILL');
    await expect.poll(() => alive(status.pid!), { timeout: 5_000 }).toBe(false);

    const [listed] = await vmList(host);
    expect(listed).toMatchObject({ name: record.name, state: 'crashed' });
    expect(listed!.detail).toContain('xhyve exited without being stopped');
    expect(listed!.detail).toContain(`Command line: zerotier=${NWID}`);
    expect(existsSync(record.pidFile)).toBe(true);

    // xhyve creates its pid file exclusively: the stale one must go first.
    const driver = createDriver('xhyve', host);
    await driver.start(record);
    const restarted = await driver.state(record);
    expect(restarted.state).toBe('running');
    expect(restarted.pid).not.toBe(status.pid);
    await vmRemove(record.name, host);
  });
});

describe('xhyve UEFI boot of the image', () => {
  it('boots the image through bhyve UEFI firmware, chaining the boot service at the vmnet gateway', async () => {
    const firmware = join(home.dir, 'BHYVE_UEFI.fd');
    writeFileSync(firmware, 'fake firmware');
    const host = mac({ env: { ...home.env, G8BOOT_XHYVE_UEFI: firmware } });
    const { record } = await vmUp({ hypervisor: 'xhyve', netid: NWID, firmware: 'uefi', cpus: 1, memory: 1024 }, { host });
    expect(record.bootUrl).toBe('http://192.168.64.1:8088');
    expect(existsSync(record.image!)).toBe(true);
    const args = xhyveCalls().at(-1)!.args;
    expect(args).toEqual([
      '-A', '-c', '1', '-m', '1024M',
      '-s', '0:0,hostbridge', '-s', '31,lpc', '-l', 'com1,stdio', '-s', '2:0,virtio-net',
      '-s', `3,ahci-cd,${record.image}`,
      '-U', record.xhyve!.uuid, '-F', record.pidFile,
      '-l', `bootrom,${firmware}`,
    ]);
    await vmRemove(record.name, host);
    expect(leftovers()).toEqual([]);
  });

  it('says where to get BHYVE_UEFI.fd when it is missing, and leaves nothing behind', async () => {
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID, firmware: 'uefi' }, { host: mac() }));
    expect(error.code).toBe('E_VM_UEFI_FIRMWARE_MISSING');
    expect(error.hint).toContain('G8BOOT_XHYVE_UEFI');
    expect(leftovers()).toEqual([]);
  });
});

describe("Homebrew's xhyve v0.2.0 (no -F, no -l bootrom)", () => {
  beforeEach(() => {
    home.env.FAKE_XHYVE_VERSION = '0.2.0';
  });

  it('boots by kexec without -F: g8boot writes the pid file, tracks, stops and removes the VM', async () => {
    const host = mac();
    const detection = await createDriver('xhyve', host).detect();
    expect(detection.version).toBe('0.2.0');
    expect(detection.warnings).toContain('This xhyve has no UEFI boot (-l bootrom, in master builds): it boots the G8OS kernel directly (--firmware bios).');

    const { record, status } = await vmUp({ hypervisor: 'xhyve', netid: NWID }, { host });
    expect(status.state).toBe('running');
    const args = xhyveCalls().find((c) => c.args.includes('-A'))!.args;
    expect(args).not.toContain('-F');
    expect(args).toEqual(expect.arrayContaining(['-U', record.xhyve!.uuid, '-l', 'com1,stdio']));
    expect(readFileSync(record.pidFile, 'utf8')).toBe(String(status.pid));
    expect(readFileSync(record.serialLog, 'latin1')).toContain(`Command line: zerotier=${NWID} console=ttyS0`);
    expect(await vmList(host)).toEqual([expect.objectContaining({ name: record.name, state: 'running', pid: status.pid })]);

    expect(await vmDown(record.name, host)).toEqual({ state: 'stopped' });
    expect(alive(status.pid!)).toBe(false);
    await vmRemove(record.name, host);
    expect(leftovers()).toEqual([]);
  });

  it('vmnet refused a moment after the start: reported in words, although g8boot wrote the pid file itself', async () => {
    home.env.FAKE_XHYVE_FAIL = 'vmnet';
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID }, { host: mac() }));
    expect(error.code).toBe('E_VM_VMNET');
    expect(leftovers()).toEqual([]);
  });

  it('UEFI: refused in words (no -l bootrom in this build), before a VM exists', async () => {
    const firmware = join(home.dir, 'BHYVE_UEFI.fd');
    writeFileSync(firmware, 'fake firmware');
    const host = mac({ env: { ...home.env, G8BOOT_XHYVE_UEFI: firmware } });
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID, firmware: 'uefi' }, { host }));
    expect(error).toMatchObject({ code: 'E_VM_NO_UEFI', exitCode: 3 });
    expect(error.hint).toContain('--firmware bios');
    expect(xhyveCalls().filter((c) => c.args.includes('-A'))).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('vm logs explains that a kexec boot has no firmware or iPXE lines', async () => {
    const host = mac();
    const { record } = await vmUp({ hypervisor: 'xhyve', netid: NWID }, { host });
    expect(vmConsoleNote(record, host)).toContain('xhyve starts the G8OS kernel directly (kexec)');
    await vmRemove(record.name, host);
  });
});

describe('xhyve failures, each in words', () => {
  it('no G8OS kernel in the cache', async () => {
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID, kernel: join(home.dir, 'nope') }, { host: mac() }));
    expect(error.code).toBe('E_VM_KERNEL_MISSING');
    expect(error.hint).toContain('g8boot kernel add');
    expect(leftovers()).toEqual([]);
  });

  it('refuses a kernel older than boot protocol 2.10 (such as ipxe.lkrn)', async () => {
    const lkrn = join(home.dir, 'ipxe.lkrn');
    writeKernel(lkrn, 0x0207);
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID, kernel: lkrn }, { host: mac() }));
    expect(error.code).toBe('E_VM_KERNEL_INVALID');
    expect(error.message).toContain('boot protocol 2.07; xhyve needs 2.10');
  });

  it('vmnet refused: says it needs root', async () => {
    home.env.FAKE_XHYVE_FAIL = 'vmnet';
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID }, { host: mac() }));
    expect(error.code).toBe('E_VM_VMNET');
    expect(error.message).toContain('Could not create vmnet interface');
    expect(leftovers()).toEqual([]);
  });

  it('sudo refused: the elevation step fails in words', async () => {
    home.env.FAKE_SUDO_REFUSE = '1';
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID }, { host: mac() }));
    expect(error.code).toBe('E_VM_ELEVATION_FAILED');
    expect(error.message).toContain('sudo: a password is required');
    expect(leftovers()).toEqual([]);
  });

  it('no Hypervisor.framework: acceleration unavailable, nothing created', async () => {
    home.env.FAKE_HV_SUPPORT = '0';
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID }, { host: mac() }));
    expect(error.code).toBe('E_VM_NO_ACCELERATION');
    expect(error.exitCode).toBe(3);
    expect(leftovers()).toEqual([]);
    expect(xhyveCalls().map((c) => c.args)).toEqual([['-v']]);
  });

  it('a path with a comma: refused in words before xhyve runs (its options are comma-separated)', async () => {
    const odd = join(home.dir, 'kernels,old');
    mkdirSync(odd);
    writeKernel(join(odd, 'g8os-kernel'), 0x020f);
    const error = await rejection(vmUp({ hypervisor: 'xhyve', netid: NWID, kernel: join(odd, 'g8os-kernel') }, { host: mac() }));
    expect(error).toMatchObject({ code: 'E_VM_PATH_COMMA', exitCode: 2 });
    expect(error.message).toContain('kernels,old/g8os-kernel');
    expect(error.hint).toContain('without commas');
    expect(xhyveCalls().filter((c) => c.args.includes('-A'))).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('not installed: says which xhyve to get, and what each build can do', async () => {
    const error = await rejection(createDriver('xhyve', mac({ env: { ...home.env, PATH: '/nonexistent' } })).detect());
    expect(error.code).toBe('E_VM_HYPERVISOR_MISSING');
    expect(error.hint).toContain('github.com/machyve/xhyve');
    expect(error.hint).toContain('v0.2.0');
  });

  it('Apple silicon: xhyve does not run there', async () => {
    const detection = await createDriver('xhyve', mac({ arch: 'arm64' })).detect();
    expect(detection.problem?.message).toContain('xhyve does not run on Apple silicon');
  });
});
