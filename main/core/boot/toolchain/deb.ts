/**
 * Taking a few files out of a .deb without dpkg: the .deb is an ar archive (ar.ts) whose data.tar.{xz,gz}
 * holds the package's files; tar-stream reads the tar once and keeps only the files asked for.
 */
import tar from 'tar-stream';
import { G8bootError } from '../../../common/errors.ts';
import { readAr } from './ar.ts';
import { BROKEN_PACKAGE_HINT } from './contents.ts';
import { compressionOf, decompress } from './decompress.ts';

export interface ExtractedFile {
  data: Buffer;
  /** Modification time recorded in the package, in seconds since the epoch. */
  mtime: number;
}

/**
 * The files at `paths` (relative, without `./`) inside the .deb `deb`, named `debName` in errors. Every path
 * must be a regular file in the package.
 */
export async function extractDebFiles(deb: Buffer, debName: string, paths: readonly string[]): Promise<Map<string, ExtractedFile>> {
  const members = readAr(deb, debName);
  const format = members[0]?.name === 'debian-binary' ? members[0].data.toString('latin1') : '';
  if (!format.startsWith('2.')) {
    throw new G8bootError('E_TOOLCHAIN_DEB', `${debName} is not a Debian binary package in format 2.x.`, { hint: BROKEN_PACKAGE_HINT });
  }
  const dataMember = members.find((m) => m.name.startsWith('data.tar'));
  if (!dataMember) throw new G8bootError('E_TOOLCHAIN_DEB', `${debName} has no data.tar member.`, { hint: BROKEN_PACKAGE_HINT });
  const compression = compressionOf(dataMember.name, 'data.tar');
  if (!compression) {
    throw new G8bootError(
      'E_TOOLCHAIN_DEB_COMPRESSION',
      `${debName} stores its files as ${dataMember.name}; g8boot can read data.tar.xz, data.tar.gz and data.tar only.`,
      { hint: 'Use a suite whose packages are compressed with xz or gzip (trixie is), or report the change to the g8boot developers.' },
    );
  }
  const archive = await decompress(dataMember.data, compression, `${dataMember.name} in ${debName}`);

  const wanted = new Set(paths);
  const found = new Map<string, ExtractedFile>();
  const extract = tar.extract();
  extract.end(archive);
  try {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (!wanted.has(name)) {
        entry.resume();
        continue;
      }
      if (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file') {
        throw new G8bootError('E_TOOLCHAIN_DEB_MEMBER', `./${name} in ${debName} is a ${entry.header.type ?? 'special file'}, not a regular file.`, {
          hint: BROKEN_PACKAGE_HINT,
        });
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      found.set(name, { data: Buffer.concat(chunks), mtime: Math.floor((entry.header.mtime?.getTime() ?? 0) / 1000) });
      if (found.size === wanted.size) break;
    }
  } catch (error) {
    if (error instanceof G8bootError) throw error;
    throw new G8bootError('E_TOOLCHAIN_DEB', `${dataMember.name} in ${debName} is not a readable tar archive: ${(error as Error).message}.`, {
      hint: BROKEN_PACKAGE_HINT,
    });
  }
  const absent = paths.filter((p) => !found.has(p));
  if (absent.length > 0) {
    throw new G8bootError('E_TOOLCHAIN_DEB_MEMBER', `${debName} does not contain ${absent.map((p) => `./${p}`).join(', ')}.`, {
      hint: BROKEN_PACKAGE_HINT,
    });
  }
  return found;
}
