/**
 * The directory tree implied by a list of file paths, validated and named for FAT.
 *
 * Order: the entries of every directory are sorted by their case-folded name, and directories and files are
 * numbered in pre-order of that sorted tree. So the image depends only on the set of files, not on the order
 * the caller listed them in, and 8.3 aliases (~1, ~2...) are stable.
 */
import { InvalidInputError } from '../../../common/errors.ts';
import { quote } from '../../../common/validate.ts';
import type { ShortName } from './names.ts';
import { checkLongName, exactShortName, foldName, longEntryCount, makeAlias } from './names.ts';

export interface FileNode {
  kind: 'file';
  name: string;
  shortName: ShortName;
  data: Uint8Array;
  /** Index in the caller's list. */
  input: number;
}

export interface DirNode {
  kind: 'dir';
  name: string;
  shortName: ShortName;
  parent: DirNode | null;
  /** Sorted by folded name once the tree is complete. */
  children: (FileNode | DirNode)[];
  /** 32-byte entries: "." and ".." (not in the root), a long-name run and a short entry per child. */
  entryCount: number;
}

export interface FatTree {
  root: DirNode;
  /** Pre-order, without the root. */
  subdirectories: DirNode[];
  /** Pre-order. */
  files: FileNode[];
}

export const MAX_FILE_BYTES = 32 * 1024 * 1024;
/**
 * Entries a directory may hold: below 65536 (2 MiB, the most drivers read), leaving room within the root's
 * 16-bit entry count for the volume label and the padding to whole sectors and a 2048-byte boundary.
 */
const MAX_DIR_ENTRIES = 65456;

export function buildTree(inputs: readonly { path: string; data: Uint8Array }[]): FatTree {
  const root = newDir('', null);
  const index = new Map<DirNode, Map<string, FileNode | DirNode>>([[root, new Map()]]);
  for (const [input, { path, data }] of inputs.entries()) {
    const names = splitPath(path);
    if (data.length > MAX_FILE_BYTES) {
      throw new InvalidInputError('E_FAT_FILE_TOO_LARGE', `The file ${quote(path)} is ${data.length} bytes; the boot filesystem holds files up to 32 MiB.`, {
        hint: 'Only iPXE binaries and scripts (a few MB) belong in the boot image.',
      });
    }
    let dir = root;
    for (const [depth, name] of names.entries()) {
      const siblings = index.get(dir)!;
      const existing = siblings.get(foldName(name));
      const isLast = depth === names.length - 1;
      if (isLast && existing !== undefined) throw conflict(path, existing.kind === 'dir' ? 'a directory of that name' : 'another file of the same name (names are case-insensitive)');
      if (isLast) {
        const file: FileNode = { kind: 'file', name, shortName: '', data, input };
        siblings.set(foldName(name), file);
        dir.children.push(file);
      } else if (existing?.kind === 'file') {
        throw conflict(path, `the file ${quote(existing.name)} where a directory is needed`);
      } else if (existing) {
        dir = existing;
      } else {
        const sub = newDir(name, dir);
        siblings.set(foldName(name), sub);
        index.set(sub, new Map());
        dir.children.push(sub);
        dir = sub;
      }
    }
  }
  const tree: FatTree = { root, subdirectories: [], files: [] };
  nameAndOrder(root, tree);
  return tree;
}

function newDir(name: string, parent: DirNode | null): DirNode {
  return { kind: 'dir', name, shortName: '', parent, children: [], entryCount: 0 };
}

/** Path components; one leading "/" is accepted ("/autoexec.ipxe" is in the root). */
function splitPath(path: string): string[] {
  const relative = path.startsWith('/') ? path.slice(1) : path;
  if (relative === '') {
    throw new InvalidInputError('E_INVALID_FAT_PATH', `A file path is empty${path ? ` (${quote(path)})` : ''}.`, {
      hint: 'Give each file a path such as EFI/BOOT/BOOTX64.EFI or autoexec.ipxe.',
    });
  }
  const names = relative.split('/');
  for (const name of names) checkLongName(name, path);
  return names;
}

function conflict(path: string, what: string): InvalidInputError {
  return new InvalidInputError('E_INVALID_FAT_PATH', `The path ${quote(path)} clashes with ${what}.`, {
    hint: 'Each path may appear once; FAT compares names case-insensitively.',
  });
}

/** Sort each directory, give every child its short name, count entries and list nodes in pre-order. */
function nameAndOrder(dir: DirNode, tree: FatTree): void {
  const keyed = dir.children.map((child) => ({ key: foldName(child.name), child }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : 1));
  dir.children = keyed.map((k) => k.child);
  // Names that are already valid 8.3 keep it as their only name, so reserve those before making aliases.
  const taken = new Set<ShortName>();
  for (const child of dir.children) {
    const exact = exactShortName(child.name);
    if (exact !== null) {
      child.shortName = exact;
      taken.add(exact);
    }
  }
  dir.entryCount = dir.parent === null ? 0 : 2;
  for (const child of dir.children) {
    if (child.shortName === '') child.shortName = makeAlias(child.name, taken);
    dir.entryCount += 1 + longEntryCount(child.name);
  }
  if (dir.entryCount > MAX_DIR_ENTRIES) {
    throw new InvalidInputError('E_FAT_TOO_LARGE', `The directory ${quote(dir.name || '/')} would need ${dir.entryCount} entries; FAT allows ${MAX_DIR_ENTRIES}.`, {
      hint: 'Spread the files over subdirectories.',
    });
  }
  for (const child of dir.children) {
    if (child.kind === 'file') {
      tree.files.push(child);
    } else {
      tree.subdirectories.push(child);
      nameAndOrder(child, tree);
    }
  }
}
