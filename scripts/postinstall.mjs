// Runs after `npm install` / `npm ci`: builds the CLI, then fetches the iPXE toolchain from Debian's archive
// unless a verified one is already there (resources/toolchain, never committed). Failing here must not fail
// the install (an offline `npm ci` is legitimate), so problems end in a loud warning and exit code 0; CI runs
// `npm run toolchain` explicitly afterwards, which does fail hard.
// Set G8BOOT_SKIP_TOOLCHAIN=1 to skip the fetch (the CLI is still built).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.error) return result.error.message;
  if (result.status !== 0) return `\`node ${args.join(' ')}\` exited with ${result.status ?? result.signal}`;
  return undefined;
}

function warn(problem, later) {
  const bar = '!'.repeat(78);
  process.stderr.write(
    `\n${bar}\n` +
      `g8boot postinstall: ${problem}\n` +
      `The install itself succeeded, but g8boot cannot build boot images until you run:\n\n` +
      `    ${later}\n\n` +
      `${bar}\n\n`,
  );
}

const buildProblem = run([join('scripts', 'build.mjs'), '--cli-only']);
if (buildProblem) {
  warn(`building the CLI failed (${buildProblem}).`, 'npm run build && npm run toolchain');
} else if (process.env.G8BOOT_SKIP_TOOLCHAIN === '1') {
  process.stderr.write('g8boot postinstall: G8BOOT_SKIP_TOOLCHAIN=1, not fetching the iPXE toolchain (run `npm run toolchain` later).\n');
} else {
  const fetchProblem = run([join('bin', 'g8boot.mjs'), 'toolchain', 'fetch', '--if-missing']);
  if (fetchProblem) warn(`fetching the iPXE toolchain failed (${fetchProblem}).`, 'npm run toolchain');
}
process.exit(0);
