/**
 * Fetching the toolchain from a Debian mirror, every byte chained to the suite's InRelease:
 *
 *   InRelease ─SHA256→ a Packages index ─SHA256+Size→ the ipxe, isolinux and syslinux-common .debs
 *     → the few files we need, extracted in pure JS → a new toolchain directory swapped in atomically.
 *
 * The toolchain is up to date when its manifest names the index InRelease lists now: then nothing else is
 * downloaded.
 *
 * Downloads go through the SHA256-keyed cache, so a second fetch reads the .debs from disk; when the mirror
 * cannot be reached, the last InRelease seen for this mirror and suite is used, so that works offline too.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { G8bootError, InvalidInputError } from '../../../common/errors.ts';
import { parseHttpUrl, quote } from '../../../common/validate.ts';
import { DEFAULT_DEBIAN_MIRROR, DEFAULT_DEBIAN_SUITE, MANIFEST_FILE, PACKAGES_INDEXES, TOOLCHAIN_PACKAGES } from './contents.ts';
import { findPackages, parseRelease, type IndexEntry, type PackageRecord } from './debian-index.ts';
import { extractDebFiles } from './deb.ts';
import { compressionOf, decompress, type Compression } from './decompress.ts';
import { obtainVerified, sha256Hex, userCacheDir, writeCacheFile } from './download-cache.ts';
import { replaceDirectory } from './install-dir.ts';
import { checkToolchain, forgetToolchain } from './load.ts';
import { findToolchainDir } from './locate.ts';
import { MANIFEST_SCHEMA_VERSION, serializeManifest, type ToolchainFile, type ToolchainManifest } from './manifest.ts';
import { openMirrorClient, type MirrorClient } from './mirror-http.ts';

export interface FetchProgress {
  /** What is being downloaded: InRelease, Packages.gz, or a .deb's file name. */
  file: string;
  done: number;
  total: number;
}

export interface FetchToolchainOptions {
  /** Debian mirror (default: $G8BOOT_DEBIAN_MIRROR, else http://deb.debian.org/debian). */
  mirror?: string | undefined;
  /** Suite or codename (default: $G8BOOT_DEBIAN_SUITE, else trixie). */
  suite?: string | undefined;
  /** Toolchain directory to fill (default: findToolchainDir()). */
  dir?: string | undefined;
  /** Download cache (default: <user cache dir>/debian). */
  cacheDir?: string | undefined;
  /** Download everything again and rewrite the toolchain even when it is up to date. */
  force?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((event: FetchProgress) => void) | undefined;
  /** Things worth telling a person that are not errors (e.g. working from a cached index while offline). */
  onNotice?: ((message: string) => void) | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  timeouts?: { connectMs?: number | undefined; idleMs?: number | undefined } | undefined;
}

/** No InRelease comes near this (trixie's is under 200 KB); a bound for a mirror that misbehaves. */
const MAX_RELEASE_BYTES = 16 * 1024 * 1024;

/**
 * Fetch the toolchain into its directory and return its manifest. When the directory already holds a
 * verified toolchain made from the index InRelease lists now, it is left as it is (unless `force`).
 */
export async function fetchToolchain(options: FetchToolchainOptions = {}): Promise<ToolchainManifest> {
  const env = options.env ?? process.env;
  const mirror = resolveMirror(options.mirror, env);
  const suite = resolveSuite(options.suite, env);
  const dir = resolve(options.dir ?? findToolchainDir({ env }));
  const cacheDir = options.cacheDir ?? join(userCacheDir(env), 'debian');
  const force = options.force ?? false;
  const progress = (file: string) => (done: number, total: number) => options.onProgress?.({ file, done, total });
  const client = openMirrorClient(mirror, {
    signal: options.signal,
    connectTimeoutMs: options.timeouts?.connectMs,
    idleTimeoutMs: options.timeouts?.idleMs,
  });
  try {
    const releaseUrl = `${mirror}/dists/${suite}/InRelease`;
    const release = parseRelease(await fetchRelease(client, releaseUrl, { suite, cacheDir, force, onNotice: options.onNotice, onProgress: progress('InRelease') }), releaseUrl);
    const index = pickIndex(release, releaseUrl, suite);
    if (!force) {
      const current = await checkToolchain(dir);
      if (current.ok && current.manifest?.index.path === index.path && current.manifest.index.sha256 === index.sha256) return current.manifest;
    }
    const indexUrl = `${mirror}/dists/${suite}/${index.path}`;
    const indexFile = basename(index.path);
    const indexData = await obtainVerified(
      { url: indexUrl, name: indexFile, sha256: index.sha256, size: index.size, listedIn: `the InRelease file of ${suite}` },
      { client, cacheDir, force, onProgress: progress(indexFile) },
    );
    const indexText = (await decompress(indexData, index.compression, indexUrl)).toString('utf8');
    const records = findPackages(indexText, TOOLCHAIN_PACKAGES.map((p) => p.name), indexUrl, suite);

    const { contents, files, sourceDateEpoch } = await extractPackages(records, { client, cacheDir, force, mirror, suite, progress });
    const manifest: ToolchainManifest = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      mirror,
      suite,
      sourceDateEpoch,
      index: { path: index.path, sha256: index.sha256, size: index.size },
      packages: TOOLCHAIN_PACKAGES.map(({ name }) => {
        const { version, filename, sha256, size } = records.get(name)!;
        return { name, version, filename, sha256, size };
      }),
      files,
    };

    options.signal?.throwIfAborted();
    await replaceDirectory(dir, async (tmp) => {
      for (const [file, data] of contents) {
        await mkdir(dirname(join(tmp, file)), { recursive: true });
        await writeFile(join(tmp, file), data);
      }
      await writeFile(join(tmp, MANIFEST_FILE), serializeManifest(manifest));
    });
    forgetToolchain(dir);
    return manifest;
  } finally {
    await client.close();
  }
}

