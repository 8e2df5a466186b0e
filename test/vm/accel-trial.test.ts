/**
 * The KVM check without KVM: the decision (watch, remember, fall back to TCG, or fail in words) driven by fake
 * start steps and a fake status source, the per-boot verdict file, and the guest state read from a fake QMP
 * server. Real QEMU (TCG and this machine's KVM) is in qemu-boot.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAccelerated, watchGuest, type GuestHealth, type StartSteps } from '../../main/core/vm/qemu/accel-trial.ts';
import { readAccelVerdict, writeAccelVerdict, type AccelVerdict } from '../../main/core/vm/qemu/accel-verdict.ts';
import { acceleratorCannotRun } from '../../main/core/vm/qemu/failures.ts';
import { guestState } from '../../main/core/vm/qemu/guest-state.ts';
import { connectQmp } from '../../main/core/vm/qemu/qmp.ts';
import { DetachedExit } from '../../main/core/vm/spawn-detached.ts';
import type { QemuAccel, VmRecord } from '../../main/core/vm/types.ts';
import { rejection, testHome, type TestHome } from './helpers.ts';

const BINARY = '/usr/bin/qemu-system-x86_64';
const MSR_ABORT = "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nqemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.\n";

let home: TestHome;
beforeEach(() => {
  home = testHome();
});
afterEach(() => home.cleanup());

/** Start steps that log what the decision did; `watch` answers from a scripted run-status source. */
function fakeSteps(options: { statuses?: string[]; launchFails?: Partial<Record<QemuAccel, string>>; onRemember?: (v: AccelVerdict) => Promise<void> }) {
  const log: string[] = [];
  const steps: StartSteps = {
    async launch(accel) {
      log.push(`launch ${accel}`);
      const stderr = options.launchFails?.[accel];
      if (stderr !== undefined) throw new DetachedExit(1, stderr);
    },
    watch(): Promise<GuestHealth> {
      log.push('watch');
      const statuses = [...(options.statuses ?? [])];
      return watchGuest(async () => statuses.shift() ?? 'running', { durationMs: 60, intervalMs: 5 });
    },
    async stop() {
      log.push('stop');
    },
    async remember(verdict) {
      log.push(`remember works=${verdict.works}${verdict.detail ? ` (${verdict.detail})` : ''}`);
      await options.onRemember?.(verdict);
    },
  };
  return { steps, log };
}

describe('watching a guest', () => {
  it('is healthy when the guest runs for the whole watch, failed on an internal error or when QEMU is gone, unknown when QMP fails', async () => {
    expect(await watchGuest(async () => 'running', { durationMs: 50, intervalMs: 5 })).toEqual({ kind: 'healthy' });
    const script = ['running', 'running', 'internal-error'];
    expect(await watchGuest(async () => script.shift()!, { durationMs: 5_000, intervalMs: 5 })).toEqual({ kind: 'failed', status: 'internal-error' });
    expect(await watchGuest(async () => 'exited', { durationMs: 5_000, intervalMs: 5 })).toEqual({ kind: 'failed', status: 'exited' });
    expect(await watchGuest(() => Promise.reject(new Error('QMP: no greeting')), { durationMs: 5_000, intervalMs: 5 })).toEqual({ kind: 'unknown', reason: 'QMP: no greeting' });
  });
});

