/**
 * A store file that cannot be read must not cost the user their program: it is moved aside (kept, for whoever
 * wants to look at it or repair it) with a message, and the program starts with an empty store. conf can only
 * clear such a file (`clearInvalidConfig`), losing it, or throw on every access; and it silently reads a file
 * holding valid JSON that is not an object (an array, a number) as an empty store it then overwrites.
 */
import { readFileSync, renameSync } from 'node:fs';

/** Why the file cannot serve as a store, or null when it can (or does not exist). */
function problemWith(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // Missing (nothing to set aside), or unreadable for another reason (permissions, a directory): not a damaged
    // file to move; the store reports it when used.
    return null;
  }
  // Editors may save a byte order mark; conf skips it too. An empty file (a crash before the first write) holds
  // nothing to keep.
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'it is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it does not hold a JSON object';
  return null;
}

/**
 * Move `path` to `<path>.corrupt-<time>` when it exists and is not a JSON object; `log` says so. Returns whether
 * it was moved. The tray app calls this before opening electron-store on the same file.
 */
export function setAsideIfCorrupt(path: string, log: (line: string) => void, now: number = Date.now()): boolean {
  const problem = problemWith(path);
  if (problem === null) return false;
  const aside = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, aside);
  log(`The store ${path} could not be read (${problem}); it was moved to ${aside} and g8boot started with an empty one.`);
  return true;
}
