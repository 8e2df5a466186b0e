/**
 * Start a hypervisor that does not daemonize itself (xhyve; QEMU on Windows) so that it outlives g8boot:
 * detached, stdout to a file (the serial console for xhyve), stderr to another. Resolves once `ready()` says
 * the VM is up, or rejects with the process's stderr when it exits first.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface DetachedLaunch {
  file: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv | undefined;
  stdoutPath: string;
  stderrPath: string;
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
  const out = openSync(launch.stdoutPath, 'w');
  const err = openSync(launch.stderrPath, 'w');
  let exited: { code: number | null } | null = null;
  let spawnError: Error | null = null;
  try {
    const child = spawn(launch.file, [...launch.args], { detached: true, stdio: ['ignore', out, err], env: launch.env, windowsHide: true });
    child.once('exit', (code) => (exited = { code }));
    child.once('error', (error) => (spawnError = error));
    child.unref();
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const deadline = Date.now() + launch.timeoutMs;
  for (;;) {
    if (spawnError) throw spawnError;
    if (await launch.ready()) return;
    if (exited) throw new DetachedExit((exited as { code: number | null }).code, await readFile(launch.stderrPath, 'utf8').catch(() => ''));
    if (Date.now() > deadline) throw new DetachedExit(null, `not ready after ${launch.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
