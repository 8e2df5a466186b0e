/**
 * A store file that cannot be read must not cost the user their program: it is moved aside (kept, for whoever
 * wants to look at it or repair it) with a message, and the program starts with an empty store. conf can only
 * clear such a file (`clearInvalidConfig`), losing it, or throw on every access; and it silently reads a file
 * holding valid JSON that is not an object (an array, a number) as an empty store it then overwrites.
 *
 * Every state a crash or a person can leave is covered: an empty or whitespace-only file (a crash before the first
 * write), invalid JSON, JSON that is not an object, JSON nested so deep that writing it back overflows the stack,
 * a directory (or anything but a file) in the file's place, and temporary files of writes that were killed.
 */
import { lstatSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Deeper than any store g8boot writes (the inventory is ~6 levels) and far below what JSON.stringify and conf's
 * dotted paths survive (they recurse: ~10,000 levels overflow the stack).
 */
export const MAX_STORE_DEPTH = 64;

/** The deepest nesting of arrays and objects in JSON text, counted without recursion (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

type Problem = { why: string; keep: boolean } | null;

/** Why the file cannot serve as a store (and whether it holds anything worth keeping), or null when it can. */
function problemWith(path: string): Problem {
  let info;
  try {
    info = lstatSync(path);
  } catch {
    return null; // missing: nothing to set aside
  }
  if (info.isDirectory()) return { why: 'it is a directory, not a file', keep: true };
  // A link is followed (a person may keep the store elsewhere); a link to nothing, or to no file, is in the way.
  if (info.isSymbolicLink()) {
    const target = (() => {
      try {
        return statSync(path);
      } catch {
        return null;
      }
    })();
    if (target === null) return { why: 'it is a symbolic link to nothing', keep: true };
    if (!target.isFile()) return { why: 'it is a link to something that is not a file', keep: true };
  } else if (!info.isFile()) {
    return { why: 'it is not a regular file', keep: true };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // Unreadable for another reason (permissions): not a damaged file to move; the store reports it when used.
    return null;
  }
  // Editors may save a byte order mark; conf skips it too.
  const body = text.replace(/^\uFEFF/, '');
  // An empty file is what a crash before the first write leaves: nothing in it to keep.
  if (body.trim() === '') return { why: 'it is empty', keep: false };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { why: 'it is not valid JSON', keep: true };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { why: 'it does not hold a JSON object', keep: true };
  const depth = jsonDepth(body);
  if (depth > MAX_STORE_DEPTH) return { why: `it is nested ${depth} levels deep (at most ${MAX_STORE_DEPTH} make sense)`, keep: true };
  return null;
}

/**
 * A value on the way to `key` that is not an object (`{"inventory":[1,2]}`: nothing can be stored below it), in
 * words; null when there is none. `valueAt` reads the value at a dotted prefix of `key` (from conf, or from parsed
 * JSON): the one rule for the wrapped stores (recovering-store.ts) and the merging writer (shared-file.ts).
 */
export function wrongShapeOnTheWayTo(key: string, valueAt: (prefix: string) => unknown): string | null {
  const parts = key.split('.');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('.');
    const value = valueAt(prefix);
    if (value === undefined) return null;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return `"${prefix}" holds ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`} where an object belongs`;
    }
  }
  return null;
}

/** Move `path` aside as `<path>.corrupt-<time>` (or remove it when it holds nothing), saying so; `why` in words. */
export function setAside(path: string, why: string, keep: boolean, log: (line: string) => void, now: number = Date.now()): void {
  if (!keep) {
    rmSync(path, { force: true });
    log(`The store ${path} could not be read (${why}); it was removed and g8boot started with an empty one.`);
    return;
  }
  const aside = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, aside);
  log(`The store ${path} could not be read (${why}); it was moved to ${aside} and g8boot started with an empty one.`);
}

/**
 * Move `path` to `<path>.corrupt-<time>` when it exists and cannot serve as a store (an empty one is removed);
 * `log` says so. Returns whether it was moved. The tray app calls this before opening electron-store on the same
 * file.
 */
export function setAsideIfCorrupt(path: string, log: (line: string) => void, now: number = Date.now()): boolean {
  const problem = problemWith(path);
  if (problem === null) return false;
  setAside(path, problem.why, problem.keep, log, now);
  return true;
}

/**
 * A temporary file is this old before it counts as left by a killed write rather than one in progress in another
 * process (a write of the largest store takes well under a second).
 */
export const STRAY_TEMP_AGE_MS = 30_000;

/**
 * Remove temporary files that writes of `path` left when they were killed: conf's (`<file>.tmp-<digits><hex>`,
 * from the atomically package) and g8boot's own atomic writer's (`.<file>.<hex>.tmp`). Each can be as large as
 * the store; 50 kills of a 6 MB inventory left 300 MB. Returns the names removed.
 */
export function removeStrayTempFiles(path: string, log?: (line: string) => void, now: number = Date.now()): string[] {
  const dir = dirname(path);
  const file = basename(path);
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stray = new RegExp(`^(?:${escaped}\\.tmp-\\d+[0-9a-f]*|\\.${escaped}\\.[0-9a-f]{12}\\.tmp)$`);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => stray.test(name));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const full = join(dir, name);
    try {
      const s = lstatSync(full);
      if (!s.isFile() || now - s.mtimeMs < STRAY_TEMP_AGE_MS) continue;
      rmSync(full, { force: true });
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to remove: leave it
    }
  }
  if (removed.length > 0) log?.(`Removed ${removed.length} temporary file${removed.length === 1 ? '' : 's'} left by interrupted writes of ${path}.`);
  return removed;
}
