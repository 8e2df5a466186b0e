/**
 * Start at login on Linux: an XDG autostart entry (~/.config/autostart/g8boot.desktop, per the XDG Autostart
 * specification), which GNOME, KDE, Xfce and the others read at login. macOS and Windows use Electron's
 * app.setLoginItemSettings instead (see electron/login-item.ts).
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.ts';

export const HIDDEN_ARG = '--hidden';

export interface AutostartOptions {
  /**
   * The command line that starts the app: the AppImage file itself ($APPIMAGE) when run from one (its mount
   * point changes every run), else the executable, plus the app's path in a development checkout.
   */
  command: readonly string[];
  env?: NodeJS.ProcessEnv | undefined;
  home?: string | undefined;
}

export function autostartPath(options: Pick<AutostartOptions, 'env' | 'home'> = {}): string {
  const env = options.env ?? process.env;
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(options.home ?? homedir(), '.config');
  return join(config, 'autostart', 'g8boot.desktop');
}

/** An Exec argument quoted as the Desktop Entry specification asks (reserved characters inside double quotes). */
export function quoteExecArg(arg: string): string {
  if (/^[A-Za-z0-9_\-./=:,+@]+$/.test(arg)) return arg;
  return `"${arg.replace(/[`"$\\]/g, (c) => `\\${c}`)}"`.replace(/%/g, '%%');
}

export function desktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=g8boot',
    'Comment=Boot and manage G8OS nodes',
    `Exec=${[...command, HIDDEN_ARG].map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export async function setLinuxAutostart(enabled: boolean, options: AutostartOptions): Promise<void> {
  const path = autostartPath(options);
  if (!enabled) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, desktopEntry(options.command), { mode: 0o644 });
}

export async function isLinuxAutostartEnabled(options: Pick<AutostartOptions, 'env' | 'home'> = {}): Promise<boolean> {
  const text = await readFile(autostartPath(options), 'utf8').catch(() => null);
  return text !== null && !/^Hidden\s*=\s*true\s*$/m.test(text);
}
