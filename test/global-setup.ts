/**
 * Build the CLI bundle once before the tests (esbuild, ~50 ms) so tests that spawn `g8boot` always run the
 * current sources, also when a single test file is run by hand.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--cli-only'], { stdio: 'inherit' });
}
