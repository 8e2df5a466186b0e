/**
 * vmnet, which xhyve's network device uses, needs root. Rather than failing or hiding a sudo inside, g8boot
 * says so, runs `sudo -v` where the person sees the password prompt, then starts xhyve with `sudo -n` (no
 * prompt: the credentials were just cached). Stopping a root-owned xhyve goes through `sudo -n kill`.
 */
import { G8bootError } from '../../../common/errors.ts';
import { findBinary } from '../find-binary.ts';
import type { Host } from '../host.ts';
import { signalProcess, type Signaller } from '../processes.ts';

export interface Elevation {
  needed: boolean;
  /** The explicit step: tell the person, then let sudo ask for the password. */
  prepare(notify: (message: string) => void): Promise<void>;
  wrap(file: string, args: readonly string[]): { file: string; args: string[] };
  signal: Signaller;
}

const sudoMissing = () =>
  new G8bootError('E_VM_ELEVATION_FAILED', 'xhyve needs root for vmnet networking, and sudo was not found.', {
    hint: 'Run g8boot as root (`sudo g8boot vm up ...`).',
  });

export function sudoElevation(host: Host): Elevation {
  const needed = host.uid !== null && host.uid !== 0;
  const sudo = (): string => {
    const found = findBinary(host, 'sudo', ['/usr/bin/sudo']);
    if (!found) throw sudoMissing();
    return found;
  };
  return {
    needed,
    async prepare(notify) {
      if (!needed) return;
      notify('xhyve needs root for its vmnet network, so g8boot starts it with sudo; sudo may ask for your password.');
      // sudo reads the password from the terminal itself (/dev/tty), so the prompt shows even with piped output.
      const result = await host.run(sudo(), ['-v'], { timeoutMs: 5 * 60_000 });
      if (result.code !== 0) {
        throw new G8bootError('E_VM_ELEVATION_FAILED', `sudo refused: ${result.stderr.trim() || `exit code ${result.code}`}.`, {
          hint: 'xhyve needs root for vmnet. Run `sudo -v` in a terminal first, or run g8boot as root.',
        });
      }
    },
    wrap(file, args) {
      return needed ? { file: sudo(), args: ['-n', file, ...args] } : { file, args: [...args] };
    },
    async signal(pid, signal) {
      try {
        await signalProcess(pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
        const result = await host.run(sudo(), ['-n', 'kill', '-s', signal.replace(/^SIG/, ''), String(pid)], { timeoutMs: 30_000 });
        if (result.code !== 0) throw new G8bootError('E_VM_ELEVATION_FAILED', `Could not stop xhyve (pid ${pid}) as root: ${result.stderr.trim()}`);
      }
    },
  };
}
