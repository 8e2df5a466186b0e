/**
 * A small synthetic Debian archive for the toolchain tests: real .debs built by `dpkg-deb --build` holding
 * stand-in files at the real paths, a Packages index and an InRelease with correct (or deliberately wrong)
 * SHA256 lines, served from a loopback HTTP server that can misbehave on request.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** mtimes given to the stand-in files; the newest is what the manifest's sourceDateEpoch must be. */
export const BINARY_MTIME = 1_746_176_124;
const LICENSE_MTIME = 1_597_585_573;

export interface FixtureDeb {
  name: string;
  version: string;
  /** Files in the package, by path without `./`. */
  files: Record<string, Buffer>;
  deb: Buffer;
  filename: string;
}

/** Stand-in content that differs per file and per version, so byte comparisons mean something. */
function standIn(label: string, size: number): Buffer {
  const head = Buffer.from(`g8boot test stand-in for ${label}\n`);
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]);
}

const PACKAGE_FILES: Record<string, string[]> = {
  ipxe: ['usr/lib/ipxe/ipxe.lkrn', 'usr/lib/ipxe/ipxe-amd64.efi', 'usr/lib/ipxe/ipxe-arm64.efi', 'usr/lib/ipxe/ipxe.pxe'],
  isolinux: ['usr/lib/ISOLINUX/isolinux.bin', 'usr/lib/ISOLINUX/isohdpfx.bin'],
  'syslinux-common': ['usr/lib/syslinux/modules/bios/ldlinux.c32', 'usr/lib/syslinux/modules/bios/menu.c32'],
};

export interface BuildDebOptions {
  version?: string;
  compression?: 'xz' | 'gzip' | 'zstd';
  /** Paths (without ./) to leave out of the package. */
  omit?: string[];
}

/** Build a .deb with `dpkg-deb --build`. */
export function buildDeb(workDir: string, name: string, options: BuildDebOptions = {}): FixtureDeb {
  const version = options.version ?? '1.0-1';
  const root = mkdtempSync(join(workDir, `${name}-`));
  const files: Record<string, Buffer> = {};
  const paths = [...PACKAGE_FILES[name]!, `usr/share/doc/${name}/copyright`].filter((p) => !options.omit?.includes(p));
  for (const path of paths) {
    const isLicense = path.endsWith('/copyright');
    const data = path.endsWith('isohdpfx.bin') ? standIn(`${name} ${version} ${path}`, 432) : standIn(`${name} ${version} ${path}`, isLicense ? 300 : 5000);
    files[path] = data;
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), data);
    const mtime = isLicense ? LICENSE_MTIME : BINARY_MTIME;
    utimesSync(join(root, path), mtime, mtime);
  }
  // ipxe ships ipxe.efi as a symlink to ipxe-amd64.efi; keep that shape.
  if (name === 'ipxe') execFileSync('ln', ['-s', 'ipxe-amd64.efi', join(root, 'usr/lib/ipxe/ipxe.efi')]);
  mkdirSync(join(root, 'DEBIAN'));
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: g8boot tests <tests@example.invalid>\nDescription: stand-in ${name}\n`,
  );
  const out = join(workDir, `${name}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', `-Z${options.compression ?? 'xz'}`, '--build', root, out], { stdio: 'pipe' });
  rmSync(root, { recursive: true, force: true });
  const source = name === 'ipxe' ? 'ipxe' : 'syslinux';
  return { name, version, files, deb: readFileSync(out), filename: `pool/main/${source[0]}/${source}/${name}_${version}_all.deb` };
}

export interface ArchiveOptions {
  suite?: string;
  /** Where the Packages index goes under dists/<suite>/; its suffix picks the compression. */
  indexPath?: string;
  /** Publish a wrong SHA256 for this package's .deb in the Packages index. */
  wrongDebHash?: string;
  /** Publish a wrong SHA256 for the Packages index in InRelease. */
  wrongIndexHash?: boolean;
  /** Stanzas for other packages around ours, as a real index has. */
  padding?: number;
}

