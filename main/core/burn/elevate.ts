/**
 * The privileged part of a write runs in a separate writer process, so the UI (the CLI at a person's terminal,
 * the tray app) never runs as root. The writer is g8boot's own CLI in `burn --writer` mode: it re-checks the
 * drive, writes, verifies and ejects, and reports on stdout one JSON object per line (progress, then a result
 * or an error). Closing its stdin cancels it: that reaches a root process that a signal from the user cannot.
 *
 * How it is started with privileges, per OS (like balenaEtcher's): Linux `pkexec` (polkit asks for the
 * password), macOS `osascript … with administrator privileges`, Windows `Start-Process -Verb RunAs` (UAC).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { G8bootError, MissingDependencyError } from '../../common/errors.ts';
import type { BurnProgress, BurnResult, BurnStep } from '../../common/burn.ts';
import { BurnError } from './burn-error.ts';

/** How to start g8boot's CLI: a Node (or Electron as Node) and the CLI's script. */
export interface WriterProgram {
  execPath: string;
  script: string;
  /** Environment the writer needs (e.g. ELECTRON_RUN_AS_NODE=1 when execPath is Electron); passed through `env`. */
  env?: Record<string, string>;
}

export interface WriterRequest {
  device: string;
  imagePath: string;
  sha256: string;
  eject: boolean;
}

/** A line the writer prints. */
export type WriterMessage =
  | { progress: BurnProgress }
  | { result: BurnResult }
  | { error: { name: string; code: string; message: string; hint?: string; step?: BurnStep; offset?: number | null; exitCode?: number } };

