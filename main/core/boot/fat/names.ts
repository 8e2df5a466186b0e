/**
 * FAT names: what a long (VFAT) name may contain, when a name needs long-name entries, and the 8.3 alias
 * (short name) every entry carries. Rules from Microsoft's "FAT: General Overview of On-Disk Format" v1.03
 * §6.1 (short names) and §7 (long names).
 */
import { InvalidInputError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';

/** A short name as stored: 8 name + 3 extension bytes, space padded, ASCII. */
export type ShortName = string;

export const MAX_LONG_NAME = 255;

/** Characters no FAT name may contain (long names allow `+ , ; = [ ]`, spaces and several dots). */
const FORBIDDEN_IN_LONG_NAME = /[\u0000-\u001f\u007f"*/:<>?\\|]/;
/** Lone UTF-16 surrogates: long names are stored as UTF-16, a half pair cannot round-trip. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Bytes allowed in a short name besides A-Z and 0-9 (space is allowed by the format but forces a long name here). */
const SHORT_NAME_PART = /^[A-Z0-9!#$%&'()\-@^_`{}~]+$/;

const pathHint =
  'Give "/"-separated paths such as EFI/BOOT/BOOTX64.EFI; each name at most 255 characters, without control characters or any of " * / : < > ? \\ |, and not ending in a dot or space.';

/** Throw unless `name` (one path component) is a valid FAT long name. */
export function checkLongName(name: string, path: string): void {
  const fail = (why: string): never => {
    throw new InvalidInputError('E_INVALID_FAT_PATH', `Invalid path ${quote(path)}: ${why}.`, { hint: pathHint });
  };
  if (name.length === 0) fail('it has an empty component');
  if (name === '.' || name === '..') fail(`${quote(name)} is not allowed as a name`);
  if (name.length > MAX_LONG_NAME) fail(`the name ${quote(name, 20)} is ${name.length} characters long; FAT allows ${MAX_LONG_NAME}`);
  const bad = FORBIDDEN_IN_LONG_NAME.exec(name);
  if (bad) fail(`the name ${quote(name)} contains ${quote(bad[0])}, which FAT forbids`);
  if (LONE_SURROGATE.test(name)) fail(`the name ${quote(name)} contains an unpaired UTF-16 surrogate`);
  // Windows and the UEFI FAT driver strip trailing dots and spaces when looking a name up.
  if (/[. ]$/.test(name)) fail(`the name ${quote(name)} ends with a dot or space`);
}

/**
 * Case folding for comparing names the way FAT drivers do (case-insensitively). Characters whose upper case is
 * not a single code unit (e.g. "ß" → "SS") are kept, so distinct names never fold to the same key by expansion.
 */
export function foldName(name: string): string {
  let out = '';
  for (const c of name) {
    const upper = c.toUpperCase();
    out += upper.length === c.length ? upper : c;
  }
  return out;
}

/** The stored short name if `name` is already a valid upper-case 8.3 name ("BOOTX64.EFI"), else null. */
export function exactShortName(name: string): ShortName | null {
  const dot = name.indexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3) return null;
  if (!SHORT_NAME_PART.test(base) || (dot >= 0 && !SHORT_NAME_PART.test(ext))) return null;
  return base.padEnd(8) + ext.padEnd(3);
}

/** One character of a short alias: ASCII upper case, anything a short name cannot hold becomes "_". */
function aliasChar(c: string): string {
  const upper = c.length === 1 ? c.toUpperCase() : '_';
  return SHORT_NAME_PART.test(upper) ? upper : '_';
}

/**
 * The short alias of a name that needs long-name entries, unique among `taken` (which it extends).
 * Windows' "numeric tail" scheme without its hashing: "readme.txt" → "README.TXT" when the upper-cased name
 * is a valid, free 8.3 name; otherwise "autoexec.ipxe" → "AUTOEX~1.IPX", "AUTOEX~2.IPX", ... Deterministic
 * given the order in which names are aliased.
 */
export function makeAlias(name: string, taken: Set<ShortName>): ShortName {
  const lossless = exactShortName(foldAscii(name));
  if (lossless !== null && !taken.has(lossless)) {
    taken.add(lossless);
    return lossless;
  }
  const stripped = name.replaceAll(' ', '').replace(/^\.+/, '');
  const dot = stripped.lastIndexOf('.');
  const base = [...(dot < 0 ? stripped : stripped.slice(0, dot).replaceAll('.', ''))].map(aliasChar).join('') || '_';
  const ext = [...(dot < 0 ? '' : stripped.slice(dot + 1))].map(aliasChar).join('').slice(0, 3);
  for (let n = 1; ; n++) {
    const tail = `~${n}`;
    const alias = (base.slice(0, 8 - tail.length) + tail).padEnd(8) + ext.padEnd(3);
    if (!taken.has(alias)) {
      taken.add(alias);
      return alias;
    }
  }
}

/** Upper-case ASCII letters only: short names are ASCII, so only those have a lossless short form. */
function foldAscii(name: string): string {
  return name.replace(/[a-z]+/g, (s) => s.toUpperCase());
}

/** The checksum of a short name that every long-name entry of the same file repeats (spec §7.2). */
export function shortNameChecksum(shortName: ShortName): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + shortName.charCodeAt(i)) & 0xff;
  return sum;
}

/** How many 32-byte long-name entries a name takes (13 UTF-16 units each); 0 for an exact 8.3 name. */
export function longEntryCount(name: string): number {
  return exactShortName(name) === null ? Math.ceil(name.length / 13) : 0;
}

/** A volume label as stored (upper case, space padded), null for none (blank), or throws. */
export function volumeLabelName(label: string): ShortName | null {
  const hint = 'A volume label is at most 11 characters: letters, digits, spaces and ! # $ % & \' ( ) - @ ^ _ ` { } ~.';
  if (label.length > 11) {
    throw new InvalidInputError('E_INVALID_FAT_LABEL', `The volume label ${quote(label)} is ${label.length} characters long; FAT allows 11.`, { hint });
  }
  const upper = foldAscii(label);
  if (!/^[A-Z0-9 !#$%&'()\-@^_`{}~]*$/.test(upper)) {
    throw new InvalidInputError('E_INVALID_FAT_LABEL', `The volume label ${quote(label)} contains characters a FAT label cannot hold.`, { hint });
  }
  const trimmed = upper.trimEnd();
  return trimmed === '' ? null : trimmed.padEnd(11);
}
