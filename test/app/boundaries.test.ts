/** Only the Electron shell (main/app/electron) and the preload may import electron: everything else runs in Node. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const IMPORTS_ELECTRON = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"](electron|electron\/[^'"]*|electron-store)['"]/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('electron stays in the shell', () => {
  it('finds imports of electron in any form', () => {
    for (const line of ["import { app } from 'electron';", "import type { App } from 'electron'", 'const e = require("electron")', "await import('electron')", "import 'electron';", "import Store from 'electron-store'"]) {
      expect(IMPORTS_ELECTRON.test(line), line).toBe(true);
    }
    expect(IMPORTS_ELECTRON.test("import { x } from './electron-free.ts'")).toBe(false);
  });

  it('no file in main/core or main/app outside main/app/electron imports electron', () => {
    const shell = join(ROOT, 'main', 'app', 'electron') + sep;
    const files = [...sources(join(ROOT, 'main', 'core')), ...sources(join(ROOT, 'main', 'app'))].filter((f) => !f.startsWith(shell));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((f) => IMPORTS_ELECTRON.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('the shell does import it (the check looks at the right files)', () => {
    expect(sources(join(ROOT, 'main', 'app', 'electron')).some((f) => IMPORTS_ELECTRON.test(readFileSync(f, 'utf8')))).toBe(true);
  });
});
