/**
 * Is the VM's process really running? A pid file alone is not enough: after a crash or a reboot the pid may
 * belong to another program. A pid counts only when the process is alive (not a zombie) and its command
 * line contains a marker only our VM's command has (its pid file path).
 */
import { readFile, rm } from 'node:fs/promises';
import type { Host } from './host.ts';
import { readTextIfExists } from './json-file.ts';

export type PidFileProbe =
  | { kind: 'running'; pid: number }
  /** A pid file whose process is gone or is someone else's: the VM died without being stopped. */
  | { kind: 'stale'; pid: number | null }
  | { kind: 'none' };

export async function readPidFile(path: string): Promise<number | null | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Only where /proc exists (Linux); elsewhere the read fails and nothing is a zombie. */
async function isZombie(pid: number): Promise<boolean> {
  // Field 3 of /proc/<pid>/stat, after the parenthesised command name (which may itself contain spaces).
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return / Z /.test(stat.slice(stat.lastIndexOf(')')));
}

/**
 * Alive and not a zombie. Daemonized QEMU is reparented to PID 1, which in containers may never reap it, so a
 * killed VM can linger as a zombie that `kill(pid, 0)` still reports.
 */
export async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (an xhyve started through sudo).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !(await isZombie(pid));
}

/** The process's command line, or null when it cannot be read. */
export async function processCommandLine(pid: number, host: Host): Promise<string | null> {
  if (host.platform === 'linux') {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
    return raw === null ? null : raw.split('\0').join(' ').trim();
  }
  const result =
    host.platform === 'win32'
      ? await host
          .run('powershell.exe', ['-NoProfile', '-Command', `(Get-CimInstance Win32_Process -Filter "ProcessId=${pid}").CommandLine`], { timeoutMs: 15_000 })
          .catch(() => null)
      : await host.run('ps', ['-p', String(pid), '-o', 'command='], { timeoutMs: 15_000 }).catch(() => null);
  if (!result || result.code !== 0) return null;
  return result.stdout.trim() || null;
}

/** What the pid file says, checked against the process table. */
export async function probePidFile(pidFile: string, marker: string, host: Host): Promise<PidFileProbe> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined) return { kind: 'none' };
  if (pid === null) return { kind: 'stale', pid: null };
  if (!(await isProcessAlive(pid))) return { kind: 'stale', pid };
  const command = await processCommandLine(pid, host);
  // A process we may not inspect (another user's, on some systems) is taken at its pid file's word.
  if (command !== null && !command.includes(marker)) return { kind: 'stale', pid };
  return { kind: 'running', pid };
}

export async function removePidFile(pidFile: string): Promise<void> {
  await rm(pidFile, { force: true });
}

export type Signaller = (pid: number, signal: NodeJS.Signals) => Promise<void>;

export const signalProcess: Signaller = async (pid, signal) => {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

/** Wait until `pid` is gone; false after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** SIGTERM, then SIGKILL when the process is still there after `graceMs` (what minikube's hyperkit driver does). */
export async function terminate(pid: number, options: { graceMs: number; signal?: Signaller }): Promise<void> {
  const signal = options.signal ?? signalProcess;
  await signal(pid, 'SIGTERM');
  if (await waitForExit(pid, options.graceMs)) return;
  await signal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, 5_000))) throw new Error(`process ${pid} did not exit after SIGKILL`);
}
