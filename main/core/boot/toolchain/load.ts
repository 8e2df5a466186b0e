/**
 * Reading the toolchain: every file is checked against manifest.json (size and SHA256) before use, so a
 * truncated download or an edited binary never ends up inside a boot image. Problems name the exact file and
 * the command that fetches the toolchain again.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MissingDependencyError } from '../../../common/errors.ts';
import { FETCH_HINT, MANIFEST_FILE, TOOLCHAIN_BINARIES, TOOLCHAIN_FILES, type ToolchainBinary } from './contents.ts';
import { findToolchainDir } from './locate.ts';
import { parseManifest, type ToolchainManifest } from './manifest.ts';

/** The verified toolchain: one Buffer per binary (lkrn, efiX64, efiArm64, isolinuxBin, ldlinuxC32, isohdpfx). */
export interface Toolchain extends Record<ToolchainBinary, Buffer> {
  dir: string;
  manifest: ToolchainManifest;
}

export interface ToolchainFileStatus {
  file: string;
  ok: boolean;
  /** What is wrong with the file, when it is not ok. */
  problem?: string;
}

export interface ToolchainStatus {
  dir: string;
  ok: boolean;
  /** null when manifest.json is missing or unreadable. */
  manifest: ToolchainManifest | null;
  files: ToolchainFileStatus[];
  /** The first problem, as the error loadToolchain throws for it; null when ok. */
  error: MissingDependencyError | null;
}

/** Check every file of the toolchain in `dir` without throwing: what `toolchain status` shows. */
export async function checkToolchain(dir: string = findToolchainDir()): Promise<ToolchainStatus> {
  return (await readToolchain(resolve(dir))).status;
}

const loaded = new Map<string, Promise<Toolchain>>();

/**
 * The verified toolchain in `dir` (default: findToolchainDir()). Loaded once per directory and kept in
 * memory: the boot service builds many images from the same few megabytes.
 */
export function loadToolchain(dir: string = findToolchainDir()): Promise<Toolchain> {
  const key = resolve(dir);
  let promise = loaded.get(key);
  if (!promise) {
    promise = readToolchain(key).then(({ status, contents }) => {
      if (status.error || !status.manifest) throw status.error;
      const binaries = Object.fromEntries(
        Object.entries(TOOLCHAIN_BINARIES).map(([field, file]) => [field, contents.get(file)!]),
      ) as Record<ToolchainBinary, Buffer>;
      return { dir: key, manifest: status.manifest, ...binaries };
    });
    // A failed load is not remembered: the next call sees a toolchain fetched in the meantime.
    promise.catch(() => loaded.delete(key));
    loaded.set(key, promise);
  }
  return promise;
}

/** Drop the in-memory copy of `dir` (after a fetch replaced it). */
export function forgetToolchain(dir: string): void {
  loaded.delete(resolve(dir));
}

function missing(message: string): MissingDependencyError {
  return new MissingDependencyError('E_TOOLCHAIN_MISSING', message, { hint: FETCH_HINT });
}

function corrupt(message: string): MissingDependencyError {
  return new MissingDependencyError('E_TOOLCHAIN_CORRUPT', message, { hint: FETCH_HINT });
}

async function readToolchain(dir: string): Promise<{ status: ToolchainStatus; contents: Map<string, Buffer> }> {
  const contents = new Map<string, Buffer>();
  const manifestPath = join(dir, MANIFEST_FILE);
  const unchecked = (error: MissingDependencyError) => ({
    status: { dir, ok: false, manifest: null, files: TOOLCHAIN_FILES.map((file) => ({ file, ok: false, problem: 'not checked' })), error },
    contents,
  });

  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return unchecked(missing(`The iPXE toolchain is missing: ${manifestPath} does not exist.`));
    return unchecked(missing(`The iPXE toolchain manifest ${manifestPath} cannot be read: ${(error as Error).message}.`));
  }
  const parsed = parseManifest(text);
  if ('problem' in parsed) return unchecked(corrupt(`The iPXE toolchain manifest ${manifestPath} is damaged: ${parsed.problem}.`));
  const { manifest } = parsed;

  const checks = await Promise.all(
    TOOLCHAIN_FILES.map(async (file): Promise<{ status: ToolchainFileStatus; error?: MissingDependencyError }> => {
      const path = join(dir, file);
      const fail = (error: MissingDependencyError, problem: string) => ({ status: { file, ok: false, problem }, error });
      const expected = manifest.files[file];
      if (!expected) return fail(corrupt(`The iPXE toolchain manifest ${manifestPath} does not list ${file}.`), 'not in manifest.json');
      let data: Buffer;
      try {
        data = await readFile(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return fail(missing(`The iPXE toolchain file ${path} is missing.`), 'missing');
        return fail(missing(`The iPXE toolchain file ${path} cannot be read: ${(error as Error).message}.`), 'unreadable');
      }
      if (data.length !== expected.size) {
        const problem = `${data.length} bytes, manifest.json says ${expected.size}`;
        return fail(corrupt(`The iPXE toolchain file ${path} is corrupt: it has ${problem}.`), problem);
      }
      const sha256 = createHash('sha256').update(data).digest('hex');
      if (sha256 !== expected.sha256) {
        const problem = `SHA256 ${sha256}, manifest.json says ${expected.sha256}`;
        return fail(corrupt(`The iPXE toolchain file ${path} is corrupt: its ${problem}.`), problem);
      }
      contents.set(file, data);
      return { status: { file, ok: true } };
    }),
  );
  // The first problem in the stable file order, whatever order the reads finished in.
  const error = checks.find((c) => c.error)?.error ?? null;
  return { status: { dir, ok: !error, manifest, files: checks.map((c) => c.status), error }, contents };
}
