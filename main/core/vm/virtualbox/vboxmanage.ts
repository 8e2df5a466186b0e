/**
 * Running VBoxManage the way Vagrant's driver learned to: in the C locale (decisions still rest on codes, not words),
 * with retries of the failures that go away by themselves, and reading an error from stderr even when the
 * exit code says success.
 */
import { MissingDependencyError } from '../../../common/errors.ts';
import { findBinary, pathModule } from '../find-binary.ts';
import type { Host } from '../host.ts';

export const VBOXMANAGE = 'VBoxManage';

/**
 * Where VirtualBox installs VBoxManage when it is not on PATH: the directories its Windows installer records
 * in VBOX_MSI_INSTALL_PATH / VBOX_INSTALL_PATH, Program Files, the macOS app bundle, the Linux packages.
 */
export function vboxManageCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  const path = pathModule(platform);
  const file = platform === 'win32' ? `${VBOXMANAGE}.exe` : VBOXMANAGE;
  const installDirs = [env.VBOX_MSI_INSTALL_PATH, ...(env.VBOX_INSTALL_PATH ?? '').split(path.delimiter)].filter((d): d is string => !!d);
  const candidates = installDirs.map((dir) => path.join(dir, file));
  if (platform === 'win32') {
    candidates.push(path.join(env.ProgramFiles ?? 'C:\\Program Files', 'Oracle', 'VirtualBox', file));
  } else if (platform === 'darwin') {
    candidates.push('/Applications/VirtualBox.app/Contents/MacOS/VBoxManage', '/usr/local/bin/VBoxManage');
  } else {
    candidates.push('/usr/bin/VBoxManage', '/usr/lib/virtualbox/VBoxManage');
  }
  return candidates;
}

export function findVBoxManage(host: Host): string | null {
  return findBinary(host, VBOXMANAGE, vboxManageCandidates(host.platform, host.env));
}

/** A VBoxManage command that failed; `stderr` carries VirtualBox's own words for the classifier. */
export class VBoxManageFailure extends Error {
  override name = 'VBoxManageFailure';
  readonly args: readonly string[];
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  constructor(args: readonly string[], code: number | null, stdout: string, stderr: string) {
    super(`VBoxManage ${args.join(' ')} failed (exit code ${code}): ${stderr.trim() || stdout.trim()}`);
    this.args = args;
    this.code = code;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/** VBoxManage prints "VBoxManage: error:" (VBoxManage.exe on Windows) and sometimes still exits 0. */
const ERROR_TEXT = /VBoxManage(?:\.exe)?: error:/;

/**
 * The result code VirtualBox names in its "Details: code VBOX_E_… (0x…)" line, e.g. VBOX_E_INVALID_OBJECT_STATE.
 * VirtualBox 7 translates its messages by its own language setting (LANG=C does not help), but not these codes
 * nor the interface names, so decisions rest on them.
 */
export function vboxResultCode(stderr: string): string | null {
  return /\b((?:VBOX_E|NS_ERROR|E|CO_E)_[A-Z_]+) \(0x[0-9a-fA-F]+\)/.exec(stderr)?.[1] ?? null;
}

/** A machine's (or its session's) object state refused the call: locked by a session, or not unlockable yet. */
export function machineLocked(stderr: string): boolean {
  return vboxResultCode(stderr) === 'VBOX_E_INVALID_OBJECT_STATE' && !/\bIMedium\b/.test(stderr);
}

/**
 * Failures that go away when tried again a second later: a session lock still held by a VM that just powered
 * off (or by the GUI), and COM's server start-up race on Windows (CO_E_SERVER_EXEC_FAILURE).
 */
const transient = (stderr: string) => machineLocked(stderr) || /CO_E_SERVER_EXEC_FAILURE/.test(stderr);

export const VBOX_TRIES = 3;
export const VBOX_RETRY_DELAY_MS = 1_000;

export interface VBoxManage {
  path: string;
  /** stdout of a successful command; throws VBoxManageFailure (after retrying transient failures). */
  run(args: readonly string[], options?: { tries?: number }): Promise<string>;
}

export function vboxManage(host: Host, path: string): VBoxManage {
  // LANG alone is overridden by LC_ALL/LC_MESSAGES when those are set. C keeps 6.x's messages in English;
  // 7.x translates by its own setting, so nothing here depends on the words (vboxResultCode).
  const env = { ...host.env, LANG: 'C', LC_ALL: 'C' };
  return {
    path,
    async run(args, options = {}) {
      for (let attempt = 1; ; attempt++) {
        let result;
        try {
          result = await host.run(path, args, { env, timeoutMs: 120_000 });
        } catch (error) {
          throw new MissingDependencyError('E_VM_HYPERVISOR_BROKEN', `VBoxManage (${path}) could not be started: ${(error as Error).message}.`, {
            hint: 'Reinstall VirtualBox.',
          });
        }
        const { code, stdout, stderr } = result;
        // 126: VBoxManage is there but something it runs is not: a damaged VirtualBox installation (Vagrant).
        if (code === 126) {
          throw new MissingDependencyError('E_VM_HYPERVISOR_BROKEN', `VBoxManage (${path}) is there but cannot run (exit code 126).`, {
            hint: 'The VirtualBox installation looks damaged: reinstall VirtualBox.',
          });
        }
        const failed = code !== 0 || ERROR_TEXT.test(stderr);
        if (!failed) return stdout.replaceAll('\r\n', '\n');
        if (attempt >= (options.tries ?? VBOX_TRIES) || !transient(stderr)) throw new VBoxManageFailure(args, code, stdout, stderr);
        await host.sleep(VBOX_RETRY_DELAY_MS);
      }
    },
  };
}
