/**
 * The kernel cache: G8OS kernels the boot service hands to nodes as /kernel/<name>, so a laptop can boot
 * nodes without internet. A directory of plain files; `.default` names the kernel stage 2 boots (else the
 * newest one); an optional
 * `<name>.initrd` beside a kernel is loaded with it (G8OS kernels embed their initramfs; stock kernels do not).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readFile, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { G8bootError, InvalidInputError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';
import { writeFileAtomic } from '../../atomic-file.ts';
import { g8bootDirs } from '../../paths.ts';

export interface KernelEntry {
  name: string;
  bytes: number;
  modified: Date;
  isDefault: boolean;
  /** `<name>.initrd` exists beside it. */
  initrd: boolean;
  /** Why this file cannot be a kernel (empty, no bzImage or EFI header), or null. Such files are never the default. */
  problem: string | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const DEFAULT_FILE = '.default';

export function defaultKernelDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(g8bootDirs(env).data, 'kernels');
}

/** Kernel file names: one path segment of safe characters, no dot files, not ending in .part. */
export function parseKernelName(input: string): string {
  if (!NAME.test(input) || input.endsWith('.part') || input.endsWith('.initrd')) {
    throw new InvalidInputError('E_INVALID_KERNEL_NAME', `Invalid kernel name ${quote(input)}.`, {
      hint: 'Use letters, digits and . _ + - (up to 128 characters, not starting with a dot), e.g. g8os-1.2.efi.',
    });
  }
  return input;
}

/**
 * Why `head` (the first bytes of a file of `size` bytes) is not a kernel iPXE can boot, or null when it is one.
 * iPXE boots x86 Linux bzImages (the setup header's "HdrS" magic at 0x202, the boot protocol's signature) and EFI
 * executables (a PE image: "MZ" at 0, "PE\0\0" where the DOS header's e_lfanew points); G8OS kernels are
 * both at once (a bzImage with an EFI stub). Anything else (an empty file, an HTML error page saved by a
 * download, a tarball) would only fail on the node, far from the person who added it.
 */
export function kernelProblem(head: Uint8Array, size: number): string | null {
  if (size === 0) return 'the file is empty';
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= 0x206 && bytes.toString('latin1', 0x202, 0x206) === 'HdrS') return null;
  if (bytes.length >= 0x40 && bytes.toString('latin1', 0, 2) === 'MZ') {
    const peOffset = bytes.readUInt32LE(0x3c);
    if (peOffset + 4 <= bytes.length && bytes.toString('latin1', peOffset, peOffset + 4) === 'PE\0\0') return null;
  }
  const text = bytes.subarray(0, 64).toString('latin1').trimStart().toLowerCase();
  if (text.startsWith('<!doctype') || text.startsWith('<html')) return 'it is an HTML page, not a kernel';
  return 'it is neither a Linux bzImage (no "HdrS" header) nor an EFI executable (no "MZ"/"PE" header)';
}

/** How many bytes of a file kernelProblem needs to decide (the PE header may sit anywhere in the first KiBs). */
const KERNEL_HEAD_BYTES = 4096;

/** Why the file at `path` is not a kernel, or null (reads its first KiBs only). */
export async function kernelFileProblem(path: string): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(KERNEL_HEAD_BYTES, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return kernelProblem(head.subarray(0, bytesRead), size);
  } finally {
    await handle.close();
  }
}

/**
 * A kernel directory given by a person (`--kernel-dir`): one that does not exist yet is fine (it is created when a
 * kernel is added); something that is not a directory is bad input (exit 2), said in words.
 */