interface ExtractOptions {
  client: MirrorClient;
  cacheDir: string;
  force: boolean;
  mirror: string;
  suite: string;
  progress: (file: string) => (done: number, total: number) => void;
}

/** Download (or take from the cache) each package and pull out the files the toolchain needs. */
async function extractPackages(records: Map<string, PackageRecord>, options: ExtractOptions) {
  const contents = new Map<string, Buffer>();
  const files: Record<string, ToolchainFile> = {};
  let sourceDateEpoch = 0;
  for (const wanted of TOOLCHAIN_PACKAGES) {
    const record = records.get(wanted.name)!;
    const debName = basename(record.filename);
    const deb = await obtainVerified(
      { url: `${options.mirror}/${record.filename}`, name: debName, sha256: record.sha256, size: record.size, listedIn: `the Packages index of ${options.suite}` },
      { client: options.client, cacheDir: options.cacheDir, force: options.force, onProgress: options.progress(debName) },
    );
    const extracted = await extractDebFiles(deb, debName, wanted.files.map((f) => f.path));
    for (const { file, path } of wanted.files) {
      const { data, mtime } = extracted.get(path)!;
      contents.set(file, data);
      files[file] = { sha256: sha256Hex(data), size: data.length, package: wanted.name, path: `./${path}` };
      sourceDateEpoch = Math.max(sourceDateEpoch, mtime);
    }
  }
  return { contents, files, sourceDateEpoch };
}

function resolveMirror(input: string | undefined, env: NodeJS.ProcessEnv): string {
  const [raw, what] =
    input !== undefined ? [input, 'Debian mirror URL']
    : env.G8BOOT_DEBIAN_MIRROR ? [env.G8BOOT_DEBIAN_MIRROR, 'Debian mirror URL in G8BOOT_DEBIAN_MIRROR']
    : [DEFAULT_DEBIAN_MIRROR, 'Debian mirror URL'];
  const href = parseHttpUrl(raw, what);
  if (new URL(href).search) {
    throw new InvalidInputError('E_INVALID_URL', `The ${what} ${quote(raw)} has a query string.`, {
      hint: `Give the archive's base URL, the directory holding dists/ and pool/, e.g. ${DEFAULT_DEBIAN_MIRROR}.`,
    });
  }
  return href.replace(/\/+$/, '');
}

function resolveSuite(input: string | undefined, env: NodeJS.ProcessEnv): string {
  const suite = (input ?? (env.G8BOOT_DEBIAN_SUITE || DEFAULT_DEBIAN_SUITE)).trim();
  if (!/^[a-z0-9][a-z0-9.+-]{0,63}$/i.test(suite)) {
    const where = input === undefined ? ' in G8BOOT_DEBIAN_SUITE' : '';
    throw new InvalidInputError('E_INVALID_SUITE', `Invalid Debian suite ${quote(suite)}${where}.`, {
      hint: `Give a codename such as ${DEFAULT_DEBIAN_SUITE} or a suite name such as stable.`,
    });
  }
  return suite;
}

interface ReleaseOptions {
  suite: string;
  cacheDir: string;
  force: boolean;
  onNotice: ((message: string) => void) | undefined;
  onProgress: (done: number, total: number) => void;
}

/** InRelease from the mirror; when the mirror cannot be reached, the last copy seen (unless forced). */
async function fetchRelease(client: MirrorClient, url: string, options: ReleaseOptions): Promise<string> {
  const cached = join(options.cacheDir, 'InRelease', `${options.suite}-${sha256Hex(Buffer.from(client.mirror)).slice(0, 16)}`);
  try {
    const data = await client.get(url, { maxBytes: MAX_RELEASE_BYTES, limitSource: 'an InRelease file may have', onProgress: options.onProgress });
    await writeCacheFile(cached, data);
    return data.toString('utf8');
  } catch (error) {
    // Unreachable or failing (a proxy's 5xx), not "no such suite" (404): the last copy seen is still good.
    const unreachable = error instanceof G8bootError && (error.code === 'E_TOOLCHAIN_NETWORK' || error.code === 'E_TOOLCHAIN_HTTP');
    if (options.force || !unreachable) throw error;
    const text = await readFile(cached, 'utf8').catch(() => undefined);
    if (text === undefined) throw error;
    options.onNotice?.(`${error.message} Working offline from the index cached at ${cached}.`);
    return text;
  }
}

function pickIndex(release: Map<string, IndexEntry>, releaseUrl: string, suite: string): IndexEntry & { path: string; compression: Compression } {
  for (const path of PACKAGES_INDEXES) {
    const entry = release.get(path);
    if (entry) return { path, ...entry, compression: compressionOf(basename(path), 'Packages')! };
  }
  throw new G8bootError('E_TOOLCHAIN_INDEX', `${releaseUrl} lists none of the Packages indexes g8boot reads (${PACKAGES_INDEXES.join(', ')}).`, {
    hint: `Check that the mirror carries the suite ${quote(suite)} for amd64 or architecture-independent packages (--suite, default ${DEFAULT_DEBIAN_SUITE}).`,
  });
}
