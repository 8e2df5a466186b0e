import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MissingDependencyError } from '../../main/common/errors.ts';
import { checkToolchain, findToolchainDir, loadToolchain, userCacheDir, type ToolchainManifest } from '../../main/core/boot/toolchain/index.ts';
import { replaceDirectory } from '../../main/core/boot/toolchain/install-dir.ts';
import { sha256, tempDir } from './fixture-archive.ts';

const FILES = {
  'ipxe.lkrn': 'ipxe',
  'ipxe-x64.efi': 'ipxe',
  'ipxe-arm64.efi': 'ipxe',
  'isolinux.bin': 'isolinux',
  'isohdpfx.bin': 'isolinux',
  'ldlinux.c32': 'syslinux-common',
  'licenses/ipxe.copyright': 'ipxe',
  'licenses/isolinux.copyright': 'isolinux',
  'licenses/syslinux-common.copyright': 'syslinux-common',
};

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A valid toolchain directory written by hand (independent of the fetcher). */
function writeToolchain(): { dir: string; contents: Record<string, Buffer> } {
  const root = tempDir('load');
  roots.push(root);
  const dir = join(root, 'toolchain');
  mkdirSync(join(dir, 'licenses'), { recursive: true });
  const contents: Record<string, Buffer> = {};
  const files: ToolchainManifest['files'] = {};
  for (const [file, pkg] of Object.entries(FILES)) {
    const data = randomBytes(file === 'isohdpfx.bin' ? 432 : 2000);
    contents[file] = data;
    writeFileSync(join(dir, file), data);
    files[file] = { sha256: sha256(data), size: data.length, package: pkg, path: `./usr/${file}` };
  }
  const manifest: ToolchainManifest = {
    schemaVersion: 1,
    mirror: 'http://deb.example/debian',
    suite: 'trixie',
    sourceDateEpoch: 1_746_176_124,
    index: { path: 'main/binary-amd64/Packages.gz', sha256: sha256(Buffer.from('index')), size: 5 },
    packages: ['ipxe', 'isolinux', 'syslinux-common'].map((name) => ({
      name,
      version: '1.0',
      filename: `pool/main/x/${name}/${name}_1.0_all.deb`,
      sha256: sha256(Buffer.from(name)),
      size: 100,
    })),
    files,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { dir, contents };
}

async function loadError(dir: string): Promise<MissingDependencyError> {
  const error = await loadToolchain(dir).then(
    () => expect.unreachable('loading should have failed'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MissingDependencyError);
  const e = error as MissingDependencyError;
  expect(e.hint).toContain('npm run toolchain');
  expect(e.hint).toContain('g8boot toolchain fetch');
  expect(e.exitCode).toBe(3);
  return e;
}

describe('loadToolchain', () => {
  it('returns every binary, verified, and loads each directory once', async () => {
    const { dir, contents } = writeToolchain();
    const toolchain = await loadToolchain(dir);
    expect(toolchain.dir).toBe(dir);
    expect(toolchain.manifest.sourceDateEpoch).toBe(1_746_176_124);
    expect(toolchain.lkrn.equals(contents['ipxe.lkrn']!)).toBe(true);
    expect(toolchain.efiX64.equals(contents['ipxe-x64.efi']!)).toBe(true);
    expect(toolchain.efiArm64.equals(contents['ipxe-arm64.efi']!)).toBe(true);
    expect(toolchain.isolinuxBin.equals(contents['isolinux.bin']!)).toBe(true);
    expect(toolchain.ldlinuxC32.equals(contents['ldlinux.c32']!)).toBe(true);
    expect(toolchain.isohdpfx.equals(contents['isohdpfx.bin']!)).toBe(true);
    expect(await loadToolchain(join(dir, '..', 'toolchain'))).toBe(toolchain);
  });

  it('names a deleted file and the command that fetches it', async () => {
    const { dir } = writeToolchain();
    unlinkSync(join(dir, 'ldlinux.c32'));
    const error = await loadError(dir);
    expect(error.code).toBe('E_TOOLCHAIN_MISSING');
    expect(error.message).toContain(join(dir, 'ldlinux.c32'));
  });

  it('names a modified file (same size, one byte changed) and a truncated one', async () => {
    const { dir, contents } = writeToolchain();
    const changed = Buffer.from(contents['ipxe-x64.efi']!);
    changed[100] = changed[100]! ^ 0xff;
    writeFileSync(join(dir, 'ipxe-x64.efi'), changed);
    const error = await loadError(dir);
    expect(error.code).toBe('E_TOOLCHAIN_CORRUPT');
    expect(error.message).toContain(join(dir, 'ipxe-x64.efi'));
    expect(error.message).toContain(sha256(changed));

    writeFileSync(join(dir, 'ipxe-x64.efi'), contents['ipxe-x64.efi']!);
    writeFileSync(join(dir, 'licenses', 'isolinux.copyright'), 'short');
    const truncated = await loadError(dir);
    expect(truncated.message).toContain(join(dir, 'licenses', 'isolinux.copyright'));
    expect(truncated.message).toMatch(/5 bytes, manifest\.json says 2000/);
  });

  it('names the missing or damaged manifest, and does not remember a failed load', async () => {
    const { dir } = writeToolchain();
    const manifest = join(dir, 'manifest.json');
    const good = readFileSync(manifest);
    writeFileSync(manifest, '{"schemaVersion": 9}');
    expect((await loadError(dir)).message).toContain(`${manifest} is damaged: it has schema version 9`);
    writeFileSync(manifest, 'not json');
    expect((await loadError(dir)).message).toContain(`${manifest} is damaged`);
    unlinkSync(manifest);
    expect((await loadError(dir)).message).toContain(`${manifest} does not exist`);
    writeFileSync(manifest, good);
    expect((await loadToolchain(dir)).manifest.suite).toBe('trixie');
  });

  it('reports a missing directory through checkToolchain without throwing', async () => {
    const root = tempDir('load');
    roots.push(root);
    const status = await checkToolchain(join(root, 'nothing-here'));
    expect(status.ok).toBe(false);
    expect(status.manifest).toBeNull();
    expect(status.error?.message).toContain(join(root, 'nothing-here', 'manifest.json'));
  });

  it('lists every file with its state in checkToolchain', async () => {
    const { dir } = writeToolchain();
    unlinkSync(join(dir, 'isolinux.bin'));
    const status = await checkToolchain(dir);
    expect(status.ok).toBe(false);
    expect(status.files.filter((f) => !f.ok)).toEqual([{ file: 'isolinux.bin', ok: false, problem: 'missing' }]);
    expect(status.files).toHaveLength(Object.keys(FILES).length);
  });
});

describe('findToolchainDir', () => {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

  it('uses G8BOOT_TOOLCHAIN_DIR first, resolved to an absolute path', () => {
    expect(findToolchainDir({ env: { G8BOOT_TOOLCHAIN_DIR: 'rel/tc' }, resourcesPath: '/opt/app/resources' })).toBe(resolve('rel/tc'));
  });

  it('uses <resourcesPath>/toolchain in a packaged app', () => {
    expect(findToolchainDir({ env: {}, resourcesPath: '/opt/g8boot/resources' })).toBe(join('/opt/g8boot/resources', 'toolchain'));
  });

  it('uses resources/toolchain in the project tree otherwise (the bundle is checked in cli.test.ts)', () => {
    expect(findToolchainDir({ env: {} })).toBe(join(repo, 'resources', 'toolchain'));
  });
});

describe('userCacheDir', () => {
  it('follows each platform convention, with G8BOOT_CACHE_DIR and XDG_CACHE_HOME overrides', () => {
    expect(userCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/g8boot');
    expect(userCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/g8boot');
    expect(userCacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/g8boot');
    expect(userCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\g8boot\\Cache');
    expect(userCacheDir({ G8BOOT_CACHE_DIR: '/c', XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/c');
  });
});

describe('replaceDirectory', () => {
  it('leaves the old directory and no temporary one behind when filling fails', async () => {
    const { dir } = writeToolchain();
    await expect(
      replaceDirectory(dir, async (tmp) => {
        writeFileSync(join(tmp, 'ipxe.lkrn'), 'half written');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readdirSync(dirname(dir))).toEqual(['toolchain']);
    expect((await checkToolchain(dir)).ok).toBe(true);

    await replaceDirectory(dir, async (tmp) => writeFileSync(join(tmp, 'new'), 'x'));
    expect(readdirSync(dir)).toEqual(['new']);
    expect(readdirSync(dirname(dir))).toEqual(['toolchain']);
  });
});
