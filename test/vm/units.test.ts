/**
 * The pieces of the VM code that need no hypervisor: the address the guest sees the host at, QEMU's command
 * line and error texts, VBoxManage's output formats, firmware and binary locations, names, validation, the
 * "expect a node" file and the serial log follower.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NetworkId } from '../../main/common/validate.ts';
import { runCli } from '../helpers/cli.ts';
import { createDriver, onVmStarted, parseNetworkMode, parseVmUpRequest, preferredHypervisors, recentVmStarts, recordVmStart, type VmStartExpectation } from '../../main/core/vm/index.ts';
import { installHint } from '../../main/core/vm/errors.ts';
import { bestAccel } from '../../main/core/vm/qemu/accel.ts';
import { qemuArgs } from '../../main/core/vm/qemu/args.ts';
import { parseQemuVersion } from '../../main/core/vm/qemu/driver.ts';
import { qemuStartFailure } from '../../main/core/vm/qemu/failures.ts';
import { ovmfCandidates } from '../../main/core/vm/qemu/firmware.ts';
import { defaultVmName, parseVmName } from '../../main/core/vm/records.ts';
import { followLog } from '../../main/core/vm/serial-log.ts';
import type { VmRecord } from '../../main/core/vm/types.ts';
import { parseMachineReadable, parseVBoxVersion, parseVmList, stateFromVBox } from '../../main/core/vm/virtualbox/machine-info.ts';
import { rejection, testHome, type TestHome } from './helpers.ts';

const NWID = '8056c2e21c000001' as NetworkId;
let home: TestHome;
beforeEach(() => {
  home = testHome();
});
afterEach(() => home.cleanup());

const nic = (address: string): NetworkInterfaceInfo => ({ address, family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '52:54:00:12:34:56', cidr: `${address}/24` });
const interfaces = { lo: [{ ...nic('127.0.0.1'), internal: true }], docker0: [nic('172.17.0.1')], eth0: [nic('192.168.1.20')], br0: [nic('192.168.7.2')] };

function record(overrides: Partial<VmRecord> = {}): VmRecord {
  return {
    name: 'g8-8056c2-1',
    hypervisor: 'qemu',
    netid: NWID,
    bootUrl: 'http://10.0.2.2:8088',
    firmware: 'bios',
    media: 'cd',
    memoryMiB: 2048,
    cpus: 2,
    network: { kind: 'nat' },
    dataDiskGiB: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    dir: '/vms/g8-8056c2-1',
    runDir: '/run/g8-8056c2-1',
    image: '/vms/g8-8056c2-1/boot.iso',
    pidFile: '/run/g8-8056c2-1/qemu.pid',
    serialLog: '/run/g8-8056c2-1/serial.log',
    dataDisk: null,
    ...overrides,
  };
}

describe('the address the guest sees the host at', () => {
  it('is 10.0.2.2 behind QEMU user networking and VirtualBox NAT', async () => {
    const host = home.host({ networkInterfaces: () => interfaces });
    expect(await createDriver('qemu', host).hostAddressForGuest({ kind: 'nat' })).toBe('10.0.2.2');
    expect(await createDriver('virtualbox', host).hostAddressForGuest({ kind: 'nat' })).toBe('10.0.2.2');
  });

  it("is the host's LAN address when bridged: the bridge's own, else the first LAN interface's", async () => {
    const host = home.host({ networkInterfaces: () => interfaces });
    expect(await createDriver('qemu', host).hostAddressForGuest({ kind: 'bridged', device: 'br0' })).toBe('192.168.7.2');
    expect(await createDriver('qemu', host).hostAddressForGuest({ kind: 'tap', device: 'tap0' })).toBe('192.168.1.20');
  });

  it('is the vmnet gateway for xhyve (192.168.64.1 unless vmnet is configured otherwise)', async () => {
    const host = home.host({ platform: 'darwin', arch: 'x64', env: { ...home.env, PATH: '/nonexistent' } });
    expect(await createDriver('xhyve', host).hostAddressForGuest({ kind: 'nat' })).toBe('192.168.64.1');
  });

  it('says so when there is no LAN address, and refuses modes a hypervisor lacks', async () => {
    const host = home.host({ networkInterfaces: () => ({ lo: interfaces.lo }) });
    expect((await rejection(createDriver('qemu', host).hostAddressForGuest({ kind: 'bridged', device: 'br0' }))).code).toBe('E_VM_NO_LAN_ADDRESS');
    expect((await rejection(createDriver('virtualbox', host).hostAddressForGuest({ kind: 'tap', device: 'tap0' }))).code).toBe('E_VM_NETWORK_UNSUPPORTED');
    expect((await rejection(createDriver('xhyve', host).hostAddressForGuest({ kind: 'bridged', device: 'en0' }))).code).toBe('E_VM_NETWORK_UNSUPPORTED');
  });
});

describe('the QEMU command line', () => {
  it('BIOS, CD, user networking: the NIC ROM off, serial to the log, a QMP socket, daemonized with a pid file', () => {
    expect(qemuArgs(record(), { accel: 'kvm', firmwareCode: null, varsFile: null, qmpSocket: '/run/g8-8056c2-1/qmp.sock', daemonize: true, serconPortFile: '/run/g8-8056c2-1/sercon-port' })).toEqual([
      '-name', 'g8-8056c2-1', '-machine', 'pc', '-accel', 'kvm', '-cpu', 'host', '-smp', '2', '-m', '2048',
      '-display', 'none', '-monitor', 'none', '-qmp', 'unix:/run/g8-8056c2-1/qmp.sock,server=on,wait=off', '-serial', 'file:/run/g8-8056c2-1/serial.log',
      // SeaBIOS mirrors the text screen (isolinux, iPXE) to COM1.
      '-fw_cfg', 'name=etc/sercon-port,file=/run/g8-8056c2-1/sercon-port',
      '-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0,romfile=',
      '-drive', 'if=none,id=boot,format=raw,media=cdrom,readonly=on,file=/vms/g8-8056c2-1/boot.iso', '-device', 'ide-cd,drive=boot,bootindex=0',
      '-pidfile', '/run/g8-8056c2-1/qemu.pid', '-daemonize',
    ]);
  });

  it('UEFI, disk, tap, data disk: the OVMF pair, q35 buses, commas in paths doubled', () => {
    const args = qemuArgs(record({ firmware: 'uefi', media: 'disk', network: { kind: 'tap', device: 'tap0' }, image: '/a,b/boot.iso', dataDisk: '/a,b/data.img' }), {
      accel: 'whpx',
      firmwareCode: '/fw/OVMF_CODE.fd',
      varsFile: '/a,b/OVMF_VARS.fd',
      qmpSocket: null,
      daemonize: false,
      serconPortFile: '/a,b/sercon-port',
    });
    expect(args.join(' ')).toContain('-machine q35 -accel whpx -accel tcg');
    expect(args).toEqual(expect.arrayContaining([
      'tap,id=n0,ifname=tap0,script=no,downscript=no',
      'if=pflash,format=raw,unit=0,readonly=on,file=/fw/OVMF_CODE.fd',
      'if=pflash,format=raw,unit=1,file=/a,,b/OVMF_VARS.fd',
      'if=none,id=boot,format=raw,file=/a,,b/boot.iso',
      'ide-hd,drive=boot,bootindex=0,bus=ide.0',
      'if=none,id=data,format=raw,file=/a,,b/data.img',
      'virtio-blk-pci,drive=data',
    ]));
    expect(args).not.toContain('-daemonize');
    // OVMF mirrors its console to the serial port by itself; SeaBIOS's fw_cfg file is not for it.
    expect(args).not.toContain('-fw_cfg');
    expect(args).not.toContain('-qmp');
  });

  it("maps QEMU's error texts onto failures people can act on", () => {
    const r = record({ qemu: { accel: 'kvm', firmwareCode: null, varsFile: null } });
    expect(qemuStartFailure('qemu-system-x86_64: Could not access KVM kernel module: Permission denied\nqemu-system-x86_64: failed to initialize kvm: Permission denied\n', r).code).toBe('E_VM_NO_ACCELERATION');
    const locked = qemuStartFailure('qemu-system-x86_64: -drive if=none,id=boot,format=raw,file=/vms/x/boot.iso: Failed to get "write" lock\nIs another process using the image [/vms/x/boot.iso]?\n', r);
    expect(locked.code).toBe('E_VM_IMAGE_LOCKED');
    expect(locked.message).toContain('/vms/x/boot.iso');
    expect(qemuStartFailure('qemu-system-x86_64: write: No space left on device\n', r).code).toBe('E_VM_NO_SPACE');
    expect(qemuStartFailure('qemu-system-x86_64: -m 99999999: ram size too large\n', r).message).toContain('ram size too large');
  });

  it('reads the version and picks the accelerator per OS', async () => {
    expect(parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n')).toBe('7.2.22');
    expect(await bestAccel(home.host({ platform: 'linux' }), '/nonexistent/kvm')).toMatchObject({ accel: 'tcg', reason: expect.stringContaining('does not exist') });
    expect(await bestAccel(home.host({ platform: 'win32' }))).toEqual({ accel: 'whpx' });
    expect(await bestAccel(home.host({ platform: 'darwin', arch: 'arm64' }))).toMatchObject({ accel: 'tcg', reason: expect.stringContaining('Apple silicon') });
  });

  it('refuses an accelerator that is asked for but not there, before creating anything', async () => {
    const driver = createDriver('qemu', home.host({ platform: 'linux' }), { accel: 'hvf' });
    const detection = await driver.detect();
    expect(detection.problem?.code).toBe('E_VM_NO_ACCELERATION');
    expect((await rejection(driver.create(record()))).code).toBe('E_VM_NO_ACCELERATION');
  });

  it('finds OVMF where Debian, Fedora, Homebrew and the Windows installer put it', () => {
    const linux = ovmfCandidates('linux', {}).map((c) => c.code);
    expect(linux).toEqual(expect.arrayContaining(['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/edk2/ovmf/OVMF_CODE.fd']));
    expect(ovmfCandidates('darwin', {})[0]).toEqual({ code: '/opt/homebrew/share/qemu/edk2-x86_64-code.fd', vars: '/opt/homebrew/share/qemu/edk2-i386-vars.fd' });
    expect(ovmfCandidates('win32', { ProgramFiles: 'C:\\Program Files' })[0]!.code).toBe('C:\\Program Files\\qemu\\share\\edk2-x86_64-code.fd');
    expect(ovmfCandidates('linux', { G8BOOT_OVMF_CODE: '/x/code.fd', G8BOOT_OVMF_VARS: '/x/vars.fd' })[0]).toEqual({ code: '/x/code.fd', vars: '/x/vars.fd' });
  });

  it('says how to install QEMU on each OS', async () => {
    expect(installHint('qemu', 'darwin')).toContain('brew install qemu');
    expect(installHint('qemu', 'win32')).toContain('winget install');
    const error = await rejection(createDriver('qemu', home.host({ env: { ...home.env, PATH: '/nonexistent' }, platform: 'darwin' })).detect());
    expect(error).toMatchObject({ code: 'E_VM_HYPERVISOR_MISSING', exitCode: 3, hint: expect.stringContaining('brew install qemu') });
  });
});

describe("VBoxManage's output", () => {
  it('reads the version, also behind the vboxdrv warning', () => {
    expect(parseVBoxVersion('7.0.14r161095\n')).toEqual({ version: '7.0.14', major: 7, driverProblem: null });
    expect(parseVBoxVersion('6.1.50_Ubuntur161033\n').version).toBe('6.1.50');
    const warned = parseVBoxVersion('WARNING: The vboxdrv kernel module is not loaded. Either there is no module\n         available for the current kernel (6.1.0-18-amd64) or it failed to\n         load. Please recompile the kernel module and install it by\n\n           sudo /sbin/vboxconfig\n\n         You will not be able to start VMs until this problem is fixed.\n7.0.14r161095\n');
    expect(warned).toEqual({ version: '7.0.14', major: 7, driverProblem: 'the vboxdrv kernel module is not loaded' });
  });

  it('reads list vms and showvminfo --machinereadable, and maps VM states', () => {
    expect(parseVmList('"g8-8056c2-1" {0f7b4c9a-1111-2222-3333-444455556666}\r\n"Ubuntu (64-bit)" {aa-bb}\n')).toEqual([
      { name: 'g8-8056c2-1', uuid: '0f7b4c9a-1111-2222-3333-444455556666' },
      { name: 'Ubuntu (64-bit)', uuid: 'aa-bb' },
    ]);
    const info = parseMachineReadable('name="g8-x"\nmemory=2048\nVMState="aborted"\n"storagecontrollername0"="IDE"\n');
    expect([info.get('name'), info.get('memory'), info.get('VMState'), info.get('storagecontrollername0')]).toEqual(['g8-x', '2048', 'aborted', 'IDE']);
    expect(['running', 'poweroff', 'aborted', 'saved', 'paused', 'starting', 'gurumeditation', 'teleported'].map(stateFromVBox)).toEqual([
      'running', 'stopped', 'crashed', 'saved', 'paused', 'starting', 'crashed', 'unknown',
    ]);
  });
});

describe('names and requests', () => {
  it('names VMs g8-<first 6 of the network id>-<n>, the first n free', () => {
    expect(defaultVmName(NWID, new Set())).toBe('g8-8056c2-1');
    expect(defaultVmName(NWID, new Set(['g8-8056c2-1', 'g8-8056c2-2']))).toBe('g8-8056c2-3');
    expect(defaultVmName(null, new Set())).toBe('g8-nozt-1');
    expect(() => parseVmName('../etc')).toThrow(/Invalid VM name/);
  });

  it('validates a request before anything changes, with the node defaults', () => {
    expect(parseVmUpRequest({ netid: NWID })).toMatchObject({ memoryMiB: 2048, cpus: 2, firmware: 'bios', media: 'cd', network: { kind: 'nat' }, dataDiskGiB: null, accel: 'auto', hypervisor: null });
    expect(parseNetworkMode('bridged:br0')).toEqual({ kind: 'bridged', device: 'br0' });
    expect(() => parseNetworkMode('bridged:')).toThrow(/Invalid network/);
    expect(() => parseVmUpRequest({ netid: NWID, cpus: '0' })).toThrow(/number of CPUs/);
    expect(() => parseVmUpRequest({ netid: NWID, hypervisor: 'vmware' })).toThrow(/qemu, virtualbox, xhyve/);
    expect(() => parseVmUpRequest({ netid: NWID, bootUrl: 'ftp://x' })).toThrow(/only http and https/);
  });

  it('prefers the hypervisors developers have on each OS', () => {
    expect(preferredHypervisors('linux', 'x64')).toEqual(['qemu', 'virtualbox']);
    expect(preferredHypervisors('win32', 'x64')[0]).toBe('virtualbox');
    expect(preferredHypervisors('darwin', 'x64')).toContain('xhyve');
    expect(preferredHypervisors('darwin', 'arm64')).toEqual(['qemu']);
  });

  it('the CLI rejects bad input with exit code 2 and creates nothing', async () => {
    const r = await runCli(['vm', 'up', '--hypervisor', 'qemu', '--netid', '123'], { env: home.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid network id "123"');
    const logs = await runCli(['vm', 'logs', 'g8-none-1'], { env: home.env });
    expect(logs.code).toBe(2);
    expect(logs.stderr).toContain('There is no g8boot VM named "g8-none-1"');
  });
});

describe('expecting a node after a VM start', () => {
  const entry = (vm: string, netid: string | null, startedAt: number): VmStartExpectation => ({ vm, hypervisor: 'qemu', netid: netid as NetworkId | null, startedAt: new Date(startedAt).toISOString() });

  it('remembers starts per network for 10 minutes, newest first', async () => {
    const dirs = home.host().dirs;
    const now = Date.parse('2026-01-01T12:00:00Z');
    await recordVmStart(entry('g8-old', NWID, now - 11 * 60_000), dirs, now - 11 * 60_000);
    await recordVmStart(entry('g8-a', NWID, now - 60_000), dirs, now - 60_000);
    await recordVmStart(entry('g8-other', 'a09acf0233c5b2e1', now - 30_000), dirs, now - 30_000);
    await recordVmStart(entry('g8-b', NWID, now), dirs, now);
    expect((await recentVmStarts(NWID, { dirs, now })).map((e) => e.vm)).toEqual(['g8-b', 'g8-a']);
    // The file itself was pruned of the stale entry.
    expect(readFileSync(join(dirs.data, 'expectations.json'), 'utf8')).not.toContain('g8-old');
  });

  it('tells listeners about starts recorded by anyone, until they stop listening', async () => {
    const dirs = home.host().dirs;
    const seen: string[] = [];
    const stop = onVmStarted((e) => seen.push(e.vm), { dirs });
    await new Promise((r) => setTimeout(r, 100));
    await recordVmStart(entry('g8-new', NWID, Date.now()), dirs);
    await expect.poll(() => seen, { timeout: 3_000 }).toEqual(['g8-new']);
    stop();
    await recordVmStart(entry('g8-later', NWID, Date.now()), dirs);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(['g8-new']);
  });
});

describe('following the serial log', () => {
  it('prints what is there, then new output, and starts over when the log is truncated', async () => {
    const log = join(home.dir, 'serial.log');
    writeFileSync(log, 'iPXE 1.21\n');
    const chunks: string[] = [];
    const stop = new AbortController();
    const following = followLog(log, { signal: stop.signal, intervalMs: 20, onData: (c) => chunks.push(c.toString()) });
    await expect.poll(() => chunks.join(''), { timeout: 2_000 }).toBe('iPXE 1.21\n');
    appendFileSync(log, 'net0: 10.0.2.15\n');
    await expect.poll(() => chunks.join(''), { timeout: 2_000 }).toBe('iPXE 1.21\nnet0: 10.0.2.15\n');
    writeFileSync(log, 'reboot\n');
    await expect.poll(() => chunks.at(-1), { timeout: 2_000 }).toBe('reboot\n');
    stop.abort();
    await following;
  });
});
