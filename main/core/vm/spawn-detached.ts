/**
 * Start a hypervisor that does not daemonize itself (xhyve; QEMU on Windows) so that it outlives g8boot:
 * detached, stdout to a file (the serial console for xhyve), stderr to another. Resolves once `ready()` says
 * the VM is up, or rejects with the process's stderr when it exits first.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface DetachedLaunch {
  file: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv | undefined;
  stdoutPath: string;
  stderrPath: string;
  /**
   * Give the child the stdout file as a read-write fd 0 too (opened for appending, so reads find end of file):
   * xhyve's `-l com1,stdio` writes the guest's console to fd 0, which a read-only /dev/null would swallow.
   */
  consoleOnStdin?: boolean | undefined;
  /** Write the child's pid here (created exclusively), for a hypervisor that cannot write its own pid file. */
  pidFile?: string | undefined;
  /**
   * After ready() holds, keep watching this long for an early exit (when readiness only means "started", as with
   * a pid file g8boot wrote itself, a set-up failure such as vmnet's comes a moment later).
   */
  settleMs?: number | undefined;
  /** Polled until true (e.g. "the pid file exists"). */
  ready: () => Promise<boolean>;
  timeoutMs: number;
}

export class DetachedExit extends Error {
  override name = 'DetachedExit';
  readonly stderr: string;
  readonly code: number | null;
  constructor(code: number | null, stderr: string) {
    super(`exited with code ${code}: ${stderr.trim()}`);
    this.code = code;
    this.stderr = stderr;
  }
}

export async function spawnDetached(launch: DetachedLaunch): Promise<void> {
  let out = openSync(launch.stdoutPath, 'w');
  if (launch.consoleOnStdin) {
    closeSync(out);
    out = openSync(launch.stdoutPath, 'a+');
  }
  const err = openSync(launch.stderrPath, 'w');
  let exited: { code: number | null } | null = null;
  let spawnError: Error | null = null;
  try {
    const child = spawn(launch.file, [...launch.args], { detached: true, stdio: [launch.consoleOnStdin ? out : 'ignore', out, err], env: launch.env, windowsHide: true });
    child.once('exit', (code) => (exited = { code }));
    child.once('error', (error) => (spawnError = error));
    child.unref();
    if (launch.pidFile && child.pid !== undefined) writeFileSync(launch.pidFile, String(child.pid), { flag: 'wx' });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const deadline = Date.now() + launch.timeoutMs;
  for (;;) {
    if (spawnError) throw spawnError;
    if (await launch.ready()) {
      const settled = Date.now() + (launch.settleMs ?? 0);
      while (!exited && Date.now() < settled) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!exited) return;
    }
    if (exited) throw new DetachedExit((exited as { code: number | null }).code, await readFile(launch.stderrPath, 'utf8').catch(() => ''));
    if (Date.now() > deadline) throw new DetachedExit(null, `not ready after ${launch.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
