/**
 * Run a hypervisor tool and collect its output. Never through a shell: every argument is passed as is, so
 * paths with spaces (Windows' "Program Files", "VirtualBox VMs") and VM names need no quoting.
 */
import { execFile } from 'node:child_process';

export interface CommandResult {
  /** null when the process was killed by a signal or the timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv | undefined;
  timeoutMs?: number | undefined;
}

/** Resolves with the exit code and output; rejects only when the program could not be started (ENOENT, EACCES). */
export type CommandRunner = (file: string, args: readonly string[], options?: CommandOptions) => Promise<CommandResult>;

export const runCommand: CommandRunner = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { env: options.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const spawnError = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (spawnError && typeof spawnError.code === 'string') {
          reject(spawnError);
          return;
        }
        const code = spawnError ? (typeof spawnError.code === 'number' ? spawnError.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
