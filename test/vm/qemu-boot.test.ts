/**
 * Real QEMU (TCG, as on CI): `vm up` builds an image with g8boot's boot builder and boots it; the test's HTTP
 * server must see the iPXE request for the network id; `vm ls` shows the VM running; `vm down` and `vm rm`
 * leave no process, pid file or file behind. BIOS through the CLI end to end, UEFI (booting the image as a
 * disk, the USB stick case) through the core API, where a crash is also simulated.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { qemuAvailable } from '../helpers/qemu.ts';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.ts';
import { vmDown, vmList, vmRemove, vmUp } from '../../main/core/vm/index.ts';
import { testHome, type TestHome } from './helpers.ts';

const NWID = '1d71939404912b40';
const BOOT_TIMEOUT_MS = 90_000;
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

describe.skipIf(!qemuAvailable())('test VMs on real QEMU', () => {
  it('BIOS, through the CLI: vm up → iPXE asks for the network id → vm ls → vm down → vm rm', async () => {
    await withHome(async (home) => {
      const env = home.env;
      const up = await runCli(['vm', 'up', '--hypervisor', 'qemu', '--accel', 'tcg', '--netid', NWID, '--boot-url', `${server.guestUrl}/bios`, '--memory', '256', '--json'], { env });
      expect(up.code, up.stderr).toBe(0);
      const vm = JSON.parse(up.stdout) as { name: string; dir: string; runDir: string; pidFile: string; pid: number; state: string; qemu: { accel: string } };
      expect(vm).toMatchObject({ name: 'g8-1d7193-1', state: 'running', qemu: { accel: 'tcg' } });

      await server.waitFor((r) => r.url === `/bios/g8os.ipxe?netid=${NWID}`, BOOT_TIMEOUT_MS, `GET /bios/g8os.ipxe?netid=${NWID}`);
      expect(server.requests.find((r) => r.url.startsWith('/bios/'))!.headers['user-agent']).toMatch(/iPXE/);

      const ls = await runCli(['vm', 'ls', '--json'], { env });
      expect(ls.code, ls.stderr).toBe(0);
      expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ name: vm.name, hypervisor: 'qemu', state: 'running', netid: NWID, pid: vm.pid })]);
      expect(processesMentioning(vm.pidFile)).toEqual([vm.pid]);
      expect(existsSync(join(vm.dir, 'boot.iso'))).toBe(true);

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
  }, BOOT_TIMEOUT_MS + 30_000);

  it('UEFI with the image as a disk: boots, then a crash shows as crashed and is recovered by vm down', async () => {
    await withHome(async (home) => {
      const host = home.host();
      const { record, status } = await vmUp(
        { hypervisor: 'qemu', accel: 'tcg', netid: NWID, bootUrl: `${server.guestUrl}/uefi`, firmware: 'uefi', media: 'disk', memory: 512 },
        { host },
      );
      expect(status.state).toBe('running');
      // A private copy of the OVMF variables, in the VM's own directory.
      expect(record.qemu?.varsFile).toBe(join(record.dir, 'OVMF_VARS.fd'));
      expect(existsSync(record.qemu!.varsFile!)).toBe(true);

      await server.waitFor((r) => r.url === `/uefi/g8os.ipxe?netid=${NWID}`, BOOT_TIMEOUT_MS, `GET /uefi/g8os.ipxe?netid=${NWID}`);

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
