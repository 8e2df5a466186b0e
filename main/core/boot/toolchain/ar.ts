/**
 * A reader for the Unix `ar` archives that .deb files are (deb(5)): an 8-byte magic, then per member a
 * 60-byte text header (name, mtime, uid, gid, mode, size, "`\n") and the data, padded to an even offset.
 * dpkg writes short member names only, so GNU and BSD long-name tables are not needed.
 */
import { G8bootError } from '../../../common/errors.ts';
import { BROKEN_PACKAGE_HINT } from './contents.ts';

export interface ArMember {
  name: string;
  data: Buffer;
}

const MAGIC = '!<arch>\n';
const HEADER_SIZE = 60;

/** The members of `archive`, in order; `what` names the archive in errors. Data are views, not copies. */
export function readAr(archive: Buffer, what: string): ArMember[] {
  const fail = (reason: string) =>
    new G8bootError('E_TOOLCHAIN_DEB', `${what} is not a valid Debian package: ${reason}.`, { hint: BROKEN_PACKAGE_HINT });
  if (archive.toString('latin1', 0, MAGIC.length) !== MAGIC) throw fail('it does not start with the ar archive signature');
  const members: ArMember[] = [];
  let offset = MAGIC.length;
  while (offset < archive.length) {
    if (offset + HEADER_SIZE > archive.length) throw fail(`the member header at byte ${offset} is cut short`);
    const header = archive.toString('latin1', offset, offset + HEADER_SIZE);
    if (header.slice(58, 60) !== '`\n') throw fail(`the member header at byte ${offset} is malformed`);
    const name = header.slice(0, 16).trimEnd().replace(/\/$/, '');
    const size = Number(header.slice(48, 58).trim());
    const start = offset + HEADER_SIZE;
    if (!Number.isSafeInteger(size) || size < 0 || start + size > archive.length) {
      throw fail(`the member ${JSON.stringify(name)} claims ${header.slice(48, 58).trim()} bytes, more than the file holds`);
    }
    members.push({ name, data: archive.subarray(start, start + size) });
    offset = start + size + (size % 2);
  }
  return members;
}
