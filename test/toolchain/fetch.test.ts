import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { G8bootError, InvalidInputError } from '../../main/common/errors.ts';
import { fetchToolchain, loadToolchain, type FetchToolchainOptions } from '../../main/core/boot/toolchain/index.ts';
import {
  BINARY_MTIME,
  buildArchive,
  buildDeb,
  serveArchive,
  sha256,
  tempDir,
  type ArchiveOptions,
  type ArchiveServer,
  type FixtureDeb,
  type Misbehaviour,
} from './fixture-archive.ts';

/** Where each toolchain file must come from (written out here, independently of the code under test). */
const EXPECTED_SOURCES: Record<string, [string, string]> = {
  'ipxe.lkrn': ['ipxe', 'usr/lib/ipxe/ipxe.lkrn'],
  'ipxe-x64.efi': ['ipxe', 'usr/lib/ipxe/ipxe-amd64.efi'],
  'ipxe-arm64.efi': ['ipxe', 'usr/lib/ipxe/ipxe-arm64.efi'],
  'isolinux.bin': ['isolinux', 'usr/lib/ISOLINUX/isolinux.bin'],
  'isohdpfx.bin': ['isolinux', 'usr/lib/ISOLINUX/isohdpfx.bin'],
  'ldlinux.c32': ['syslinux-common', 'usr/lib/syslinux/modules/bios/ldlinux.c32'],
  'licenses/ipxe.copyright': ['ipxe', 'usr/share/doc/ipxe/copyright'],
  'licenses/isolinux.copyright': ['isolinux', 'usr/share/doc/isolinux/copyright'],
  'licenses/syslinux-common.copyright': ['syslinux-common', 'usr/share/doc/syslinux-common/copyright'],
};

let work: string;
/** The packages of the toolchain already installed in failure tests. */
let v1: FixtureDeb[];
/** A newer ipxe, so a fetch of an archive holding it has something to do. */
let ipxeV2: FixtureDeb;
let ipxeWithoutArm64: FixtureDeb;
let ipxeZstd: FixtureDeb;