export async function checkKernelDir(dir: string): Promise<void> {
  const s = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    const why =
      error.code === 'ENOTDIR' ? 'a part of the path is a file, not a directory'
      : error.code === 'ENAMETOOLONG' ? 'the path is too long'
      : error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied'
      : error.code === 'ELOOP' ? 'the path has a loop of symbolic links'
      : undefined;
    if (why === undefined) throw error;
    throw new InvalidInputError('E_KERNEL_DIR', `Cannot use ${quote(dir)} as the kernel directory: ${why}.`, { hint: 'Give a directory with --kernel-dir.' });
  });
  if (s && !s.isDirectory()) {
    throw new InvalidInputError('E_KERNEL_DIR', `Cannot use ${quote(dir)} as the kernel directory: it is not a directory.`, { hint: 'Give a directory with --kernel-dir.' });
  }
}

export async function listKernels(dir: string): Promise<KernelEntry[]> {
  await checkKernelDir(dir);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const defaultName = await readDefault(dir);
  const entries: KernelEntry[] = [];
  for (const name of names.sort()) {
    if (name.endsWith('.initrd')) continue;
    // The same rule as serving: a symlink that leads out of the directory is not a kernel.
    const file = await resolveKernelFile(dir, name);
    const s = file ? await stat(file).catch(() => null) : null;
    if (!s || !file) continue;
    const problem = await kernelFileProblem(file).catch((error: NodeJS.ErrnoException) => `it cannot be read (${error.code ?? 'error'})`);
    entries.push({ name, bytes: s.size, modified: s.mtime, isDefault: false, initrd: names.includes(`${name}.initrd`), problem });
  }
  // The default: the one named in .default if it still exists, else the newest; never a file that is no kernel.
  const bootable = entries.filter((e) => e.problem === null);
  const newest = bootable.reduce<KernelEntry | undefined>((a, b) => (!a || b.modified > a.modified ? b : a), undefined);
  const chosen = bootable.find((e) => e.name === defaultName) ?? newest;
  if (chosen) chosen.isDefault = true;
  return entries;
}

async function readDefault(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, DEFAULT_FILE), 'utf8').catch(() => undefined);
  const name = text?.trim();
  return name && NAME.test(name) ? name : undefined;
}

export async function setDefaultKernel(dir: string, name: string): Promise<void> {
  const kernels = await listKernels(dir);
  const kernel = kernels.find((k) => k.name === name);
  if (!kernel) {
    throw new InvalidInputError('E_NO_SUCH_KERNEL', `There is no kernel ${quote(name)} in ${dir}.`, { hint: 'See `g8boot kernel ls`.' });
  }
  if (kernel.problem !== null) {
    throw new InvalidInputError('E_NOT_A_KERNEL', `${quote(name)} cannot be the default kernel: ${kernel.problem}.`, { hint: 'Add a G8OS kernel (an EFI or bzImage file) with `g8boot kernel add`.' });
  }
  await writeFileAtomic(join(dir, DEFAULT_FILE), `${name}\n`);
}

export async function defaultKernel(dir: string): Promise<KernelEntry | undefined> {
  return (await listKernels(dir)).find((k) => k.isDefault);
}

/**
 * Resolve /kernel/<name> to a file strictly inside the kernel directory: the name is one safe segment, and
 * the real path (symlinks followed) must still be inside the directory's real path. Returns undefined when
 * there is no such file, so the caller answers 404 without saying why.
 */
export async function resolveKernelFile(dir: string, name: string): Promise<string | undefined> {
  if (!NAME.test(name) || name.endsWith('.part')) return undefined;
  try {
    const root = await realpath(dir);
    const target = await realpath(join(root, name));
    if (!target.startsWith(root + sep)) return undefined;
    return (await stat(target)).isFile() ? target : undefined;
  } catch {
    return undefined;
  }
}

