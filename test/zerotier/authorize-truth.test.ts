/**
 * `authorize` reports what the controller says happened, and addresses from the API are checked before anyone
 * sees or probes them, through the built CLI against the simulated Central.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, onTestFinished, test } from 'vitest';
import { validAddresses } from '../../main/core/zerotier/addresses.ts';
import { runCli } from '../helpers/cli.ts';
import { testSimulator } from './helpers.ts';

const NWID = 'd569b5a47421c8b7';

function env(sim: { centralBase: string; token: string }) {
  const home = mkdtempSync(join(tmpdir(), 'g8boot-authorize-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  return { G8BOOT_HOME: home, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(home, 'none') };
}

async function centralGet(sim: { centralBase: string; token: string }, path: string): Promise<Record<string, unknown>> {
  const r = await request(`${sim.centralBase}${path}`, { headers: { authorization: `token ${sim.token}` } });
  return (await r.body.json()) as Record<string, unknown>;
}

describe('authorize believes the member, not the status code', () => {
  test('a 2xx whose member is still unauthorized is a failure (exit 1), said in words', async () => {
    const sim = await testSimulator({ checkSpec: false });
    const nodeId = sim.addNode({ authorized: false });
    const member = await centralGet(sim, `/network/${NWID}/member/${nodeId}`);
    // A controller (or something in between) that answers success and changes nothing.
    sim.faults.add({ method: 'POST', path: `/api/v1/network/${NWID}/member/${nodeId}`, fault: { kind: 'status', status: 200, body: member } });
    const r = await runCli(['authorize', NWID, nodeId], { env: env(sim) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`answered, but member ${nodeId} of ${NWID} is not authorized: the change was not made`));
    expect(r.stderr).not.toMatch(/^Authorized/m);
  });

  test('deauthorize likewise', async () => {
    const sim = await testSimulator({ checkSpec: false });
    const nodeId = sim.addNode({ authorized: true });
    const member = await centralGet(sim, `/network/${NWID}/member/${nodeId}`);
    sim.faults.add({ method: 'POST', path: `/api/v1/network/${NWID}/member/${nodeId}`, fault: { kind: 'status', status: 200, body: member } });
    const r = await runCli(['deauthorize', NWID, nodeId], { env: env(sim) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is still authorized: the change was not made/);
  });

  test('a 2xx that answers with another member is a failure (exit 1), not "Authorized <the other one>"', async () => {
    const sim = await testSimulator({ checkSpec: false });
    const nodeId = sim.addNode({ authorized: false });
    const other = sim.addNode({ authorized: true });
    const otherMember = await centralGet(sim, `/network/${NWID}/member/${other}`);
    sim.faults.add({ method: 'POST', path: `/api/v1/network/${NWID}/member/${nodeId}`, fault: { kind: 'status', status: 200, body: otherMember } });
    const r = await runCli(['authorize', NWID, nodeId], { env: env(sim) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`answered the change of member ${nodeId} of ${NWID} with member ${other}`));
    expect(r.stderr).not.toMatch(/^Authorized/m);
  });

  test('a real authorization still succeeds', async () => {
    const sim = await testSimulator();
    const nodeId = sim.addNode({ authorized: false });
    const r = await runCli(['authorize', NWID, nodeId], { env: env(sim) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`Authorized ${nodeId}`));
  });
});

describe('addresses from the API', () => {
  test('junk entries are dropped before they are shown', async () => {
    const sim = await testSimulator({ checkSpec: false });
    const nodeId = sim.addNode({ authorized: true, address: '127.0.0.1' });
    const list = (await request(`${sim.centralBase}/network/${NWID}/member`, { headers: { authorization: `token ${sim.token}` } }).then((r) => r.body.json())) as {
      config: { ipAssignments: string[] };
    }[];
    const junk = ['127.0.0.1', 'not-an-ip', '10.0.0.1; rm -rf /', '', '\u001b[31mred', '999.1.1.1', '127.0.0.2/24', 'fd00::1', '127.0.0.1'];
    for (const m of list) m.config.ipAssignments = junk;
    sim.faults.add({ method: 'GET', path: `/api/v1/network/${NWID}/member`, fault: { kind: 'status', status: 200, body: list } });
    const r = await runCli(['zt', 'members', NWID, '--json'], { env: env(sim) });
    expect(r.code, r.stderr).toBe(0);
    const members = JSON.parse(r.stdout) as { nodeId: string; ipAssignments: string[] }[];
    expect(members.find((m) => m.nodeId === nodeId)?.ipAssignments).toEqual(['127.0.0.1', 'fd00::1']);
    expect(r.stdout).not.toMatch(/not-an-ip|rm -rf|999\.1|\/24|\\u001b/);
  });

  test('validAddresses', () => {
    expect(validAddresses(['1.2.3.4', 'x', '::1', '1.2.3.4', ...Array.from({ length: 100 }, (_, i) => `10.0.${i}.1`)])).toHaveLength(64);
  });
});