beforeAll(() => {
  work = tempDir('archive');
  v1 = [buildDeb(work, 'ipxe'), buildDeb(work, 'isolinux', { compression: 'gzip' }), buildDeb(work, 'syslinux-common')];
  ipxeV2 = buildDeb(work, 'ipxe', { version: '2.0-1' });
  ipxeWithoutArm64 = buildDeb(work, 'ipxe', { version: '2.0-2', omit: ['usr/lib/ipxe/ipxe-arm64.efi'] });
  ipxeZstd = buildDeb(work, 'ipxe', { version: '2.0-3', compression: 'zstd' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Scene {
  root: string;
  dir: string;
  cacheDir: string;
}

function scene(): Scene {
  const root = tempDir('fetch');
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return { root, dir: join(root, 'resources', 'toolchain'), cacheDir: join(root, 'cache') };
}

async function serve(debs: readonly FixtureDeb[], options: ArchiveOptions = {}, misbehave: Misbehaviour = {}): Promise<ArchiveServer & { files: Map<string, Buffer> }> {
  const files = buildArchive(debs, options);
  const server = await serveArchive(files, misbehave);
  cleanups.push(() => server.close());
  return { ...server, files };
}

function fetchFrom(server: ArchiveServer, s: Scene, extra: FetchToolchainOptions = {}) {
  return fetchToolchain({ mirror: server.mirror, dir: s.dir, cacheDir: s.cacheDir, env: {}, ...extra });
}

/** Every file under `dir` with its SHA256, plus what sits beside it (to spot leftover temp dirs). */
function snapshot(dir: string) {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(dir, path)] = sha256(readFileSync(path));
    }
  };
  walk(dir);
  return { files, siblings: readdirSync(dirname(dir)).sort() };
}

const debRequests = (server: ArchiveServer) => server.requests.filter((r) => r.endsWith('.deb'));

describe('fetchToolchain', () => {
  it('fetches, verifies and installs the files byte for byte, with licenses and a complete manifest', async () => {
    const s = scene();
    const server = await serve(v1);
    const progress: string[] = [];
    const manifest = await fetchFrom(server, s, { onProgress: (e) => progress.push(e.file) });

    for (const [file, [pkg, path]] of Object.entries(EXPECTED_SOURCES)) {
      const source = v1.find((d) => d.name === pkg)!.files[path]!;
      expect(readFileSync(join(s.dir, file)).equals(source), file).toBe(true);
      expect(manifest.files[file]).toEqual({ sha256: sha256(source), size: source.length, package: pkg, path: `./${path}` });
    }
    const index = server.files.get('dists/trixie/main/binary-amd64/Packages.gz')!;
    expect(manifest).toMatchObject({
      schemaVersion: 1,
      mirror: server.mirror,
      suite: 'trixie',
      sourceDateEpoch: BINARY_MTIME,
      index: { path: 'main/binary-amd64/Packages.gz', sha256: sha256(index), size: index.length },
      packages: v1.map((d) => ({ name: d.name, version: d.version, filename: d.filename, sha256: sha256(d.deb), size: d.deb.length })),
    });
    expect(Object.keys(manifest.files).sort()).toEqual(Object.keys(EXPECTED_SOURCES).sort());
    expect(JSON.parse(readFileSync(join(s.dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(snapshot(s.dir).siblings).toEqual(['toolchain']);
    expect(progress).toContain('InRelease');
    expect(progress).toContain(v1[0]!.filename.split('/').pop());

    const toolchain = await loadToolchain(s.dir);
    expect(toolchain.lkrn.equals(v1[0]!.files['usr/lib/ipxe/ipxe.lkrn']!)).toBe(true);
    expect(toolchain.isohdpfx.length).toBe(432);
  });

  it('serves a second fetch from the download cache and leaves an up-to-date toolchain alone', async () => {
    const s = scene();
    const server = await serve(v1);
    await fetchFrom(server, s);
    expect(debRequests(server)).toHaveLength(3);

    // Same directory: the manifest names the index InRelease lists, so only InRelease is asked for.
    server.requests.length = 0;
    const before = statSync(join(s.dir, 'manifest.json')).mtimeMs;
    await fetchFrom(server, s);
    expect(server.requests).toEqual(['dists/trixie/InRelease']);
    expect(statSync(join(s.dir, 'manifest.json')).mtimeMs).toBe(before);

    // Another directory (a fresh checkout): index and .debs come from the cache.
    server.requests.length = 0;
    const other = join(s.root, 'checkout2', 'toolchain');
    const manifest = await fetchFrom(server, s, { dir: other });
    expect(server.requests).toEqual(['dists/trixie/InRelease']);
    expect(snapshot(other).files).toEqual(snapshot(s.dir).files);
    expect(manifest.packages.map((p) => p.version)).toEqual(v1.map((d) => d.version));

    // --force downloads everything again.
    server.requests.length = 0;
    await fetchFrom(server, s, { force: true });
    expect(debRequests(server)).toHaveLength(3);
  });

  it('discards a cached .deb that no longer matches its hash and downloads it again', async () => {
    const s = scene();
    const server = await serve(v1);
    await fetchFrom(server, s);
    const cached = join(s.cacheDir, 'sha256', sha256(v1[0]!.deb));
    writeFileSync(cached, Buffer.from('bit rot'));
    server.requests.length = 0;

    await fetchFrom(server, s, { dir: join(s.root, 'other', 'toolchain') });
    expect(debRequests(server)).toEqual([v1[0]!.filename]);
    expect(sha256(readFileSync(cached))).toBe(sha256(v1[0]!.deb));
  });

  it('works offline from the cache once the mirror has been seen, unless forced', async () => {
    const s = scene();
    const server = await serve(v1);
    await fetchFrom(server, s);
    await server.close();

    const notices: string[] = [];
    const other = join(s.root, 'offline', 'toolchain');
    await fetchFrom(server, s, { dir: other, onNotice: (m) => notices.push(m) });
    expect(snapshot(other).files).toEqual(snapshot(s.dir).files);
    expect(notices.join('\n')).toMatch(/Working offline from the index cached/);

    await expect(fetchFrom(server, s, { dir: other, force: true })).rejects.toMatchObject({ code: 'E_TOOLCHAIN_NETWORK' });
  });

  it('reads an xz-compressed binary-all index when that is what the suite publishes', async () => {
    const s = scene();
    const server = await serve(v1, { indexPath: 'main/binary-all/Packages.xz' });
    const manifest = await fetchFrom(server, s);
    expect(manifest.index.path).toBe('main/binary-all/Packages.xz');
    expect(readFileSync(join(s.dir, 'ldlinux.c32')).equals(v1[2]!.files['usr/lib/syslinux/modules/bios/ldlinux.c32']!)).toBe(true);
  });

  it('follows redirects and honours the suite and G8BOOT_DEBIAN_* variables', async () => {
    const s = scene();
    const server = await serve(v1, { suite: 'forky' }, { redirect: true });
    const manifest = await fetchToolchain({
      dir: s.dir,
      cacheDir: s.cacheDir,
      env: { G8BOOT_DEBIAN_MIRROR: `${server.mirror}/`, G8BOOT_DEBIAN_SUITE: 'forky' },
    });
    expect(manifest).toMatchObject({ mirror: server.mirror, suite: 'forky' });
    expect(server.requests.filter((r) => r.endsWith('.deb'))).toHaveLength(6); // each .deb: redirect + real request
  });

  it('refuses a bad mirror URL or suite before touching the network', async () => {
    const s = scene();
    await expect(fetchToolchain({ mirror: 'ftp://deb.debian.org/debian', dir: s.dir, env: {} })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(fetchToolchain({ dir: s.dir, env: { G8BOOT_DEBIAN_MIRROR: 'http://x/debian?a=1' } })).rejects.toThrow(/G8BOOT_DEBIAN_MIRROR/);
    await expect(fetchToolchain({ suite: '../etc', dir: s.dir, env: {} })).rejects.toMatchObject({ code: 'E_INVALID_SUITE' });
    expect(readdirSync(s.root)).toEqual([]);
  });
});

describe('fetchToolchain failures leave the installed toolchain untouched', () => {
  /** Install v1, then run a failing fetch against `server` and check nothing changed. */
  async function expectFailure(server: ArchiveServer, options: FetchToolchainOptions = {}) {
    const s = scene();
    const good = await serve(v1);
    await fetchFrom(good, s);
    const before = snapshot(s.dir);
    const error = await fetchFrom(server, s, { cacheDir: join(s.root, 'cache2'), ...options }).then(
      () => expect.unreachable('the fetch should have failed'),
      (e: unknown) => e,
    );
    expect(snapshot(s.dir)).toEqual(before);
    expect((await loadToolchain(s.dir)).manifest.packages[0]!.version).toBe(v1[0]!.version);
    return error as G8bootError;
  }
  const v2 = () => [ipxeV2, v1[1]!, v1[2]!];

  it('a .deb whose hash differs from the index', async () => {
    const server = await serve(v2(), { wrongDebHash: 'ipxe' });
    const error = await expectFailure(server);
    expect(error.code).toBe('E_TOOLCHAIN_HASH_MISMATCH');
    expect(error.message).toContain(ipxeV2.filename.split('/').pop());
    expect(error.message).toContain(sha256(ipxeV2.deb)); // actual
    expect(error.message).toContain(sha256(Buffer.from('not the deb'))); // expected
    expect(error.hint).toMatch(/--mirror/);
  });

  it('a Packages index whose hash differs from InRelease', async () => {
    const server = await serve(v2(), { wrongIndexHash: true });
    const error = await expectFailure(server);
    expect(error.code).toBe('E_TOOLCHAIN_HASH_MISMATCH');
    expect(error.message).toMatch(/Packages\.gz .* InRelease/);
    expect(error.message).toContain(sha256(Buffer.from('not the index')));
    expect(debRequests(server)).toEqual([]);
  });

  it('a .deb the mirror does not have (404)', async () => {
    const server = await serve(v2(), {}, { notFound: [ipxeV2.filename] });
    const error = await expectFailure(server);
    expect(error.code).toBe('E_TOOLCHAIN_NOT_FOUND');
    expect(error.message).toContain(`${server.mirror}/${ipxeV2.filename}`);
  });

  it('a connection closed in the middle of a download', async () => {
    const server = await serve(v2(), {}, { cutAfter: { path: ipxeV2.filename, bytes: 1000 } });
    const error = await expectFailure(server);
    expect(error.code).toBe('E_TOOLCHAIN_NETWORK');
    expect(error.message).toContain(`the Debian mirror ${server.mirror}`);
    expect(error.hint).toMatch(/--mirror URL or G8BOOT_DEBIAN_MIRROR/);
  });

  it('a mirror that goes silent (idle timeout)', async () => {
    const server = await serve(v2(), {}, { stallAfter: { path: ipxeV2.filename, bytes: 1000 } });
    const error = await expectFailure(server, { timeouts: { idleMs: 300 } });
    expect(error.code).toBe('E_TOOLCHAIN_NETWORK');
    expect(error.message).toMatch(/sent nothing for 0\.3 s/);
  });

  it('a mirror that refuses connections', async () => {
    const port = await freePort();
    const mirror = `http://127.0.0.1:${port}/debian`;
    const error = await expectFailure({ mirror, requests: [], close: async () => {} });
    expect(error.code).toBe('E_TOOLCHAIN_NETWORK');
    expect(error.message).toContain(`the Debian mirror ${mirror}`);
  });

  it('a .deb without one of the wanted files', async () => {
    const server = await serve([ipxeWithoutArm64, v1[1]!, v1[2]!]);
    const error = await expectFailure(server);
    expect(error.code).toBe('E_TOOLCHAIN_DEB_MEMBER');
    expect(error.message).toContain('./usr/lib/ipxe/ipxe-arm64.efi');
    expect(error.message).toContain(ipxeWithoutArm64.filename.split('/').pop());
  });

  it('a .deb compressed with something other than xz or gzip', async () => {
    const server = await serve([ipxeZstd, v1[1]!, v1[2]!]);
    const error = await expectFailure(server);
    expect(error.code).toBe('E_TOOLCHAIN_DEB_COMPRESSION');
    expect(error.message).toContain('data.tar.zst');
  });

  it('a suite without one of the packages', async () => {
    const server = await serve([v1[1]!, v1[2]!]);
    const error = await expectFailure(server);
    expect(error.code).toBe('E_TOOLCHAIN_PACKAGE_NOT_FOUND');
    expect(error.message).toContain('"ipxe"');
  });

  it('an interrupted fetch (abort signal)', async () => {
    const server = await serve(v2(), {}, { stallAfter: { path: ipxeV2.filename, bytes: 1000 } });
    const controller = new AbortController();
    const reason = new Error('interrupted by the test');
    const error = await expectFailure(server, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.file.startsWith('ipxe_')) controller.abort(reason);
      },
    });
    expect(error).toBe(reason);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
