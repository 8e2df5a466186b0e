/**
 * Whether a notification's action button ("Authorize") will really work here (FIELD-NOTES §10):
 * - macOS: only in a signed app whose Info.plist asks for the alert style (unsigned builds get `failed`);
 * - Windows: only with the AppUserModelID (the shell sets it) and a Start Menu shortcut carrying it, which the
 *   nsis installer makes;
 * - Linux: never (notification servers show no Electron actions).
 * Elsewhere a notification's click opens the node in the dashboard, and the tray menu carries the action.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NotificationHost {
  platform: NodeJS.Platform;
  /** A packaged build (a checkout's `electron .` is neither signed nor installed). */
  packaged: boolean;
  /** macOS: the app bundle's Contents directory (the parent of process.resourcesPath). */
  macContentsDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** The product name the installer gives the Start Menu shortcut. Default g8boot. */
  productName?: string | undefined;
  exists?: ((path: string) => boolean) | undefined;
  readText?: ((path: string) => string | null) | undefined;
}

const readIfThere = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

export function notificationActionsWork(host: NotificationHost): boolean {
  const exists = host.exists ?? existsSync;
  const readText = host.readText ?? readIfThere;
  if (!host.packaged) return false;
  if (host.platform === 'darwin') {
    if (!host.macContentsDir) return false;
    const signed = exists(join(host.macContentsDir, '_CodeSignature', 'CodeResources'));
    const plist = readText(join(host.macContentsDir, 'Info.plist')) ?? '';
    return signed && /<key>NSUserNotificationAlertStyle<\/key>\s*<string>alert<\/string>/.test(plist);
  }
  if (host.platform === 'win32') {
    const appData = host.env?.APPDATA;
    if (!appData) return false;
    return exists(join(appData, 'Microsoft', 'Windows', 'Start Menu', 'Programs', `${host.productName ?? 'g8boot'}.lnk`));
  }
  return false;
}
