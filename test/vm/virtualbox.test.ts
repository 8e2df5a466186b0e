/**
 * The VirtualBox driver against a fake VBoxManage that records its calls and replays VirtualBox's documented
 * outputs and error texts: the exact command sequence of `vm up/ls/down/rm`, the C locale, the retries of
 * transient failures, each failure in words, and no VM or file left behind when `up` fails half-way.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.ts';
import { vboxManageCandidates } from '../../main/core/vm/virtualbox/vboxmanage.ts';
import { createDriver, vmDown, vmList, vmRemove, vmUp } from '../../main/core/vm/index.ts';
import { FAKES, readJsonLines, rejection, testHome, type TestHome } from './helpers.ts';

const NWID = '8056c2e21c000001';
let home: TestHome;
let fakeDir: string;

interface Call {
  args: string[];
  LANG: string | null;
  LC_ALL: string | null;
}

function scenario(value: object): void {
  writeFileSync(join(fakeDir, 'scenario.json'), JSON.stringify(value));
}
const calls = () => readJsonLines<Call>(join(fakeDir, 'calls.jsonl'));
const commands = () => calls().map((c) => c.args[0]);
const vmsDir = () => join(home.env.G8BOOT_HOME!, 'data', 'vms');
const leftovers = () => (existsSync(vmsDir()) ? readdirSync(vmsDir()) : []);
const up = (extra: object = {}) => vmUp({ hypervisor: 'virtualbox', netid: NWID, bootUrl: 'http://10.0.2.2:8088', ...extra }, { host: home.host() });

beforeEach(() => {
  home = testHome({ withFakes: true });
  fakeDir = join(home.dir, 'fake-vbox');
  mkdirSync(fakeDir);
  home.env.FAKE_VBOX_DIR = fakeDir;
});
afterEach(() => home.cleanup());

describe('vm up / ls / down / rm on VirtualBox (CLI)', () => {
  it('runs the documented VBoxManage sequence in the C locale and cleans up after itself', async () => {
    const env = { ...home.env, LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' };
    const upResult = await runCli(['vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--firmware', 'uefi', '--json'], { env });
    expect(upResult.code, upResult.stderr).toBe(0);
    const vm = JSON.parse(upResult.stdout) as { name: string; dir: string; serialLog: string; image: string; bootUrl: string; virtualbox: { uuid: string }; state: string };
    expect(vm.name).toBe('g8-8056c2-1');
    expect(vm.state).toBe('running');
    // NAT: the guest sees this machine as 10.0.2.2; g8boot's boot service listens on 8088.
    expect(vm.bootUrl).toBe('http://10.0.2.2:8088');
    const uuid = vm.virtualbox.uuid;

    expect(calls().map((c) => c.args)).toEqual([
      ['--version'],
      ['list', 'vms'],
      ['list', 'vms'],
      ['createvm', '--name', 'g8-8056c2-1', '--ostype', 'Linux_64', '--register', '--basefolder', vmsDir()],
      [
        'modifyvm', uuid,
        '--memory', '2048', '--cpus', '2',
        '--nic1', 'nat', '--nat-localhostreachable1', 'on', '--nic-type1', '82540EM',
        '--boot1', 'dvd', '--boot2', 'none',
        '--uart1', '0x3F8', '4', '--uart-mode1', 'file', vm.serialLog,
        '--firmware', 'efi',
        '--description', `g8boot test node for ZeroTier network ${NWID}`,
      ],
      ['storagectl', uuid, '--name', 'IDE', '--add', 'ide'],
      ['storageattach', uuid, '--storagectl', 'IDE', '--port', '0', '--device', '0', '--type', 'dvddrive', '--medium', vm.image],
      ['startvm', uuid, '--type', 'headless'],
      ['showvminfo', uuid, '--machinereadable'],
    ]);
    expect(calls().every((c) => c.LANG === 'C' && c.LC_ALL === 'C')).toBe(true);
    expect(existsSync(vm.image)).toBe(true);

    const ls = await runCli(['vm', 'ls', '--json'], { env });
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ name: vm.name, hypervisor: 'virtualbox', state: 'running', netid: NWID })]);

    const before = calls().length;
    const down = await runCli(['vm', 'down', vm.name], { env });
    expect(down.code, down.stderr).toBe(0);
    expect(calls().slice(before).map((c) => c.args.slice(0, 3))).toEqual([
      ['showvminfo', uuid, '--machinereadable'],
      ['controlvm', uuid, 'poweroff'],
      ['showvminfo', uuid, '--machinereadable'],
      ['showvminfo', uuid, '--machinereadable'],
    ]);
    expect((await runCli(['vm', 'ls', '--json'], { env })).stdout).toContain('"state": "stopped"');

    const rm = await runCli(['vm', 'rm', vm.name], { env });
    expect(rm.code, rm.stderr).toBe(0);
    expect(calls().at(-1)!.args).toEqual(['unregistervm', uuid, '--delete-all']);
    expect(leftovers()).toEqual([]);
    expect(existsSync(join(home.env.G8BOOT_HOME!, 'state', 'vms', vm.name))).toBe(false);
  });

  it('refuses to start when the vboxdrv kernel module is not loaded, and changes nothing', async () => {
    scenario({ driverNotLoaded: true });
    const r = await runCli(['vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID], { env: home.env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('VirtualBox cannot start VMs: the vboxdrv kernel module is not loaded.');
    expect(r.stderr).toContain('sudo /sbin/vboxconfig');
    expect(commands()).toEqual(['--version']);
    expect(leftovers()).toEqual([]);
  });
});

describe('VirtualBox failures, each in words, nothing left behind', () => {
  it('VT-x unavailable at startvm: acceleration error, the half-made VM is unregistered and deleted', async () => {
    scenario({ fail: [{ command: 'startvm', error: 'vtx' }] });
    const error = await rejection(up());
    expect(error.code).toBe('E_VM_NO_ACCELERATION');
    expect(error.message).toContain('VT-x is not available (VERR_VMX_NO_VMX)');
    expect(commands().slice(-2)).toEqual(['showvminfo', 'unregistervm']);
    expect(calls().at(-1)!.args).toContain('--delete-all');
    expect(leftovers()).toEqual([]);
  });

  it('a locked medium: image-locked error naming the medium, and the VM is removed', async () => {
    scenario({ fail: [{ command: 'storageattach', error: 'lockedMedium', times: 3 }] });
    const error = await rejection(up());
    expect(error.code).toBe('E_VM_IMAGE_LOCKED');
    expect(error.message).toMatch(/boot\.iso" is locked by another VM or process \(Medium '.*boot\.iso' is locked for writing by another task\)/);
    expect(commands().filter((c) => c === 'storageattach')).toHaveLength(1);
    expect(commands().at(-1)).toBe('unregistervm');
    expect(leftovers()).toEqual([]);
  });

  it('retries a session lock (a transient failure) up to 3 times', async () => {
    scenario({ fail: [{ command: 'modifyvm', error: 'sessionLocked', times: 2 }] });
    const result = await up();
    expect(result.status.state).toBe('running');
    expect(commands().filter((c) => c === 'modifyvm')).toHaveLength(3);
  });

  it('gives up on a session lock that outlasts the retries, in words', async () => {
    scenario({ fail: [{ command: 'modifyvm', error: 'sessionLocked', times: 3 }] });
    const error = await rejection(up());
    expect(error.code).toBe('E_VM_BUSY');
    expect(error.hint).toContain('Close the VirtualBox window');
    expect(commands().filter((c) => c === 'modifyvm')).toHaveLength(3);
    expect(leftovers()).toEqual([]);
  });

  it('out of disk while creating the data disk', async () => {
    scenario({ fail: [{ command: 'createmedium', error: 'diskFull' }] });
    const error = await rejection(up({ diskGiB: 20 }));
    expect(error.code).toBe('E_VM_NO_SPACE');
    expect(calls().find((c) => c.args[0] === 'createmedium')!.args).toEqual(expect.arrayContaining(['--size', '20480', '--format', 'VDI']));
    expect(leftovers()).toEqual([]);
  });

  it('a name VirtualBox already uses (another tool\'s VM): name-taken error (exit code 2), nothing created', async () => {
    const registered = { name: 'devbox', uuid: '11111111-2222-3333-4444-555555555555', settings: '/elsewhere/devbox.vbox', state: 'poweroff', media: [], config: {} };
    writeFileSync(join(fakeDir, 'state.json'), JSON.stringify({ vms: [registered] }));
    const error = await rejection(up({ name: 'devbox' }));
    expect(error.code).toBe('E_VM_NAME_TAKEN');
    expect(error.exitCode).toBe(2);
    expect(commands()).toEqual(['--version', 'list']);
    expect(leftovers()).toEqual([]);
  });

  it('a VM deleted behind g8boot\'s back (VBOX_E_OBJECT_NOT_FOUND) shows as missing and can still be removed', async () => {
    const { record } = await up();
    writeFileSync(join(fakeDir, 'state.json'), JSON.stringify({ vms: [] }));
    const [listed] = await vmList(home.host());
    expect(listed).toMatchObject({ name: record.name, state: 'missing' });
    expect(await vmDown(record.name, home.host())).toMatchObject({ state: 'missing' });
    await vmRemove(record.name, home.host());
    expect(leftovers()).toEqual([]);
  });

  it('VirtualBox 6.x gets the option spellings it knows', async () => {
    scenario({ version: '6.1.50r161033' });
    const { record } = await up();
    const modify = calls().find((c) => c.args[0] === 'modifyvm')!.args;
    expect(modify).toEqual(expect.arrayContaining(['--nictype1', '82540EM', '--uartmode1', 'file', record.serialLog, '--firmware', 'bios']));
    expect(modify).not.toContain('--nic-type1');
  });

  it('bridged: a bridged adapter, and the default boot URL at this machine\'s LAN address', async () => {
    scenario({ bridgedifs: [{ name: 'eth0', ip: '0.0.0.0' }] });
    const host = home.host({ networkInterfaces: () => ({ eth0: [{ address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '52:54:00:00:00:01', cidr: '192.168.1.20/24' }] }) });
    const { record } = await vmUp({ hypervisor: 'virtualbox', netid: NWID, network: 'bridged:eth0' }, { host });
    expect(record.bootUrl).toBe('http://192.168.1.20:8088');
    expect(calls().find((c) => c.args[0] === 'modifyvm')!.args).toEqual(expect.arrayContaining(['--nic1', 'bridged', '--bridge-adapter1', 'eth0']));
  });

  it('refuses VirtualBox older than 6', async () => {
    scenario({ version: '5.2.44r139111' });
    const error = await rejection(up());
    expect(error.code).toBe('E_VM_HYPERVISOR_UNSUPPORTED');
    expect(commands()).toEqual(['--version']);
  });

  it('exit code 126 means a damaged installation', async () => {
    scenario({ exitCode126: true });
    const error = await rejection(createDriver('virtualbox', home.host()).detect());
    expect(error.code).toBe('E_VM_HYPERVISOR_BROKEN');
  });
});

describe('VirtualBox as the real tool behaves (FIELD-NOTES §6), through the CLI', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecordingServer();
  });
  afterEach(async () => {
    await server.close();
  });
  const cli = (...args: string[]) => runCli(args, { env: home.env });
  const stage2 = `/g8os.ipxe?netid=${NWID}`;

  it("7.x: the NAT guest reaches the boot service on this machine's loopback (--nat-localhostreachable1 on)", async () => {
    scenario({ loopbackPorts: [server.port] });
    const up = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--boot-url', server.guestUrl, '--json');
    expect(up.code, up.stderr).toBe(0);
    // The fake plays 7.x's NAT: without the option, the guest's request to 10.0.2.2 never reaches 127.0.0.1.
    await server.waitFor((r) => r.url.startsWith(stage2), 5_000, `GET ${stage2}`);
    expect(calls().find((c) => c.args[0] === 'modifyvm')!.args).toEqual(expect.arrayContaining(['--nic1', 'nat', '--nat-localhostreachable1', 'on']));
  });

  it('vm up says when no boot service listens where the NAT guest looks for it (10.0.2.2 is this loopback), and not when one does', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const lonely = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--boot-url', `http://10.0.2.2:${port}`);
    expect(lonely.code, lonely.stderr).toBe(0);
    expect(lonely.stderr).toContain(`warning: No boot service is listening on this computer at port ${port}, where the VM looks for it (http://10.0.2.2:${port}): start one with \`g8boot serve --listen 127.0.0.1:${port}\`.`);
    const served = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--boot-url', server.guestUrl);
    expect(served.code, served.stderr).toBe(0);
    expect(served.stderr).not.toContain('No boot service');
  });

  it('6.1: neither the option (it refuses unknown options) nor --delete-all, and its guest reaches the host all the same', async () => {
    scenario({ version: '6.1.50r161033', loopbackPorts: [server.port] });
    const up = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--boot-url', server.guestUrl, '--json');
    expect(up.code, up.stderr).toBe(0);
    await server.waitFor((r) => r.url.startsWith(stage2), 5_000, `GET ${stage2}`);
    expect(calls().find((c) => c.args[0] === 'modifyvm')!.args).not.toContain('--nat-localhostreachable1');
    const { name, virtualbox } = JSON.parse(up.stdout) as { name: string; virtualbox: { uuid: string } };
    expect((await cli('vm', 'rm', name)).code).toBe(0);
    expect(calls().at(-1)!.args).toEqual(['unregistervm', virtualbox.uuid, '--delete']);
    expect(leftovers()).toEqual([]);
  });

  it('a VM stuck in a guru meditation is crashed in vm ls, and vm rm powers it off before unregistering it', async () => {
    scenario({ guruMeditation: true });
    const up = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--json');
    expect(up.code, up.stderr).toBe(0);
    const { name } = JSON.parse(up.stdout) as { name: string };
    expect(JSON.parse((await cli('vm', 'ls', '--json')).stdout)).toEqual([expect.objectContaining({ name, state: 'crashed', detail: expect.stringContaining('gurumeditation') })]);
    const rm = await cli('vm', 'rm', name);
    expect(rm.code, rm.stderr).toBe(0);
    // Powered off first, so the one unregistervm finds the session released.
    expect(commands().indexOf('controlvm')).toBeGreaterThan(0);
    expect(commands().indexOf('controlvm')).toBeLessThan(commands().indexOf('unregistervm'));
    expect(commands().filter((c) => c === 'unregistervm')).toHaveLength(1);
    expect(leftovers()).toEqual([]);
  });

  it('VirtualBox speaking German (its own setting, whatever LANG says): a lock that outlasts the poweroff is waited out by its code', async () => {
    scenario({ language: 'de', lockAfterPoweroff: 2 });
    const up = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--json');
    expect(up.code, up.stderr).toBe(0);
    const { name } = JSON.parse(up.stdout) as { name: string };
    const rm = await cli('vm', 'rm', name);
    expect(rm.code, rm.stderr).toBe(0);
    expect(commands().filter((c) => c === 'unregistervm')).toHaveLength(3);
    expect(leftovers()).toEqual([]);
  });

  it('VirtualBox speaking German: a startvm that exits 1 although the VM started is judged by VMState, not by its words', async () => {
    scenario({ language: 'de', startvmExitCode: 1 });
    const up = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--json');
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ state: 'running' });
    expect(commands().filter((c) => c === 'startvm')).toHaveLength(1);
    expect(commands()).not.toContain('unregistervm');
  });

  it('VirtualBox speaking German: a session lock is still retried, a vanished VM still shows as missing', async () => {
    scenario({ language: 'de', fail: [{ command: 'modifyvm', error: 'sessionLocked', times: 2 }] });
    const up = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--json');
    expect(up.code, up.stderr).toBe(0);
    expect(commands().filter((c) => c === 'modifyvm')).toHaveLength(3);
    writeFileSync(join(fakeDir, 'state.json'), JSON.stringify({ vms: [] }));
    expect(JSON.parse((await cli('vm', 'ls', '--json')).stdout)).toEqual([expect.objectContaining({ state: 'missing' })]);
  });

  it('bridges to an adapter named exactly as list bridgedifs prints it (spaces, colons), and refuses other names with the list', async () => {
    const up = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--network', 'bridged:en0: Wi-Fi (AirPort)', '--json');
    expect(up.code, up.stderr).toBe(0);
    // The guest reaches the boot service at this machine's address on that adapter, as VirtualBox reports it.
    expect(JSON.parse(up.stdout)).toMatchObject({ bootUrl: 'http://192.168.1.20:8088', network: { kind: 'bridged', device: 'en0: Wi-Fi (AirPort)' } });
    expect(calls().find((c) => c.args[0] === 'modifyvm')!.args).toEqual(expect.arrayContaining(['--nic1', 'bridged', '--bridge-adapter1', 'en0: Wi-Fi (AirPort)']));

    const before = leftovers();
    const wrong = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--network', 'bridged:en0');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('VirtualBox has no host interface "en0" to bridge to.');
    expect(wrong.stderr).toContain('"bridged:en0: Wi-Fi (AirPort)", "bridged:Intel(R) Ethernet Connection (2) I219-V"');
    expect(leftovers()).toEqual(before);
  });

  it('vm logs says why the firmware and iPXE lines are missing on VirtualBox', async () => {
    const up = await cli('vm', 'up', '--hypervisor', 'virtualbox', '--netid', NWID, '--json');
    const { name } = JSON.parse(up.stdout) as { name: string };
    const logs = await cli('vm', 'logs', name);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stderr).toContain("note: VirtualBox's firmware does not copy its screen to the serial port");
    expect(logs.stdout).toBe('');
  });
});

describe('finding VBoxManage', () => {
  it('uses VBOX_MSI_INSTALL_PATH when VBoxManage is not on PATH', async () => {
    const host = home.host({ env: { ...home.env, PATH: '/usr/bin:/bin', VBOX_MSI_INSTALL_PATH: FAKES } });
    const detection = await createDriver('virtualbox', host).detect();
    expect(detection).toMatchObject({ binary: join(FAKES, 'VBoxManage'), version: '7.0.14', problem: null });
  });

  it('says how to install VirtualBox on this OS when it is nowhere', async () => {
    const host = home.host({ env: { ...home.env, PATH: '/nonexistent' } });
    const error = await rejection(createDriver('virtualbox', host).detect());
    expect(error.code).toBe('E_VM_HYPERVISOR_MISSING');
    expect(error.exitCode).toBe(3);
    expect(error.hint).toContain('virtualbox.org');
  });

  it('looks in the installer variables, Program Files and /Applications', () => {
    expect(vboxManageCandidates('win32', { VBOX_MSI_INSTALL_PATH: 'D:\\VBox\\', ProgramFiles: 'C:\\Program Files' })).toEqual([
      'D:\\VBox\\VBoxManage.exe',
      'C:\\Program Files\\Oracle\\VirtualBox\\VBoxManage.exe',
    ]);
    expect(vboxManageCandidates('darwin', {})).toContain('/Applications/VirtualBox.app/Contents/MacOS/VBoxManage');
  });
});
