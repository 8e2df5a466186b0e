#!/usr/bin/env node
// `npm start`'s last step: launch the tray app with Electron's binary. The electron npm package downloads that
// binary on first use; where it cannot (offline, a blocked github.com), say so in one paragraph and point to what
// runs without it, instead of electron's stack trace. Exit code 3: a missing component.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = join(root, 'node_modules', 'electron');

/** The binary electron's own index.js would run, or null while it is not there. */
function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
  if (!relative) return null;
  const binary = join(electronDir, 'dist', relative);
  return existsSync(binary) ? binary : null;
}

function cannotStart(reason) {
  process.stderr.write(
    `g8boot: the tray app needs Electron's binary, which could not be ${reason}. ` +
      'Electron downloads it once from GitHub (set ELECTRON_MIRROR for a mirror, and ELECTRON_GET_USE_PROXY=1 to use HTTPS_PROXY); ' +
      'run `npm start` again when that works. Everything else runs without it: `npx g8boot demo` starts an offline demo network ' +
      'and shows what to try next, `npx g8boot serve` runs the boot service, and `npx g8boot --help` lists every command.\n',
  );
  process.exit(3);
}

if (!existsSync(join(electronDir, 'package.json'))) cannotStart('found (node_modules/electron is missing: run `npm ci`)');

let binary = electronBinary();
if (!binary) {
  process.stderr.write("g8boot: downloading Electron's binary (once)...\n");
  const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { cwd: electronDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  binary = electronBinary();
  if (install.status !== 0 || !binary) {
    const line = `${install.stderr ?? ''}\n${install.stdout ?? ''}`.split('\n').find((l) => /error/i.test(l) && !/^\s+at /.test(l));
    // undici's fetch says only "fetch failed" when no connection could be made.
    const said = line?.trim().replace(/\s+/g, ' ').slice(0, 160);
    const why = !said ? '' : /fetch failed/.test(said) ? ' (no connection to the download server)' : ` (${said})`;
    if (process.env.G8BOOT_DEBUG) process.stderr.write(`${install.stderr}\n`);
    cannotStart(`downloaded${why}`);
  }
}

const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit', windowsHide: false });
child.on('error', (error) => cannotStart(`started (${error.message})`));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
