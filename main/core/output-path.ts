/**
 * One rule for every file g8boot writes where a person told it to (`iso -o`, `export -o`, the app's Save dialog):
 *
 * - only a regular file is replaced, or a new one created. A device, a FIFO, a socket or a directory (or a
 *   symbolic link to one) is refused with exit 2 and nothing changed: the atomic write renames a temporary file
 *   over its target, which would replace a device node with a regular file and report success. Writing a stick
 *   is `g8boot burn`'s job (it checks the drive, writes, verifies);
 * - a symbolic link to a regular file is followed: the file it points to is replaced, the link stays;
 * - everything that can be known before any work is checked first (the name's length, every directory on the
 *   way, write permission, a read-only filesystem), so a command never sweeps a network or builds an image only
 *   to fail at the end;
 * - errors that still happen while writing (disk full, a race) say which path and what to do.
 *
 * `-` (standard output) is the caller's business: it never reaches these functions.
 */
import { lstat, open, realpath, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { InvalidInputError } from '../common/errors.ts';
import { quote } from '../common/validate.ts';
import { temporaryPathBeside } from './atomic-file.ts';

export interface OutputPathOptions {
  /** How the person named the path, for hints ("-o", "the Save dialog"). Default "-o". */
  flag?: string | undefined;
  /** A file name that fits what is written, for hints ("nodes.csv"). Default "g8os.iso". */
  example?: string | undefined;
  /** Whether a boot image is written: only then is `g8boot burn` the answer to a device path. Default true. */
  image?: boolean | undefined;
}

const BURN_HINT = 'To write a boot image to a USB stick or another drive, use `g8boot burn --device <path>` (it checks the drive, writes and verifies).';

/** What to do instead of writing to a device: burn for an image; anything else goes to a file or standard output. */
function deviceHint(flag: string, options: OutputPathOptions): string {
  return options.image === false ? `Give a regular file's name with ${flag}, or ${flag} - for standard output.` : BURN_HINT;
}

function refuse(code: string, given: string, why: string, hint: string): never {
  throw new InvalidInputError(code, `Cannot write ${quote(given)}: ${why}.`, { hint });
}

/** What kind of thing is at a path, in words, when it is not a regular file. */
function notAFile(s: Stats): { code: string; why: string; device: boolean } | null {
  if (s.isFile()) return null;
  if (s.isDirectory()) return { code: 'E_OUTPUT_IS_DIR', why: 'it is a directory', device: false };
  if (s.isBlockDevice()) return { code: 'E_OUTPUT_IS_DEVICE', why: 'it is a block device (a disk), not a file', device: true };
  if (s.isCharacterDevice()) return { code: 'E_OUTPUT_IS_DEVICE', why: 'it is a character device, not a file', device: true };
  if (s.isFIFO()) return { code: 'E_OUTPUT_NOT_FILE', why: 'it is a named pipe (FIFO), not a file', device: false };
  if (s.isSocket()) return { code: 'E_OUTPUT_NOT_FILE', why: 'it is a socket, not a file', device: false };
  return { code: 'E_OUTPUT_NOT_FILE', why: 'it is not a regular file', device: false };
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** The one place a path errno becomes a person's message (exit 2: nothing was written). */
function pathProblem(error: unknown, given: string, flag: string): never {
  const code = errnoOf(error);
  switch (code) {
    case 'ENAMETOOLONG':
      refuse('E_OUTPUT_NAME_TOO_LONG', given, 'the name is too long for the filesystem', `Choose a shorter file name with ${flag} (at most 255 bytes per name).`);
    case 'ENOTDIR':
      refuse('E_OUTPUT_DIR', given, 'a part of the path is a file, not a directory', `Check the path given with ${flag}.`);
    case 'ELOOP':
      refuse('E_OUTPUT_DIR', given, 'the path has a loop of symbolic links', `Check the path given with ${flag}.`);
    case 'EACCES':
    case 'EPERM':
      refuse('E_OUTPUT_NOT_WRITABLE', given, 'permission denied', `Choose a directory you can write to with ${flag}.`);
    case 'EROFS':
      refuse('E_OUTPUT_NOT_WRITABLE', given, 'the filesystem is read-only', `Choose a directory you can write to with ${flag}.`);
    default:
      throw error;
  }
}

/**
 * Check that `given` names a file g8boot may create or replace, before any work. Returns the absolute path to
 * write (a symbolic link to a regular file resolved to that file). Throws InvalidInputError (exit 2) otherwise.
 */
export async function checkOutputPath(given: string, options: OutputPathOptions = {}): Promise<string> {
  const flag = options.flag ?? '-o';
  const example = options.example ?? 'g8os.iso';
  if (given === '') refuse('E_OUTPUT_DIR', given, 'the name is empty', `Give a file name with ${flag}.`);
  let path = resolve(given);
  // lstat first: what is at the path itself (a link is judged by what it points to, below).
  const own = await lstat(path).catch((error: unknown) => (errnoOf(error) === 'ENOENT' ? null : pathProblem(error, given, flag)));
  if (own?.isSymbolicLink()) {
    const target = await stat(path).catch(() => null);
    if (target === null) {
      refuse('E_OUTPUT_NOT_FILE', given, 'it is a symbolic link to nothing', `Remove the link or give another file name with ${flag}.`);
    }
    const problem = notAFile(target);
    if (problem) refuse(problem.code, given, `it is a symbolic link to something that is not a regular file (${problem.why.replace(/, not a file$/, '')})`, problem.device ? deviceHint(flag, options) : `Give a file name with ${flag}, e.g. ${flag} ${example}.`);
    path = await realpath(path);
  } else if (own) {
    const problem = notAFile(own);
    if (problem) refuse(problem.code, given, problem.why, problem.device ? deviceHint(flag, options) : problem.code === 'E_OUTPUT_IS_DIR' ? `Give a file name, e.g. ${flag} ${given.replace(/\/+$/, '')}/${example}.` : `Give a regular file's name with ${flag}; for a pipe, use ${flag} - and redirect standard output.`);
  }
  if (Buffer.byteLength(basename(path)) > 255) pathProblem(Object.assign(new Error('name too long'), { code: 'ENAMETOOLONG' }), given, flag);
  const dir = dirname(path);
  const dirStat = await stat(dir).catch((error: unknown) => (errnoOf(error) === 'ENOENT' ? null : pathProblem(error, given, flag)));
  if (dirStat === null) {
    refuse('E_OUTPUT_DIR', given, `the directory ${quote(dir)} does not exist`, `Create the directory first, or choose another output path with ${flag}.`);
  }
  if (!dirStat.isDirectory()) refuse('E_OUTPUT_DIR', given, `${quote(dir)} is not a directory`, `Check the path given with ${flag}.`);
  // Try what the write will do: create a temporary file beside the target (and remove it). Permission, a
  // read-only filesystem, a directory that takes no new files (/proc, even for root) all show up now.
  const probe = temporaryPathBeside(path);
  try {
    await (await open(probe, 'wx', 0o600)).close();
  } catch (error) {
    throw outputWriteError(error, given, options);
  }
  await rm(probe, { force: true });
  return path;
}

/** An error while writing a checked output path, as a message that says which path and what to do. */
export function outputWriteError(error: unknown, path: string, options: OutputPathOptions = {}): unknown {
  const flag = options.flag ?? '-o';
  const code = errnoOf(error);
  // ENOENT after the checks: the directory does not take new files (as /proc), or it vanished meanwhile.
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT') {
    const why = code === 'EROFS' ? 'the filesystem is read-only' : code === 'ENOENT' ? 'files cannot be created there' : 'permission denied';
    return new InvalidInputError('E_OUTPUT_NOT_WRITABLE', `Cannot write ${quote(path)}: ${why}.`, { hint: `Choose a directory you can write to with ${flag}.`, cause: error });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new InvalidInputError('E_OUTPUT_NO_SPACE', `Cannot write ${quote(path)}: the disk is full.`, { hint: 'Free some space or write elsewhere.', cause: error });
  }
  if (code === 'ENAMETOOLONG' || code === 'ENOTDIR' || code === 'ELOOP') {
    try {
      pathProblem(error, path, flag);
    } catch (mapped) {
      return mapped;
    }
  }
  return error;
}
