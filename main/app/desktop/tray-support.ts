/**
 * Can this desktop show a tray icon at all? macOS and Windows always can. On Linux, Electron's tray is a
 * StatusNotifierItem, shown only when a StatusNotifierWatcher owns its name on the session bus (KDE, Ubuntu's
 * GNOME with its AppIndicator extension, most panels), else an XEmbed icon that GNOME and Wayland sessions never
 * show (FIELD-NOTES §10). Only a confident "no" is reported: when the bus cannot be asked, the icon may well show.
 */
import { execFile } from 'node:child_process';

export type RunCommand = (command: string, args: readonly string[]) => Promise<{ ok: boolean; stdout: string }>;

const runCommand: RunCommand = (command, args) =>
  new Promise((resolve) => {
    execFile(command, [...args], { timeout: 2000, encoding: 'utf8' }, (error, stdout) => resolve({ ok: !error, stdout: stdout ?? '' }));
  });

export const NO_TRAY_ON_GNOME =
  'No tray icon on this desktop: GNOME shows tray icons only with the AppIndicator extension (gnome-shell-extension-appindicator). g8boot keeps working in this window; closing it quits g8boot.';
export const NO_TRAY_HERE = 'This desktop shows no tray icons. g8boot keeps working in this window; closing it quits g8boot.';

/** Whether a StatusNotifierWatcher is on the session bus; null when that cannot be found out. */
async function hasStatusNotifierWatcher(run: RunCommand): Promise<boolean | null> {
  const gdbus = await run('gdbus', ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', 'org.kde.StatusNotifierWatcher']);
  if (gdbus.ok) return /\(true,?\)/.test(gdbus.stdout);
  const dbusSend = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.kde.StatusNotifierWatcher']);
  if (dbusSend.ok) return /boolean true/.test(dbusSend.stdout);
  return null;
}

/** Null when a tray icon can (probably) be seen; else why not, in words for the dashboard. */
export async function trayProblem(options: { platform: NodeJS.Platform; env: NodeJS.ProcessEnv; run?: RunCommand | undefined }): Promise<string | null> {
  if (options.platform !== 'linux') return null;
  const watcher = await hasStatusNotifierWatcher(options.run ?? runCommand);
  if (watcher !== false) return null;
  const desktop = (options.env.XDG_CURRENT_DESKTOP ?? '').toUpperCase().split(':');
  if (desktop.includes('GNOME')) return NO_TRAY_ON_GNOME;
  // No watcher and no X11 display: nothing can show an XEmbed icon either.
  if (!options.env.DISPLAY) return NO_TRAY_HERE;
  return null;
}