/** The archive's files, keyed by path under the mirror root. */
export function buildArchive(debs: readonly FixtureDeb[], options: ArchiveOptions = {}): Map<string, Buffer> {
  const suite = options.suite ?? 'trixie';
  const indexPath = options.indexPath ?? 'main/binary-amd64/Packages.gz';
  const files = new Map<string, Buffer>();
  const stanzas: string[] = [];
  for (let i = 0; i < (options.padding ?? 3); i++) {
    stanzas.push(`Package: filler-${i}\nVersion: 1\nArchitecture: all\nFilename: pool/main/f/filler/filler-${i}_1_all.deb\nSize: 10\nSHA256: ${'0'.repeat(64)}\nDescription: filler\n long description line\n`);
  }
  for (const deb of debs) {
    files.set(deb.filename, deb.deb);
    const hash = options.wrongDebHash === deb.name ? sha256(Buffer.from('not the deb')) : sha256(deb.deb);
    stanzas.push(
      [
        `Package: ${deb.name}`,
        'Source: test-source',
        `Version: ${deb.version}`,
        'Installed-Size: 42',
        'Maintainer: g8boot tests <tests@example.invalid>',
        'Architecture: all',
        `Description: stand-in ${deb.name}`,
        ' Multi-line description.',
        `Filename: ${deb.filename}`,
        `Size: ${deb.deb.length}`,
        `MD5sum: ${createHash('md5').update(deb.deb).digest('hex')}`,
        `SHA256: ${hash}`,
        '',
      ].join('\n'),
    );
  }
  stanzas.push(`Package: zz-last\nVersion: 1\nArchitecture: all\nFilename: pool/main/z/zz/zz-last_1_all.deb\nSize: 10\nSHA256: ${'1'.repeat(64)}\n`);
  const plain = Buffer.from(stanzas.join('\n'));
  const index = indexPath.endsWith('.xz') ? execFileSync('xz', ['-c'], { input: plain }) : gzipSync(plain);
  files.set(`dists/${suite}/${indexPath}`, index);
  const indexHash = options.wrongIndexHash ? sha256(Buffer.from('not the index')) : sha256(index);
  const release = [
    'Origin: Debian',
    `Codename: ${suite}`,
    'Date: Sat, 21 Nov 2026 09:15:44 UTC',
    'No-Support-for-Architecture-all: Packages',
    'MD5Sum:',
    ` ${createHash('md5').update(index).digest('hex')} ${String(index.length).padStart(9)} ${indexPath}`,
    'SHA256:',
    ` ${sha256(Buffer.from('something else'))} ${String(7).padStart(9)} contrib/Contents-all`,
    ` ${indexHash} ${String(index.length).padStart(9)} ${indexPath}`,
    ` ${sha256(plain)} ${String(plain.length).padStart(9)} ${indexPath.replace(/\.(gz|xz)$/, '')}`,
  ].join('\n');
  files.set(
    `dists/${suite}/InRelease`,
    Buffer.from(`-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${release}\n-----BEGIN PGP SIGNATURE-----\n\nZmFrZQ==\n=AAAA\n-----END PGP SIGNATURE-----\n`),
  );
  return files;
}

export interface Misbehaviour {
  /** Answer 404 for these paths (under the mirror root). */
  notFound?: string[];
  /** Send the headers and this many bytes of the body, then close the connection. */
  cutAfter?: { path: string; bytes: number };
  /** Send the headers and this many bytes of the body, then go silent (keep the connection open). */
  stallAfter?: { path: string; bytes: number };
  /** Redirect requests under the mirror root to the same path under /moved/. */
  redirect?: boolean;
}

export interface ArchiveServer {
  /** The mirror URL (http://127.0.0.1:PORT/debian). */
  mirror: string;
  /** Paths requested, relative to the mirror root. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveArchive(files: Map<string, Buffer>, misbehave: Misbehaviour = {}): Promise<ArchiveServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/');
    const prefix = ['/debian/', '/moved/'].find((p) => url.startsWith(p));
    const path = prefix ? url.slice(prefix.length) : url;
    requests.push(path);
    const m = misbehave;
    if (prefix === '/debian/' && m.redirect) {
      res.writeHead(302, { location: `/moved/${path}` }).end();
      return;
    }
    const body = prefix ? files.get(path) : undefined;
    if (!body || m.notFound?.includes(path)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    if (m.cutAfter?.path === path) {
      res.write(body.subarray(0, m.cutAfter.bytes), () => req.socket.destroy());
      return;
    }
    if (m.stallAfter?.path === path) {
      res.write(body.subarray(0, m.stallAfter.bytes));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    mirror: `http://127.0.0.1:${port}/debian`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fresh temporary directory for one test; remove it with cleanup(). */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `g8boot-${label}-`));
}
