/**
 * Issue 15: memory for a member list as large as the body cap allows. The simulated Central answers with
 * 7.7 MiB of small members (~224,000); peak RSS of the built CLI (GNU time) for `zt members --json`,
 * `zt members` and `nodes`, and the size of the inventory `nodes` writes.
 * Peer: the same commands before this work (main at 7e832ba, measured the same way on the same machine):
 * zt members --json 664 MB, nodes 1,258 MB, inventory 206 MB.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../main/core/zerotier/simulator/server.ts';
import { spawn } from 'node:child_process';
import { table } from './lib.ts';

/** Peak RSS (KiB) of one run, from GNU time; asynchronous, as the simulator answering it runs in this process. */
function peakRssKiB(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(Number(err.trim().split('\n').at(-1))) : reject(new Error(`${args.join(' ')} failed: ${err}`))));
  });
}

const root = fileURLToPath(new URL('..', import.meta.url));
const NWID = 'd569b5a47421c8b7';
const BEFORE = { membersJson: 664, nodes: 1258, inventory: 206 };

const sim = await startSimulator({ addressDelayMs: 0, configDelayMs: 0, centralRequestsPerSecond: null, recordBodies: false });
const home = mkdtempSync(join(tmpdir(), 'g8boot-bench-members-'));
try {
  const list: unknown[] = [];
  let bytes = 2;
  for (let i = 0; bytes < 7.7 * 1048576; i++) {
    const member = { nodeId: (0x1000000000 + i).toString(16), config: {} };
    bytes += JSON.stringify(member).length + 1;
    list.push(member);
  }
  sim.faults.add({ method: 'GET', path: `/api/v1/network/${NWID}/member`, fault: { kind: 'status', status: 200, body: list } });
  const env = { G8BOOT_HOME: home, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(home, 'none') };
  const cli = join(root, 'dist', 'cli.mjs');
  const mb = (kib: number) => Math.round(kib / 1024);
  const membersJson = mb(await peakRssKiB(process.execPath, [cli, 'zt', 'members', NWID, '--json'], env));
  const membersTable = mb(await peakRssKiB(process.execPath, [cli, 'zt', 'members', NWID], env));
  const nodes = mb(await peakRssKiB(process.execPath, [cli, 'nodes', NWID, '--timeout', '0.2'], env));
  const inventory = Math.round(statSync(join(home, 'data', 'nodes.json')).size / 1048576);
  console.log(`${list.length} members, ${(bytes / 1048576).toFixed(1)} MiB of JSON\n`);
  console.log(table(
    ['peak RSS / size', 'g8boot now', 'before (7e832ba)'],
    [
      ['zt members --json', `${membersJson} MB`, `${BEFORE.membersJson} MB`],
      ['zt members (table)', `${membersTable} MB`, 'stack overflow'],
      ['nodes', `${nodes} MB`, `${BEFORE.nodes} MB`],
      ['inventory written by nodes', `${inventory} MB`, `${BEFORE.inventory} MB`],
    ],
  ));
} finally {
  await sim.close();
  rmSync(home, { recursive: true, force: true });
}
