#!/usr/bin/env node
// g8boot launcher. g8boot runs on Node >= 22.12 (Electron 45 embeds Node 24). When started by an older
// Node (e.g. a system Node 20 on PATH) from a checkout that has the project's own Node 24 installed
// (the `node` devDependency), re-run under that one instead of failing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import module from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  const bundled = join(here, '..', 'node_modules', 'node', 'bin', 'node');
  if (existsSync(bundled) && process.execPath !== bundled) {
    const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    // Signals meant for g8boot must reach the real process: SIGTERM and SIGHUP sent to this launcher are passed
    // on. Ctrl-C already reaches both (the terminal signals the whole process group), so the launcher only
    // ignores SIGINT and lets the child finish its work (e.g. `watch` completing its sweep).
    for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
    process.on('SIGINT', () => {});
    child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
    child.on('error', (error) => {
      process.stderr.write(`g8boot: could not start ${bundled}: ${error.message}\n`);
      process.exit(3);
    });
  } else {
    process.stderr.write(`g8boot: needs Node.js 22.12 or newer (this is ${process.version}).\n  hint: install Node 24, or run it from the project checkout with \`npx g8boot\`.\n`);
    process.exit(3);
  }
} else {
  await run();
}

async function run() {
  // Cache compiled code between runs: most of a short command's time is parsing JavaScript.
  module.enableCompileCache?.();
  const entry = join(here, '..', 'dist', 'cli.mjs');
  if (!existsSync(entry)) {
    process.stderr.write('g8boot: the CLI is not built yet.\n  hint: run `npm run build` in the project directory.\n');
    process.exit(3);
  }
  await import(pathToFileURL(entry).href);
}
