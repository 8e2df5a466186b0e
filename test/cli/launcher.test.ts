/**
 * bin/g8boot.mjs started by a Node older than 22.12 (this machine's system Node 20) re-runs itself under the
 * project's Node 24, keeps exit codes, and passes SIGTERM on so a `g8boot serve` behind it stops cleanly.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.ts';

const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
  if (!existsSync(path)) return false;
  const major = Number(execFileSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim());
  return major < 22;
});

describe.runIf(systemNode)('the launcher under an older Node', () => {
  it('runs the CLI on the project Node and keeps its exit code', () => {
    const version = execFileSync(systemNode!, [BIN, '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
    let code = 0;
    try {
      execFileSync(systemNode!, [BIN, 'iso', '--netid', 'zz', '--boot-url', 'http://x', '-o', '/tmp/never.iso'], { cwd: ROOT, stdio: 'pipe' });
    } catch (error) {
      code = (error as { status: number }).status;
    }
    expect(code).toBe(2);
  });

  it('passes SIGTERM on: the service behind it stops and the launcher exits 0', async () => {
    const launcher = spawn(systemNode!, [BIN, 'serve', '--listen', '127.0.0.1:0', '--kernel-url', 'http://x/k'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    launcher.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 15_000);
      launcher.stderr.on('data', () => {
        if (/listening on/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: stopping the boot service/);
  });
});
