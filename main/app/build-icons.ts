/**
 * Writes the app's icons, drawn from code (icons/draw.ts), so no binary file is committed:
 * - build/: what electron-builder packages (icon.png 1024 px for macOS and the dmg, icon.ico for Windows,
 *   icons/<n>x<n>.png for Linux);
 * - dist/app/icons/: the tray icons the app loads at run time, per state: tray-<state>.png (+ @2x) for Linux,
 *   tray-<state>Template.png (+ @2x) for the macOS menu bar, tray-<state>.ico for the Windows notification area.
 *
 * Run by `npm start` and `npm run dist` before packaging: node main/app/build-icons.ts (Node strips the types).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appIconPng, TRAY_STATES, trayIconPng, trayTemplatePng } from './icons/draw.ts';
import { encodeIco } from './icons/png.ts';

export interface IconDirs {
  buildDir: string;
  trayDir: string;
}

const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512];
const WINDOWS_APP_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** 100% to 250% scaling of the 16 px notification-area icon. */
const WINDOWS_TRAY_SIZES = [16, 20, 24, 32, 40];

export async function buildIcons(dirs: IconDirs): Promise<string[]> {
  const files = new Map<string, Buffer>();
  files.set(join(dirs.buildDir, 'icon.png'), appIconPng(1024));
  files.set(join(dirs.buildDir, 'icon.ico'), encodeIco(WINDOWS_APP_SIZES.map((size) => ({ size, png: appIconPng(size) }))));
  for (const size of LINUX_SIZES) files.set(join(dirs.buildDir, 'icons', `${size}x${size}.png`), appIconPng(size));
  for (const state of TRAY_STATES) {
    files.set(join(dirs.trayDir, `tray-${state}.png`), trayIconPng(state, 16));
    files.set(join(dirs.trayDir, `tray-${state}@2x.png`), trayIconPng(state, 32));
    files.set(join(dirs.trayDir, `tray-${state}Template.png`), trayTemplatePng(state, 16));
    files.set(join(dirs.trayDir, `tray-${state}Template@2x.png`), trayTemplatePng(state, 32));
    files.set(join(dirs.trayDir, `tray-${state}.ico`), encodeIco(WINDOWS_TRAY_SIZES.map((size) => ({ size, png: trayIconPng(state, size) }))));
  }
  for (const [path, data] of files) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }
  return [...files.keys()];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const written = await buildIcons({ buildDir: join(root, 'build'), trayDir: join(root, 'dist', 'app', 'icons') });
  process.stderr.write(`build-icons: ${written.length} files\n`);
}