export interface AddKernelOptions {
  dir: string;
  /** A local file or an http(s) URL. */
  source: string;
  name?: string | undefined;
  makeDefault?: boolean | undefined;
  /** Expected SHA256 (hex); the kernel is refused if it differs. */
  sha256?: string | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface AddedKernel {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  resumedFrom: number;
  isDefault: boolean;
}

/**
 * Add a kernel from a file or a URL. Downloads go to `<name>.part` and resume from there with an HTTP Range
 * request after an interruption; the file only gets its real name once complete (and verified).
 */
export async function addKernel(options: AddKernelOptions): Promise<AddedKernel> {
  const isUrl = /^https?:\/\//i.test(options.source);
  const name = parseKernelName(options.name ?? kernelNameFromSource(options.source, isUrl));
  if (options.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(options.sha256)) {
    throw new InvalidInputError('E_INVALID_SHA256', `Invalid SHA256 ${quote(options.sha256)}.`, { hint: 'Give 64 hexadecimal digits.' });
  }
  await checkKernelDir(options.dir);
  // A local file is checked whole before anything is created: bad input leaves no directory and no file behind.
  if (!isUrl) {
    const s = await stat(options.source).catch(() => null);
    if (!s?.isFile()) {
      throw new InvalidInputError('E_NO_SUCH_FILE', `${quote(options.source)} is not a file.`, { hint: 'Give a kernel file or an http(s) URL.' });
    }
    const problem = await kernelFileProblem(options.source);
    if (problem) throw notAKernel(options.source, problem);
  }
  await mkdir(options.dir, { recursive: true });
  const finalPath = join(options.dir, name);
  const partPath = `${finalPath}.part`;
  let resumedFrom = 0;
  if (isUrl) {
    const { downloadWithResume } = await import('./download.ts');
    resumedFrom = await downloadWithResume(options.source, partPath, options.onProgress, options.signal);
  } else {
    await copyFile(options.source, partPath);
  }
  const { sha256, bytes } = await hashFile(partPath);
  // A download is judged once complete (what arrived, not what the URL promised); the bad file is not kept.
  const problem = await kernelFileProblem(partPath);
  if (problem) {
    await rm(partPath, { force: true });
    throw notAKernel(options.source, problem);
  }
  if (options.sha256 && sha256 !== options.sha256.toLowerCase()) {
    await rm(partPath, { force: true });
    throw new G8bootError('E_CHECKSUM_MISMATCH', `The kernel's SHA256 is ${sha256}, not ${options.sha256.toLowerCase()}; it was not added.`, {
      hint: 'Check the URL and the published checksum.',
    });
  }
  await rename(partPath, finalPath);
  if (options.makeDefault) await writeFileAtomic(join(options.dir, DEFAULT_FILE), `${name}\n`);
  const isDefault = (await listKernels(options.dir)).find((k) => k.isDefault)?.name === name;
  return { name, path: finalPath, bytes, sha256, resumedFrom, isDefault };
}

function notAKernel(source: string, problem: string): InvalidInputError {
  return new InvalidInputError('E_NOT_A_KERNEL', `${quote(source)} is not a kernel: ${problem}. It was not added.`, {
    hint: 'Give a G8OS kernel: an EFI executable or a Linux bzImage (e.g. g8os.efi from the G8OS releases).',
  });
}

export async function removeKernel(dir: string, name: string): Promise<void> {
  const path = join(dir, parseKernelName(name));
  const s = await lstat(path).catch(() => null);
  if (!s) throw new InvalidInputError('E_NO_SUCH_KERNEL', `There is no kernel ${quote(name)} in ${dir}.`, { hint: 'See `g8boot kernel ls`.' });
  await rm(path);
  await rm(`${path}.initrd`, { force: true });
  if ((await readDefault(dir)) === name) await rm(join(dir, DEFAULT_FILE), { force: true });
}

function kernelNameFromSource(source: string, isUrl: boolean): string {
  if (!isUrl) return basename(source);
  const last = new URL(source).pathname.split('/').filter(Boolean).at(-1);
  return last ? decodeURIComponent(last) : 'g8os-kernel';
}

export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    createReadStream(path),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done();
      },
    }),
  );
  return { sha256: hash.digest('hex'), bytes };
}
