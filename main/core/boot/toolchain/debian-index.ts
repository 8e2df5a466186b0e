/**
 * Reading Debian's archive indexes (deb822 text): the suite's InRelease, which lists the SHA256 of every
 * index file, and a Packages index, which lists the SHA256, size and pool path of every .deb. Together they
 * chain each downloaded byte to InRelease.
 *
 * InRelease's OpenPGP signature is not checked (there is no portable keyring to check it against); the
 * chain of hashes below it is.
 */
import { G8bootError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';
import { RETRY_MIRROR_HINT } from './contents.ts';

/** A deb822 stanza: field names lower-cased; continuation lines kept, joined with "\n". */
export function parseStanza(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current !== undefined) fields.set(current, `${fields.get(current)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current = line.slice(0, colon).toLowerCase();
    fields.set(current, line.slice(colon + 1).trim());
  }
  return fields;
}

/** The signed text inside a clear-signed message (RFC 4880 §7), or the whole text when it is not signed. */
function clearSignedBody(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[0] !== '-----BEGIN PGP SIGNED MESSAGE-----') return lines.join('\n');
  const start = lines.indexOf('', 1) + 1;
  const end = lines.indexOf('-----BEGIN PGP SIGNATURE-----', start);
  return lines
    .slice(start, end < 0 ? undefined : end)
    .map((line) => (line.startsWith('- ') ? line.slice(2) : line))
    .join('\n');
}

export interface IndexEntry {
  sha256: string;
  size: number;
}

/** InRelease's `SHA256:` list, keyed by path relative to dists/<suite>/ (e.g. main/binary-all/Packages.gz). */
export function parseRelease(text: string, source: string): Map<string, IndexEntry> {
  const list = parseStanza(clearSignedBody(text)).get('sha256');
  if (list === undefined) {
    throw new G8bootError('E_TOOLCHAIN_INDEX', `${source} has no SHA256 list of index files; it does not look like a Debian InRelease file.`, {
      hint: 'Check that the mirror URL points at a Debian archive (the directory holding dists/ and pool/).',
    });
  }
  const entries = new Map<string, IndexEntry>();
  for (const line of list.split('\n')) {
    const match = /^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/i.exec(line.trim());
    if (match) entries.set(match[3]!, { sha256: match[1]!.toLowerCase(), size: Number(match[2]) });
  }
  return entries;
}

export interface PackageRecord extends IndexEntry {
  name: string;
  version: string;
  /** Path of the .deb relative to the mirror root (pool/main/...). */
  filename: string;
}

/** A pool path we are willing to append to the mirror URL and to show: no absolute paths, no `..`. */
const POOL_PATH = /^pool\/(?:[A-Za-z0-9+~._-]+\/)*[A-Za-z0-9+~._-]+\.deb$/;

/**
 * Find the named packages in a Packages index. Each package appears once per index (the archive publishes
 * one version per suite and architecture), so the first stanza for a name is the one.
 */
export function findPackages(indexText: string, names: readonly string[], source: string, suite: string): Map<string, PackageRecord> {
  const found = new Map<string, PackageRecord>();
  for (const name of names) {
    const at = new RegExp(`^Package: ${name.replace(/[.+]/g, '\\$&')}$`, 'm').exec(indexText);
    if (!at) {
      throw new G8bootError('E_TOOLCHAIN_PACKAGE_NOT_FOUND', `The package ${quote(name)} is not in ${source}.`, {
        hint: `The suite ${quote(suite)} may not carry it: use a suite that does (--suite or G8BOOT_DEBIAN_SUITE, default trixie).`,
      });
    }
    const start = indexText.lastIndexOf('\n\n', at.index) + 1;
    const end = indexText.indexOf('\n\n', at.index);
    const stanza = parseStanza(indexText.slice(start, end < 0 ? undefined : end));
    const field = (key: string) => {
      const value = stanza.get(key);
      if (!value) {
        throw new G8bootError('E_TOOLCHAIN_INDEX', `The entry for ${quote(name)} in ${source} has no ${key[0]!.toUpperCase()}${key.slice(1)} field.`, {
          hint: RETRY_MIRROR_HINT,
        });
      }
      return value;
    };
    const filename = field('filename');
    const sha256 = field('sha256').toLowerCase();
    const size = Number(field('size'));
    if (!POOL_PATH.test(filename) || filename.split('/').includes('..')) {
      throw new G8bootError('E_TOOLCHAIN_INDEX', `The entry for ${quote(name)} in ${source} has an unexpected Filename ${quote(filename)}.`, {
        hint: 'Only pool/... paths ending in .deb are accepted; try another mirror (--mirror or G8BOOT_DEBIAN_MIRROR).',
      });
    }
    if (!/^[0-9a-f]{64}$/.test(sha256) || !Number.isSafeInteger(size) || size <= 0) {
      throw new G8bootError('E_TOOLCHAIN_INDEX', `The entry for ${quote(name)} in ${source} has a malformed SHA256 or Size field.`, {
        hint: RETRY_MIRROR_HINT,
      });
    }
    found.set(name, { name, version: field('version'), filename, sha256, size });
  }
  return found;
}
