/** Start at login: Electron's login items on macOS and Windows, an XDG autostart file on Linux. */
import type { App } from 'electron';
import { HIDDEN_ARG, setLinuxAutostart } from '../desktop/autostart.ts';

export function createLoginItem(app: App): { set(enabled: boolean): Promise<void>; startedHidden(): boolean } {
  // In a checkout (`electron .`) the executable is Electron itself: it needs the app's path to start g8boot.
  const command = app.isPackaged ? [process.env.APPIMAGE ?? process.execPath] : [process.execPath, app.getAppPath()];
  return {
    async set(enabled) {
      if (process.platform === 'linux') return setLinuxAutostart(enabled, { command });
      app.setLoginItemSettings({ openAtLogin: enabled, path: command[0], args: [...command.slice(1), HIDDEN_ARG] });
    },
    startedHidden: () => process.argv.includes(HIDDEN_ARG) || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true),
  };
}
