/**
 * What a person reads when Central keeps answering 429, through the built CLI: a wait in words ("2 h", "more
 * than a year"), never "Infinity s" or "0 ms".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { describeWait } from '../../main/core/zerotier/http.ts';
import { runCli } from '../helpers/cli.ts';
import { testSimulator } from './helpers.ts';

function env(sim: { centralBase: string; token: string }) {
  const home = mkdtempSync(join(tmpdir(), 'g8boot-429-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  return { G8BOOT_HOME: home, ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(home, 'none') };
}

describe('429 messages', () => {
  test.each([
    ['a wait longer than g8boot sits through', '7200', /asks to wait 2 h\./],
    ['an absurd wait', '1e306', /asks to wait more than a year\./],
    ['a server that keeps refusing with no wait', '0', /is still rate-limiting this token after 3 waits\./],
  ])('%s', async (_what, retryAfter, message) => {
    const sim = await testSimulator();
    sim.faults.add({ path: '/api/v1/network', fault: { kind: 'rate-limit', retryAfter } });
    const r = await runCli(['zt', 'networks'], { env: env(sim) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/Infinity|NaN|\b0 ms|e\+/);
  });

  test('describeWait', () => {
    expect([0, 999, 1000, 120_000, 45 * 60_000, 5 * 3_600_000, 3 * 86_400_000, Infinity].map(describeWait)).toEqual([
      'less than a second', 'less than a second', '1 s', '120 s', '45 min', '5 h', '3 days', 'more than a year',
    ]);
  });
});
