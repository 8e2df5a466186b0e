/**
 * Packaging cannot run here (electron-builder needs Electron's zip from the network), so the configuration is
 * checked instead: electron-builder's own JSON schema, then the targets, fuses and resources the issue asks for.
 * The icons the build step draws are checked as files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildIcons } from '../../main/app/build-icons.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, any>;
const mainSource = readFileSync(join(ROOT, 'main', 'app', 'electron', 'main.ts'), 'utf8');

describe('electron-builder.yml', () => {
  it('is valid against electron-builder 26 own schema', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNodeTypo: false } })).toBe(false);
  });

  it('builds a dmg (menu-bar app), an nsis installer, an AppImage and a deb', () => {
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
  });

  it('uses the appId as the Windows AppUserModelID the app sets', () => {
    expect(config.appId).toBe('org.g8os.g8boot');
    expect(mainSource).toContain(`const APP_USER_MODEL_ID = '${config.appId}'`);
  });

  it('ships the iPXE toolchain as extraResources where findToolchainDir looks', () => {
    expect(config.extraResources).toEqual([{ from: 'resources/toolchain', to: 'toolchain', filter: ['**/*'] }]);
  });

  it('turns the dangerous fuses off and the protective ones on', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeCliInspectArguments: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
  });

  it('packages the build output, and package.json points at the main bundle the build writes', () => {
    expect(config.files).toContain('dist/**');
    expect(config.files).toContain('package.json');
    expect(pkg.main).toBe('dist/app/main.mjs');
    expect(readFileSync(join(ROOT, 'scripts', 'build.mjs'), 'utf8')).toContain("entryPoints: { main: 'main/app/main.ts' }");
    expect(existsSync(join(ROOT, 'main', 'app', 'main.ts'))).toBe(true);
    // Icons are generated and the toolchain is present before electron-builder packs them.
    expect(pkg.scripts.dist).toMatch(/node main\/app\/build-icons\.ts && node bin\/g8boot\.mjs toolchain fetch --if-missing && electron-builder/);
    expect(pkg.scripts.start).toMatch(/node main\/app\/build-icons\.ts && node scripts\/start-app\.mjs$/);
    for (const icon of [config.mac.icon, config.win.icon, config.linux.icon]) expect(icon).toMatch(/^build\//);
  });
});

/** Width, height and RGBA pixels of a PNG written by icons/png.ts (8-bit RGBA, filter 0). */
function decodePng(png: Buffer): { width: number; height: number; alpha: number[] } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idatLength = png.readUInt32BE(33);
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  const alpha: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) alpha.push(raw[y * (width * 4 + 1) + 1 + x * 4 + 3]!);
  return { width, height, alpha };
}

describe('icons drawn at build time', () => {
  it('writes app icons for each platform and tray icons for each state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'g8boot-icons-'));
    try {
      const written = await buildIcons({ buildDir: join(dir, 'build'), trayDir: join(dir, 'tray') });
      expect(written).toHaveLength(2 + 7 + 4 * 5);
      expect(decodePng(await readFile(join(dir, 'build', 'icon.png')))).toMatchObject({ width: 1024, height: 1024 });
      expect(decodePng(await readFile(join(dir, 'build', 'icons', '512x512.png')))).toMatchObject({ width: 512, height: 512 });

      const ico = await readFile(join(dir, 'build', 'icon.ico'));
      expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 7]);
      const sizes = Array.from({ length: 7 }, (_, i) => ico[6 + 16 * i] || 256);
      expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
      const last = 6 + 16 * 6;
      expect(decodePng(ico.subarray(ico.readUInt32LE(last + 12), ico.readUInt32LE(last + 12) + ico.readUInt32LE(last + 8))).width).toBe(256);

      // The states differ by shape (template images have no colour): every pair of 32 px icons differs.
      const shapes = await Promise.all(['unconfigured', 'joining', 'online', 'attention'].map(async (s) => decodePng(await readFile(join(dir, 'tray', `tray-${s}Template@2x.png`))).alpha.join()));
      expect(new Set(shapes).size).toBe(4);
      const tray = decodePng(await readFile(join(dir, 'tray', 'tray-online.png')));
      expect(tray).toMatchObject({ width: 16, height: 16 });
      expect(tray.alpha[8 * 16 + 8]).toBe(255);
      expect(tray.alpha[0]).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
