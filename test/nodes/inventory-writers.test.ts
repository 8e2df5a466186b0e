/**
 * One inventory, several writers: the tray app's monitor (here in this process, on the same nodes.json the app
 * uses) keeps sweeping and trusting certificates while real `g8boot` processes (the built CLI) sweep the same
 * network and trust other nodes' certificates at the same moment. Nobody's update is lost, the file stays whole,
 * and no lock or temporary file is left behind.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createInventory } from '../../main/core/nodes/inventory.ts';
import { createMonitor } from '../../main/core/nodes/monitor.ts';
import { g8bootDirs } from '../../main/core/paths.ts';
import { createConfStore } from '../../main/core/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { centralOn, testSimulator } from '../zerotier/helpers.ts';
import { NWID } from './fixtures.ts';

const fingerprint = (n: number) => createHash('sha256').update(`certificate ${n}`).digest('hex');

describe('the app and the CLI write the same nodes.json', () => {
  test('concurrent sweeps and trusts from the app and three CLI processes: every trust survives', async () => {
    const sim = await testSimulator();
    // Nothing listens on these loopback addresses: each probe ends at once with "refused".
    const nodes = Array.from({ length: 12 }, (_, i) => sim.addNode({ authorized: true, address: `127.77.9.${i + 1}` }));
    const home = mkdtempSync(join(tmpdir(), 'g8boot-inventory-writers-'));
    onTestFinished(() => rmSync(home, { recursive: true, force: true }));
    const dirs = g8bootDirs({ G8BOOT_HOME: home });
    const env = { G8BOOT_HOME: home, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(home, 'no-zerotier') };

    const app = createMonitor({ controller: centralOn(sim), networkId: NWID, store: createConfStore({ cwd: dirs.data }), vmStarts: null, probe: { timeoutMs: 300 } });
    onTestFinished(() => app.stop());
    await app.sweepNow();

    // The app sweeps again and again and trusts the first six nodes; meanwhile the CLI sweeps and trusts the others.
    let sweeping = true;
    const appSweeps = (async () => {
      let count = 0;
      while (sweeping) {
        await app.sweepNow();
        count++;
      }
      return count;
    })();
    const appTrusts = (async () => {
      for (let i = 0; i < 6; i++) await app.trustCertificate(nodes[i]!, fingerprint(i));
    })();
    const cli = await Promise.all([
      ...nodes.slice(6).map((node, k) => runCli(['trust', NWID, node, '--fingerprint', fingerprint(6 + k)], { env })),
      runCli(['nodes', NWID, '--json', '--timeout', '0.3'], { env }),
      runCli(['nodes', NWID, '--json', '--timeout', '0.3'], { env }),
    ]);
    await appTrusts;
    sweeping = false;
    expect(await appSweeps).toBeGreaterThan(0);
    for (const run of cli) expect(run.code, run.stderr).toBe(0);

    // One more sweep by each side, then the file as a fresh process reads it.
    await app.sweepNow();
    expect((await runCli(['nodes', NWID, '--json', '--timeout', '0.3'], { env })).code).toBe(0);
    await app.sweepNow();
    const stored = createInventory(createConfStore({ cwd: dirs.data }), NWID).list();
    expect(stored.map((r) => r.nodeId).sort()).toEqual([...nodes].sort());
    nodes.forEach((node, i) => {
      expect(stored.find((r) => r.nodeId === node)?.trustedCertificate, `trust of node ${i}`).toMatchObject({ sha256: fingerprint(i), how: 'person' });
      // The app sees the CLI's trusts too: its view is the merged file.
      expect(app.nodes().find((r) => r.nodeId === node)?.trustedCertificate?.sha256, `the app's view of node ${i}`).toBe(fingerprint(i));
    });
    // Nothing left behind: no lock, no temporary file.
    expect(readdirSync(dirs.data).filter((name) => name !== 'nodes.json' && !name.startsWith('expectations'))).toEqual([]);
  }, 60_000);
});
