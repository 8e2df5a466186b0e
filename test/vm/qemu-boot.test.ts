/**
 * Real QEMU with the accelerator chosen automatically, as people run it: `vm up` builds an image with g8boot's
 * boot builder and boots it; the test's HTTP server must see the iPXE request for the network id; `vm ls` shows
 * the VM running; `vm down` and `vm rm` leave no process, pid file or file behind. BIOS through the CLI end to
 * end, UEFI (booting the image as a disk, the USB stick case) through the core API, where a crash is also
 * simulated. On our build machines /dev/kvm opens but KVM cannot run the guest: there the BIOS case also
 * checks the fallback to TCG, its warning and the verdict remembered for this boot; where KVM works, that it
 * is used and trusted. The QMP client and the KVM watch are checked against QEMU directly.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { qemuAvailable } from '../helpers/qemu.ts';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.ts';
import { vmDown, vmList, vmRemove, vmUp } from '../../main/core/vm/index.ts';
import { WATCH_MS, watchOverQmp } from '../../main/core/vm/qemu/accel-trial.ts';
import { guestState } from '../../main/core/vm/qemu/guest-state.ts';
import { connectQmp, queryStatus, runStatus } from '../../main/core/vm/qemu/qmp.ts';
import type { VmRecord } from '../../main/core/vm/types.ts';
import { testHome, type TestHome } from './helpers.ts';

const NWID = '1d71939404912b40';
const BOOT_TIMEOUT_MS = 90_000;
/** Building the image, up to WATCH_MS of watching KVM and a TCG start. */
const UP_TIMEOUT_MS = 60_000;

function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
let server: RecordingServer;

beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server?.close();
});