describe('starting on a hardware accelerator', () => {
  it('KVM that works: watched once, remembered for this boot, not watched on the next start', async () => {
    const host = home.host({ bootId: async () => 'boot-1' });
    const remember = (v: AccelVerdict) => writeAccelVerdict(host, BINARY, 'kvm', v);
    const first = fakeSteps({ onRemember: remember });
    const start = { accel: 'kvm' as const, automatic: true, watchable: true };
    expect(await startAccelerated({ ...start, verdict: await readAccelVerdict(host, BINARY, 'kvm') }, first.steps)).toEqual({ accel: 'kvm', warnings: [] });
    expect(first.log).toEqual(['launch kvm', 'watch', 'remember works=true']);

    const second = fakeSteps({ onRemember: remember });
    const verdict = await readAccelVerdict(host, BINARY, 'kvm');
    expect(verdict).toMatchObject({ works: true, detail: null });
    expect(await startAccelerated({ ...start, verdict }, second.steps)).toEqual({ accel: 'kvm', warnings: [] });
    expect(second.log).toEqual(['launch kvm']);
  });

  it('KVM internal error while the guest starts: stopped, remembered, restarted on TCG with a warning in words', async () => {
    const { steps, log } = fakeSteps({ statuses: ['running', 'internal-error'] });
    const outcome = await startAccelerated({ accel: 'kvm', automatic: true, verdict: null, watchable: true }, steps);
    expect(log).toEqual(['launch kvm', 'watch', 'stop', 'remember works=false (KVM internal error)', 'launch tcg']);
    expect(outcome).toEqual({
      accel: 'tcg',
      warnings: ['KVM is present but could not run this guest (KVM internal error, common under nested virtualization); restarted with TCG, which is slower.'],
    });
  });

  it('QEMU aborting at vCPU set-up on KVM falls back the same way, without a watch', async () => {
    const { steps, log } = fakeSteps({ launchFails: { kvm: MSR_ABORT } });
    const outcome = await startAccelerated({ accel: 'kvm', automatic: true, verdict: null, watchable: true }, steps);
    expect(log).toEqual(['launch kvm', 'stop', 'remember works=false (failed to set MSR 0x10a to 0x69)', 'launch tcg']);
    expect(outcome.warnings[0]).toContain('KVM is present but could not run this guest (failed to set MSR 0x10a to 0x69');
  });

  it('an explicit --accel kvm keeps KVM: the failure is reported in words, not worked around', async () => {
    const { steps, log } = fakeSteps({ statuses: ['internal-error'] });
    const error = await rejection(startAccelerated({ accel: 'kvm', automatic: false, verdict: { works: false, detail: 'KVM internal error', checkedAt: '' }, watchable: true }, steps));
    expect(error).toMatchObject({ code: 'E_VM_NO_ACCELERATION', exitCode: 3, hint: expect.stringContaining('Leave out --accel') });
    expect(error.message).toBe('QEMU cannot use hardware virtualization: KVM is present but could not run this guest (KVM internal error, common under nested virtualization).');
    expect(log).toEqual(['launch kvm', 'watch', 'stop', 'remember works=false (KVM internal error)']);
  });

  it('other start failures are not the accelerator: no fallback; TCG and unwatchable starts are not watched', async () => {
    const locked = fakeSteps({ launchFails: { kvm: 'qemu-system-x86_64: Failed to get "write" lock\n' } });
    expect(await rejection(startAccelerated({ accel: 'kvm', automatic: true, verdict: null, watchable: true }, locked.steps))).toBeInstanceOf(DetachedExit);
    expect(locked.log).toEqual(['launch kvm']);
    const tcg = fakeSteps({ statuses: ['internal-error'] });
    await startAccelerated({ accel: 'tcg', automatic: true, verdict: null, watchable: true }, tcg.steps);
    expect(tcg.log).toEqual(['launch tcg']);
    const noQmp = fakeSteps({ statuses: ['internal-error'] });
    await startAccelerated({ accel: 'kvm', automatic: true, verdict: null, watchable: false }, noQmp.steps);
    expect(noQmp.log).toEqual(['launch kvm']);
  });

  it('finds the accelerator failure in QEMU stderr', () => {
    expect(acceleratorCannotRun(MSR_ABORT)).toBe('failed to set MSR 0x10a to 0x69');
    expect(acceleratorCannotRun('KVM internal error. Suberror: 1\nextra data[0]: 0x1\nemulation failure\n')).toBe('KVM internal error. Suberror: 1');
    expect(acceleratorCannotRun('qemu-system-x86_64: -m 99999999: ram size too large\n')).toBeNull();
  });
});

