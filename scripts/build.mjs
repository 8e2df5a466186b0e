// Builds everything that runs: the CLI (one ESM bundle with lazily loaded chunks, so `g8boot iso` parses
// only what it uses), the Electron main process and preload (thin shell over the same core), and the
// React renderer (Vite). Usage: node scripts/build.mjs [--cli-only]
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const cliOnly = process.argv.includes('--cli-only');
const define = { __G8BOOT_VERSION__: JSON.stringify(pkg.version) };
// Bundled CommonJS dependencies (ioredis, cli-progress...) expect require/__dirname inside an ESM bundle.
const esmShim = [
  "import { createRequire as __g8CreateRequire } from 'node:module';",
  "import { fileURLToPath as __g8FileURLToPath } from 'node:url';",
  "import { dirname as __g8Dirname } from 'node:path';",
  'const require = __g8CreateRequire(import.meta.url);',
  'const __filename = __g8FileURLToPath(import.meta.url);',
  'const __dirname = __g8Dirname(__filename);',
].join('\n');

/** What every Node bundle shares; `electron` itself is provided by the Electron runtime. */
const nodeBundle = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node22',
  define,
  external: ['electron'],
  logLevel: 'warning',
};
const esmBundle = { ...nodeBundle, format: 'esm', sourcemap: 'linked', banner: { js: esmShim }, outExtension: { '.js': '.mjs' } };

const started = Date.now();
rmSync(join(root, 'dist', 'cli'), { recursive: true, force: true });
await build({
  ...esmBundle,
  entryPoints: { cli: 'main/cli/entry.ts' },
  outdir: 'dist',
  entryNames: '[name]',
  chunkNames: 'cli/[name]-[hash]',
  splitting: true,
});

if (!cliOnly && existsSync(join(root, 'main', 'app', 'main.ts'))) {
  // Electron main: ESM like the CLI.
  await build({ ...esmBundle, entryPoints: { main: 'main/app/main.ts' }, outdir: 'dist/app' });
  // Sandboxed preloads must be a single CommonJS file that requires nothing but `electron`.
  await build({ ...nodeBundle, entryPoints: { preload: 'main/preload/preload.ts' }, outdir: 'dist/app', format: 'cjs', outExtension: { '.js': '.cjs' } });
}

if (!cliOnly && existsSync(join(root, 'renderer', 'index.html'))) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}
process.stderr.write(`build: done in ${Date.now() - started} ms\n`);
