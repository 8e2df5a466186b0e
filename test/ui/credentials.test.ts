/**
 * core0 credentials and trust in the dashboard, end to end: the production renderer in Chromium, the real app
 * service behind main's IPC handler, ZeroTier Central as played by the simulator, and a real redis-server that
 * speaks only TLS (a self-signed certificate made here with openssl) and wants a password (`requirepass`, as
 * core0 booted with `organization=` wants its JWT). The person sets the password in Settings, sees the node turn
 * ready, then sees "Certificate changed" when core0's certificate is replaced, and trusts the new one in one step.
 * The password never comes back to the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../main/app/service/app-service.ts';
import { startSimulator, type Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { fakeCipher, testAppDeps, type TestDeps } from '../app/deps.ts';
import { selfSignedCertificate, startRedis, type Certificate, type Peer } from '../nodes/peers.ts';
import { openApp, startRendererInChromium, viaMainIpc, type RendererInChromium } from './harness.ts';

const NWID = '8056c2e21c0e2e07';
const ADDRESS = '127.87.6.1';
const SECRET = 'eyJhbGciOiJFUzM4NCJ9.dashboard-org-jwt-5eed';

let ui: RendererInChromium;
let sim: Simulator;
let deps: TestDeps;
let service: AppService;
let first: Certificate;
let second: Certificate;
let redis: Peer | undefined;
/** Everything pushed to the page. */
const pushed: string[] = [];

beforeAll(async () => {
  first = selfSignedCertificate();
  second = selfSignedCertificate();
  redis = await startRedis({ address: ADDRESS, tls: first, password: SECRET });
  ui = await startRendererInChromium();
  sim = await startSimulator({
    networks: [{ id: NWID, name: 'g8os-credentials', description: '', subnet: '127.87.6.0/24', pool: { start: '127.87.6.10', end: '127.87.6.250' } }],
    nodes: [{ name: 'g8os-jwt-node', address: ADDRESS, authorized: true }],
  });
  deps = await testAppDeps();
  service = createAppService(deps);
  await service.ready;
  for (const event of ['state', 'nodes', 'monitor-event'] as const) service.on(event, (payload) => pushed.push(JSON.stringify(payload)));
  await service.api.connect({ kind: 'central', token: sim.token, url: sim.centralBase });
  await service.api.updateSettings({ pollIntervalSec: 5 });
}, 120_000);

afterAll(async () => {
  await ui?.close();
  await service?.dispose();
  await redis?.close();
  await sim?.close();
  await deps?.cleanup();
  first?.cleanup();
  second?.cleanup();
});

describe('credentials in the dashboard', () => {
  it('set the password in Settings, the node turns ready; certificate changed, trusted in one step', { timeout: 90_000 }, async () => {
    const app = await openApp(ui.browser, {
      url: ui.url,
      backend: viaMainIpc(service),
    });
    try {
      const { page } = app;
      const views = page.getByRole('navigation', { name: 'Views' });
      const row = page.getByRole('row', { name: /g8os-jwt-node/ });

      // No password yet: Redis answers over TLS and wants one.
      await views.getByRole('button', { name: 'Nodes' }).click();
      await row.getByText('Needs password').waitFor({ timeout: 20_000 });

      // Settings: paste the JWT; the page learns only that a password is set.
      await views.getByRole('button', { name: 'Settings' }).click();
      await page.getByText('No password is set').waitFor();
      await page.getByLabel('Password or JWT').fill(SECRET);
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('A password is set (stored encrypted').waitFor();
      expect(await page.getByLabel('Password or JWT').inputValue()).toBe('');
      await app.screenshot('credentials-settings-light');

      await views.getByRole('button', { name: 'Nodes' }).click();
      await row.getByText(/Ready · /).waitFor({ timeout: 20_000 });

      // core0 comes back with another certificate: loud, and nothing is sent to it.
      await redis!.close();
      redis = await startRedis({ address: ADDRESS, tls: second, password: SECRET });
      await page.getByRole('button', { name: 'Refresh' }).click();
      await row.getByText('Certificate changed').waitFor({ timeout: 20_000 });
      await row.click();
      const alert = page.getByRole('alert').filter({ hasText: 'Certificate changed.' });
      await alert.waitFor();
      expect(await alert.textContent()).toContain(`Now SHA-256 ${second.fingerprint}`);
      expect(await alert.textContent()).toContain(`Was SHA-256 ${first.fingerprint}`);
      await app.screenshot('credentials-cert-changed-light');

      // One step: trust the new certificate; the node is ready again.
      await alert.getByRole('button', { name: 'Trust the new certificate' }).click();
      await row.getByText(/Ready · /).waitFor({ timeout: 20_000 });
      expect((await service.api.listNodes())[0]?.trustedCertificate).toMatchObject({ sha256: second.fingerprint, how: 'person' });

      expect(await page.content()).not.toContain(SECRET);
      expect(pushed.join('\n')).not.toContain(SECRET);
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('credentials in the dashboard on a system without a keyring', () => {
  it('Settings says the password would be obfuscated, not encrypted, and offers the JWT file', { timeout: 60_000 }, async () => {
    // Linux with no libsecret/KWallet: Electron's safeStorage falls back to a fixed key (basic_text).
    const plainDeps = await testAppDeps({ cipher: fakeCipher({ backend: 'basic_text' }) });
    const plainService = createAppService(plainDeps);
    await plainService.ready;
    await plainService.api.connect({ kind: 'central', token: sim.token, url: sim.centralBase });
    const app = await openApp(ui.browser, {
      url: ui.url,
      backend: viaMainIpc(plainService),
    });
    try {
      const { page } = app;
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
      const panel = page.getByRole('group', { name: /core0 password/ });
      await panel.getByText('This system has no keyring').waitFor();
      expect(await panel.textContent()).toContain('obfuscated, not encrypted');
      await page.getByLabel('Password or JWT').fill(SECRET);
      await page.getByRole('button', { name: 'Set password' }).click();
      await panel.getByText('A password is set (stored obfuscated').waitFor();
      expect(await panel.textContent()).not.toContain('stored encrypted');
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
      await plainService.dispose();
      await plainDeps.cleanup();
    }
  });
});
