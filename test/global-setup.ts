/**
 * Build everything once before the tests (the CLI, the Electron main and preload bundles, the renderer), so tests
 * that spawn `g8boot` or load dist/app/preload.cjs run the current sources, also when one test file is run by
 * hand. Only here: a build during the run would replace dist/ under tests that are using it.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
