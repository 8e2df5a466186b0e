/** Small JSON files that are replaced whole: written to a temporary name and renamed, so readers never see half a file. */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-file.ts';
import { rethrowIfNoSpace } from './errors.ts';

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  try {
    await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
  } catch (error) {
    rethrowIfNoSpace(error, path);
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The parsed file, or undefined when it does not exist. Malformed JSON throws. */
export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readTextIfExists(path);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}
