/**
 * scripts/postinstall.mjs, run from a scratch project whose build script and CLI are stand-ins that record
 * how they were called and fail on request: the real ones would rebuild dist/ under other tests' feet, and
 * the real `toolchain fetch --if-missing` is covered in cli.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './fixture-archive.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A stand-in that appends its arguments to calls.log and exits with $<exitVar> (default 0). */
const standIn = (exitVar: string) =>
  `import { appendFileSync } from 'node:fs';\n` +
  `appendFileSync(new URL('../calls.log', import.meta.url), process.argv.slice(1).map((a) => a.replace(/\\\\/g, '/')).join(' ') + '\\n');\n` +
  `process.exit(Number(process.env.${exitVar} ?? 0));\n`;

function project() {
  const root = tempDir('postinstall');
  roots.push(root);
  mkdirSync(join(root, 'scripts'));
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(repo, 'scripts', 'postinstall.mjs'), join(root, 'scripts', 'postinstall.mjs'));
  writeFileSync(join(root, 'scripts', 'build.mjs'), standIn('STANDIN_BUILD_EXIT'));
  writeFileSync(join(root, 'bin', 'g8boot.mjs'), standIn('STANDIN_CLI_EXIT'));
  const run = (env: Record<string, string>) => {
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'postinstall.mjs')], {
      cwd: root,
      env: { ...process.env, G8BOOT_SKIP_TOOLCHAIN: undefined, ...env },
      encoding: 'utf8',
    });
    const log = join(root, 'calls.log');
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => line.replace(`${root.replace(/\\/g, '/')}/`, '')) : [];
    return { code: result.status, stderr: result.stderr, calls };
  };
  return { run };
}

describe('scripts/postinstall.mjs', () => {
  it('builds the CLI, then fetches the toolchain if it is missing', () => {
    const { code, stderr, calls } = project().run({});
    expect(code).toBe(0);
    expect(calls).toEqual(['scripts/build.mjs --cli-only', 'bin/g8boot.mjs toolchain fetch --if-missing']);
    expect(stderr).not.toMatch(/!!!!/);
  });

  it('warns loudly with the command to run later, but exits 0, when the fetch fails', () => {
    const { code, stderr, calls } = project().run({ STANDIN_CLI_EXIT: '1' });
    expect(code).toBe(0);
    expect(calls).toHaveLength(2);
    expect(stderr).toMatch(/!{78}/);
    expect(stderr).toContain('fetching the iPXE toolchain failed');
    expect(stderr).toContain('    npm run toolchain');
  });

  it('does not try to fetch when the build fails, and says to build first', () => {
    const { code, stderr, calls } = project().run({ STANDIN_BUILD_EXIT: '2' });
    expect(code).toBe(0);
    expect(calls).toEqual(['scripts/build.mjs --cli-only']);
    expect(stderr).toContain('building the CLI failed');
    expect(stderr).toContain('npm run build && npm run toolchain');
  });

  it('skips the fetch with G8BOOT_SKIP_TOOLCHAIN=1', () => {
    const { code, stderr, calls } = project().run({ G8BOOT_SKIP_TOOLCHAIN: '1' });
    expect(code).toBe(0);
    expect(calls).toEqual(['scripts/build.mjs --cli-only']);
    expect(stderr).toContain('G8BOOT_SKIP_TOOLCHAIN=1');
  });
});