/** Pids of live processes whose command line mentions `text` (zombies have an empty one). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function killAll(text: string): void {
  for (const pid of processesMentioning(text)) process.kill(pid, 'SIGKILL');
}

async function withHome(run: (home: TestHome) => Promise<void>): Promise<void> {
  const home = testHome();
  try {
    await run(home);
  } finally {
    killAll(home.dir);
    home.cleanup();
  }
}

/** QEMU in the foreground with a QMP socket in a temporary directory; killed and cleaned up after `run`. */
async function withQemu(args: string[], run: (qemu: { dir: string; socket: string; pid: number; alive: () => boolean }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'g8-qmp-'));
  const socket = join(dir, 'qmp.sock');
  const child = spawn('qemu-system-x86_64', [...args, '-display', 'none', '-qmp', `unix:${socket},server=on,wait=off`], { stdio: 'ignore' });
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    await expect.poll(() => existsSync(socket) || !alive(), { timeout: 10_000 }).toBe(true);
    await run({ dir, socket, pid: child.pid!, alive });
  } finally {
    if (alive()) child.kill('SIGKILL');
    await expect.poll(alive, { timeout: 5_000 }).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!qemuAvailable())('test VMs on real QEMU', () => {
  it('QMP: a real QEMU greets, reports its guest running and quits when told', async () => {
    await withQemu(['-machine', 'pc', '-accel', 'tcg', '-m', '64', '-nic', 'none'], async (qemu) => {
      const qmp = await connectQmp(qemu.socket, 5_000);
      try {
        expect(runStatus(await qmp.execute('query-status'))).toBe('running');
        await qmp.execute('quit');
      } finally {
        qmp.close();
      }
      await expect.poll(qemu.alive, { timeout: 10_000 }).toBe(false);
    });
  });

  it.skipIf(!kvmUsable())("KVM: the watch and vm ls read QMP's verdict on this machine's KVM", async () => {
    // Without -cpu host (which aborts at once on our build machines) the guest starts and KVM fails while iPXE runs.
    const image = join(mkdtempSync(join(tmpdir(), 'g8-kvm-')), 'boot.iso');
    try {
      const iso = await runCli(['iso', '--netid', NWID, '--boot-url', `${server.guestUrl}/kvm`, '-o', image]);
      expect(iso.code, iso.stderr).toBe(0);
      await withQemu(['-machine', 'pc', '-accel', 'kvm', '-m', '256', '-nic', 'none', '-cdrom', image, '-boot', 'd'], async (qemu) => {
        const health = await watchOverQmp(qemu.socket, async () => qemu.alive());
        const status = await queryStatus(qemu.socket, 5_000);
        const record = { name: 'g8-kvm', hypervisor: 'qemu', runDir: qemu.dir, serialLog: join(qemu.dir, 'serial.log'), qemu: { accel: 'kvm', firmwareCode: null, varsFile: null } } as VmRecord;
        const state = await guestState(record, { state: 'running', pid: qemu.pid }, 'linux');
        if (health.kind === 'failed') {
          expect(health.status).toBe('internal-error');
          expect(status).toBe('internal-error');
          expect(state).toMatchObject({ state: 'crashed', detail: expect.stringContaining('the guest stopped: KVM internal error') });
        } else {
          expect(health).toEqual({ kind: 'healthy' });
          expect(status).toBe('running');
          expect(state.state).toBe('running');
        }
      });
    } finally {
      rmSync(join(image, '..'), { recursive: true, force: true });
    }
  }, WATCH_MS + 20_000);

  it('BIOS, through the CLI: vm up (automatic accelerator) → iPXE asks for the network id → vm ls → a second vm up trusts this boot\'s verdict → vm down → vm rm', async () => {
    await withHome(async (home) => {
      const env = home.env;
      const kvm = kvmUsable();
      const upArgs = (path: string) => ['vm', 'up', '--hypervisor', 'qemu', '--netid', NWID, '--boot-url', `${server.guestUrl}/${path}`, '--memory', '256', '--json'];
      const up = await runCli(upArgs('bios'), { env, timeoutMs: UP_TIMEOUT_MS });
      expect(up.code, up.stderr).toBe(0);
      type Up = { name: string; dir: string; runDir: string; pidFile: string; pid: number; state: string; qemu: { accel: string }; warnings: string[] };
      const vm = JSON.parse(up.stdout) as Up;
      expect(vm).toMatchObject({ name: 'g8-1d7193-1', state: 'running' });
      expect(existsSync(join(vm.runDir, 'qmp.sock'))).toBe(true);

      const verdictFile = join(env.G8BOOT_HOME!, 'state', 'qemu-accel.json');
      if (!kvm) {
        expect(vm.qemu.accel).toBe('tcg');
        expect(existsSync(verdictFile)).toBe(false);
      } else {
        const kvmWorks = vm.qemu.accel === 'kvm';
        const { bootId, verdicts } = JSON.parse(readFileSync(verdictFile, 'utf8')) as { bootId: string; verdicts: unknown[] };
        expect(bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
        expect(verdicts).toEqual([expect.objectContaining({ binary: expect.stringContaining('qemu-system-x86_64'), accel: 'kvm', works: kvmWorks })]);
        if (!kvmWorks) {
          expect(vm.warnings).toEqual([expect.stringMatching(/^KVM is present but could not run this guest \(.+, common under nested virtualization\); restarted with TCG, which is slower\.$/)]);
          expect(up.stderr).toContain(`warning: ${vm.warnings[0]}`);
        }
      }

      await server.waitFor((r) => r.url.startsWith(`/bios/g8os.ipxe?netid=${NWID}`), BOOT_TIMEOUT_MS, `GET /bios/g8os.ipxe?netid=${NWID}`);
      expect(server.requests.find((r) => r.url.startsWith('/bios/'))!.headers['user-agent']).toMatch(/iPXE/);

      const ls = await runCli(['vm', 'ls', '--json'], { env });
      expect(ls.code, ls.stderr).toBe(0);
      expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ name: vm.name, hypervisor: 'qemu', state: 'running', netid: NWID, pid: vm.pid })]);
      expect(processesMentioning(vm.pidFile)).toEqual([vm.pid]);
      expect(existsSync(join(vm.dir, 'boot.iso'))).toBe(true);

      // This boot's verdict stands: no second watch (nor a second KVM attempt where KVM failed). Not waited for to boot.
      const startedAt = Date.now();
      const again = await runCli(upArgs('again'), { env, timeoutMs: UP_TIMEOUT_MS });
      expect(again.code, again.stderr).toBe(0);
      expect(Date.now() - startedAt).toBeLessThan(WATCH_MS);
      expect(again.stderr).not.toContain('Checking that');
      const second = JSON.parse(again.stdout) as Up;
      expect(second.qemu.accel).toBe(vm.qemu.accel);
      if (kvm && vm.qemu.accel === 'tcg') expect(second.warnings).toEqual([expect.stringContaining('KVM is present but could not run a guest earlier on this boot of the machine')]);
      expect((await runCli(['vm', 'rm', second.name], { env })).code).toBe(0);

      const down = await runCli(['vm', 'down', vm.name, '--json'], { env });
      expect(down.code, down.stderr).toBe(0);
      expect(JSON.parse(down.stdout)).toEqual({ name: vm.name, state: 'stopped' });
      expect(processesMentioning(vm.pidFile)).toEqual([]);
      expect(existsSync(vm.pidFile)).toBe(false);

      const rm = await runCli(['vm', 'rm', vm.name], { env });
      expect(rm.code, rm.stderr).toBe(0);
      expect(existsSync(vm.dir)).toBe(false);
      expect(existsSync(vm.runDir)).toBe(false);
      expect(processesMentioning(home.dir)).toEqual([]);
      expect((await runCli(['vm', 'ls', '--json'], { env })).stdout.trim()).toBe('[]');
    });
  }, BOOT_TIMEOUT_MS + 2 * UP_TIMEOUT_MS);

  it('an image from g8boot iso, through the CLI: vm up --image (no --netid) → vm logs shows isolinux and iPXE\'s own lines within seconds → iPXE asks for the image\'s network id', async () => {
    await withHome(async (home) => {
      const env = home.env;
      const image = join(home.dir, 'g8os.iso');
      const iso = await runCli(['iso', '--netid', NWID, '--boot-url', `${server.guestUrl}/image`, '-o', image], { env });
      expect(iso.code, iso.stderr).toBe(0);
      const up = await runCli(['vm', 'up', '--hypervisor', 'qemu', '--image', image, '--memory', '256', '--json'], { env, timeoutMs: UP_TIMEOUT_MS });
      expect(up.code, up.stderr).toBe(0);
      const vm = JSON.parse(up.stdout) as { name: string; netid: string; state: string };
      expect(vm).toMatchObject({ name: 'g8-1d7193-1', netid: NWID, state: 'running' });
      const startedAt = Date.now();

      // SeaBIOS mirrors the screen to COM1 (etc/sercon-port): the console shows the boot before any kernel runs.
      let logs = '';
      await expect
        .poll(
          async () => {
            const r = await runCli(['vm', 'logs', vm.name], { env });
            logs = r.stdout;
            return /iPXE/.test(logs) && logs.includes('g8boot: DHCP on net0');
          },
          { timeout: BOOT_TIMEOUT_MS, interval: 1_000 },
        )
        .toBe(true);
      // Within seconds of vm up on KVM; TCG on a loaded shared machine takes longer, still bounded.
      expect(Date.now() - startedAt).toBeLessThan(kvmUsable() ? 60_000 : BOOT_TIMEOUT_MS);
      expect(logs).toMatch(/ISOLINUX|SYSLINUX/);
      expect(logs).toContain(`G8OS boot image for ZeroTier network ${NWID}`);

      await server.waitFor((r) => r.url.startsWith(`/image/g8os.ipxe?netid=${NWID}`), BOOT_TIMEOUT_MS, `GET /image/g8os.ipxe?netid=${NWID}`);
      // iPXE's own progress line for the fetch, then what the fetched script echoed (the screen wraps at 80 columns).
      await expect.poll(async () => (await runCli(['vm', 'logs', vm.name], { env })).stdout, { timeout: 30_000, interval: 1_000 }).toMatch(/\/image\/g8os\.ipxe\.\.\. ok[\s\S]*test server reached/);

      const rm = await runCli(['vm', 'rm', vm.name], { env });
      expect(rm.code, rm.stderr).toBe(0);
      expect(processesMentioning(home.dir)).toEqual([]);
      expect(existsSync(image)).toBe(true);
    });
  }, 2 * BOOT_TIMEOUT_MS + UP_TIMEOUT_MS);

  it('UEFI with the image as a disk: boots, then a crash shows as crashed and is recovered by vm down', async () => {
    await withHome(async (home) => {
      const host = home.host();
      const { record, status } = await vmUp(
        { hypervisor: 'qemu', netid: NWID, bootUrl: `${server.guestUrl}/uefi`, firmware: 'uefi', media: 'disk', memory: 512 },
        { host },
      );
      expect(status.state).toBe('running');
      // A private copy of the OVMF variables, in the VM's own directory.
      expect(record.qemu?.varsFile).toBe(join(record.dir, 'OVMF_VARS.fd'));
      expect(existsSync(record.qemu!.varsFile!)).toBe(true);

      await server.waitFor((r) => r.url.startsWith(`/uefi/g8os.ipxe?netid=${NWID}`), BOOT_TIMEOUT_MS, `GET /uefi/g8os.ipxe?netid=${NWID}`);

      process.kill(status.pid!, 'SIGKILL');
      await expect.poll(() => processesMentioning(record.pidFile), { timeout: 5_000 }).toEqual([]);
      const [crashed] = await vmList(host);
      expect(crashed).toMatchObject({ name: record.name, state: 'crashed' });
      expect(crashed!.detail).toContain('QEMU exited without being stopped');

      expect(await vmDown(record.name, host)).toEqual({ state: 'stopped' });
      expect(existsSync(record.pidFile)).toBe(false);
      await vmRemove(record.name, host);
      expect(existsSync(record.dir)).toBe(false);
      expect(existsSync(record.runDir)).toBe(false);
      expect(processesMentioning(home.dir)).toEqual([]);
    });
  }, BOOT_TIMEOUT_MS + 30_000);
});