describe('the per-boot verdict file', () => {
  it('holds one verdict per binary and accelerator for this boot; another boot, or none known, remembers nothing', async () => {
    let bootId: string | null = 'boot-1';
    const host = home.host({ bootId: async () => bootId });
    const broken = { works: false, detail: 'KVM internal error', checkedAt: '2026-01-01T00:00:00.000Z' };
    await writeAccelVerdict(host, BINARY, 'kvm', broken);
    await writeAccelVerdict(host, '/usr/local/bin/qemu-system-x86_64', 'kvm', { ...broken, works: true, detail: null });
    expect(await readAccelVerdict(host, BINARY, 'kvm')).toEqual(broken);
    expect(await readAccelVerdict(host, BINARY, 'hvf')).toBeNull();
    const file = JSON.parse(readFileSync(join(host.dirs.state, 'qemu-accel.json'), 'utf8')) as { bootId: string; verdicts: unknown[] };
    expect(file).toEqual({
      bootId: 'boot-1',
      verdicts: [expect.objectContaining({ binary: BINARY, accel: 'kvm', works: false }), expect.objectContaining({ accel: 'kvm', works: true })],
    });

    bootId = 'boot-2';
    expect(await readAccelVerdict(host, BINARY, 'kvm')).toBeNull();
    bootId = null;
    await writeAccelVerdict(host, BINARY, 'kvm', broken);
    expect(await readAccelVerdict(host, BINARY, 'kvm')).toBeNull();
    writeFileSync(join(host.dirs.state, 'qemu-accel.json'), '{ damaged');
    bootId = 'boot-1';
    expect(await readAccelVerdict(host, BINARY, 'kvm')).toBeNull();
  });
});

/** A QMP server that greets, accepts qmp_capabilities, sends an event first, then answers query-status with `status`. */
async function fakeQmp(socket: string, status: string): Promise<Server> {
  const server = createServer((connection) => {
    connection.write('{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}\r\n');
    let buffered = '';
    connection.on('data', (chunk) => {
      buffered += chunk.toString();
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const { execute, id } = JSON.parse(buffered.slice(0, end)) as { execute: string; id: string };
        buffered = buffered.slice(end + 1);
        if (execute === 'query-status') {
          connection.write('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}\r\n');
          connection.write(`${JSON.stringify({ return: { status, singlestep: false, running: status === 'running' }, id })}\r\n`);
        } else if (execute === 'qmp_capabilities') {
          connection.write(`${JSON.stringify({ return: {}, id })}\r\n`);
        } else {
          connection.write(`${JSON.stringify({ error: { class: 'CommandNotFound', desc: `The command ${execute} has not been found` }, id })}\r\n`);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return server;
}

describe('the guest state over QMP', () => {
  let runDir: string;
  beforeEach(() => {
    runDir = mkdtempSync(join(tmpdir(), 'g8-qmp-'));
  });
  afterEach(() => rmSync(runDir, { recursive: true, force: true }));

  const record = (): VmRecord =>
    ({ name: 'g8-8056c2-1', hypervisor: 'qemu', runDir, serialLog: join(runDir, 'serial.log'), qemu: { accel: 'kvm', firmwareCode: null, varsFile: null } }) as VmRecord;

  it('a running QEMU whose guest stopped on an internal error is crashed, with the reason and the console', async () => {
    writeFileSync(join(runDir, 'serial.log'), 'iPXE initialising devices...\n');
    const server = await fakeQmp(join(runDir, 'qmp.sock'), 'internal-error');
    try {
      expect(await guestState(record(), { state: 'running', pid: 4242 }, 'linux')).toEqual({
        state: 'crashed',
        pid: 4242,
        detail: 'the guest stopped: KVM internal error; QEMU still runs until `g8boot vm down g8-8056c2-1`; last console lines:\niPXE initialising devices...',
      });
      // The client answers commands by id, past events, and reports QMP errors in words.
      const qmp = await connectQmp(join(runDir, 'qmp.sock'), 1_000);
      await expect(qmp.execute('nonsense')).rejects.toThrow('QMP: The command nonsense has not been found');
      qmp.close();
    } finally {
      server.close();
    }
  });

  it('a running guest, no socket or a stopped process: the process table stands', async () => {
    expect(await guestState(record(), { state: 'running', pid: 4242 }, 'linux')).toEqual({ state: 'running', pid: 4242 });
    const server = await fakeQmp(join(runDir, 'qmp.sock'), 'running');
    try {
      expect(await guestState(record(), { state: 'running', pid: 4242 }, 'linux')).toEqual({ state: 'running', pid: 4242 });
      expect(await guestState(record(), { state: 'stopped' }, 'linux')).toEqual({ state: 'stopped' });
      expect(await guestState(record(), { state: 'running', pid: 4242 }, 'win32')).toEqual({ state: 'running', pid: 4242 });
    } finally {
      server.close();
    }
  });
});