export function writerArguments(request: WriterRequest): string[] {
  return ['burn', '--writer', '--device', request.device, '--image', request.imagePath, '--sha256', request.sha256, ...(request.eject ? [] : ['--no-eject'])];
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const psQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The elevation command line for each OS (the Linux one is run and tested; macOS and Windows are built and unit-tested). */
export function elevatedCommand(platform: NodeJS.Platform, program: WriterProgram, request: WriterRequest): { file: string; args: string[] } {
  const envPairs = Object.entries(program.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const argv = [program.execPath, program.script, ...writerArguments(request)];
  if (platform === 'darwin') {
    // do shell script runs /bin/sh as root after the system's password dialog.
    const line = [...(envPairs.length ? ['/usr/bin/env', ...envPairs] : []), ...argv].map(shellQuote).join(' ');
    return { file: '/usr/bin/osascript', args: ['-e', `do shell script ${JSON.stringify(line)} with administrator privileges`] };
  }
  if (platform === 'win32') {
    // UAC elevation cannot pipe the writer's output back: the writer appends its lines to a file the UI reads.
    const envSetup = Object.entries(program.env ?? {}).map(([k, v]) => `$env:${k}=${psQuote(v)}; `).join('');
    const list = [program.script, ...writerArguments(request), '--progress-file', progressFileOf(request)].map(psQuote).join(',');
    return {
      file: 'powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-Command', `${envSetup}Start-Process -FilePath ${psQuote(program.execPath)} -ArgumentList ${list} -Verb RunAs -Wait -WindowStyle Hidden`],
    };
  }
  // pkexec clears the environment: what the writer needs goes through env(1).
  return { file: 'pkexec', args: [...(envPairs.length ? ['/usr/bin/env', ...envPairs] : []), ...argv] };
}

/** pkexec's own failures (polkit's pkexec.c): 127 with a message, or 126 when the person dismissed the dialog. */
export function pkexecFailure(code: number | null, stderr: string): G8bootError | null {
  if (/No authentication agent found/i.test(stderr)) {
    return new G8bootError('E_ELEVATION_NO_AGENT', 'Cannot ask for your password: no polkit authentication agent is running on this desktop ("No authentication agent found").', {
      hint: 'Start one (e.g. lxpolkit, polkit-gnome-authentication-agent-1, polkit-kde-authentication-agent-1) and try again, or run `sudo g8boot burn …` in a terminal. Nothing was written.',
    });
  }
  if (code === 126 || /dismissed|Not authorized/i.test(stderr)) {
    return new G8bootError('E_ELEVATION_REFUSED', 'Administrator rights were not granted (the password dialog was dismissed or the account may not administer this computer).', {
      hint: 'Writing a drive needs them. Try again and enter your password, or run `sudo g8boot burn …`. Nothing was written.',
    });
  }
  if (code === 127 && /Error executing command as another user/i.test(stderr)) {
    return new G8bootError('E_ELEVATION_FAILED', `pkexec could not start the writer: ${stderr.trim().slice(0, 300)}`, {
      hint: 'Run `sudo g8boot burn …` in a terminal instead. Nothing was written.',
    });
  }
  return null;
}

export interface ElevatedRun {
  platform: NodeJS.Platform;
  program: WriterProgram;
  request: WriterRequest;
  onProgress?: (progress: BurnProgress) => void;
  signal?: AbortSignal | undefined;
}

/** Where the Windows writer appends its lines, and the file whose appearance cancels it. */
export const progressFileOf = (request: WriterRequest) => `${request.imagePath}.progress`;
export const cancelFileOf = (progressFile: string) => `${progressFile}.cancel`;

/**
 * Run the writer with privileges (Linux: through pkexec) and relay its progress; resolves with its result.
 * Its lines come on its stdout, or (Windows, where UAC cannot pipe them back) from its progress file, read as it grows.
 */
export function runElevatedWriter(run: ElevatedRun): Promise<BurnResult> {
  const { file, args } = elevatedCommand(run.platform, run.program, run.request);
  const viaFile = run.platform === 'win32';
  const progressFile = progressFileOf(run.request);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    let stderr = '';
    let buffered = '';
    let result: BurnResult | null = null;
    let failure: Error | null = null;
    const onAbort = () => {
      child.stdin.end();
      if (viaFile) writeFileSync(cancelFileOf(progressFile), '');
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    const take = (text: string) => {
      buffered += text;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        let message: WriterMessage;
        try {
          message = JSON.parse(line) as WriterMessage;
        } catch {
          continue;
        }
        if ('progress' in message) run.onProgress?.(message.progress);
        else if ('result' in message) result = message.result;
        else if ('error' in message) failure = errorFromWriter(message.error);
      }
    };
    let readUpTo = 0;
    const readProgressFile = () => {
      try {
        const text = readFileSync(progressFile, 'utf8');
        take(text.slice(readUpTo));
        readUpTo = text.length;
      } catch {
        // not written yet
      }
    };
    const poll = viaFile ? setInterval(readProgressFile, 250) : undefined;
    child.stdin.on('error', () => {});
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8192)));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (!viaFile) take(d);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearInterval(poll);
      run.signal?.removeEventListener('abort', onAbort);
      reject(
        error.code === 'ENOENT'
          ? new MissingDependencyError('E_ELEVATION_MISSING', `Writing a drive needs administrator rights, and ${file} is not installed to ask for them.`, {
              hint: run.platform === 'linux' ? 'Install polkit (the pkexec command), or run `sudo g8boot burn …` in a terminal. Nothing was written.' : 'Run g8boot as an administrator. Nothing was written.',
              cause: error,
            })
          : error,
      );
    });
    child.on('close', (code) => {
      clearInterval(poll);
      if (viaFile) {
        readProgressFile();
        rmSync(progressFile, { force: true });
        rmSync(cancelFileOf(progressFile), { force: true });
      }
      run.signal?.removeEventListener('abort', onAbort);
      if (result && code === 0) return resolve(result);
      if (failure) return reject(failure);
      const elevation = pkexecFailure(code, stderr);
      if (elevation) return reject(elevation);
      reject(new G8bootError('E_WRITER_FAILED', `The writer stopped without a result (exit ${code ?? 'by a signal'})${stderr.trim() ? `: ${stderr.trim().slice(-300)}` : ''}.`, {
        hint: 'Nothing proves the drive was written: try again.',
      }));
    });
  });
}

function errorFromWriter(error: Extract<WriterMessage, { error: unknown }>['error']): Error {
  if (error.step) {
    return new BurnError(error.step, error.message, { hint: error.hint, offset: error.offset ?? null, cancelled: error.code === 'E_BURN_CANCELLED' });
  }
  const rebuilt = new G8bootError(error.code, error.message, { hint: error.hint });
  if (error.exitCode !== undefined) Object.defineProperty(rebuilt, 'exitCode', { value: error.exitCode });
  return rebuilt;
}
