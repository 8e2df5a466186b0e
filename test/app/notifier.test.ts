import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNotifier, type NotificationModel } from '../../main/app/notifications/notifier.ts';
import type { MonitorEvent } from '../../main/common/nodes.ts';
import { node } from './fixtures.ts';

const joined = (nodeId: string, extra = {}): MonitorEvent => ({ type: 'node-joined', at: Date.now(), node: node(nodeId, { authorized: false, probeState: 'pending', ...extra }) });
const ready = (nodeId: string, ip: string): MonitorEvent => ({ type: 'node-ready', at: Date.now(), node: node(nodeId, { probeState: 'ready', ip }) });

describe('notifications', () => {
  let shown: NotificationModel[];
  beforeEach(() => {
    vi.useFakeTimers();
    shown = [];
  });
  afterEach(() => vi.useRealTimers());

  const notifier = (platform: NodeJS.Platform, extra = {}) => createNotifier({ show: (n) => shown.push(n), actions: platform !== 'linux', now: () => Date.now(), batchWindowMs: 1000, ...extra });

  it('says a node wants to join, with an Authorize action where the OS offers actions', () => {
    const mac = notifier('darwin');
    mac.handle(joined('aaaaaaaaaa', { name: 'g8os-525400aabbcc' }));
    expect(shown).toHaveLength(0);
    vi.advanceTimersByTime(1000);
    expect(shown).toEqual([
      {
        title: 'New node aaaaaaaaaa wants to join',
        body: 'g8os-525400aabbcc from 203.0.113.7, network 8056c2e21c000001: waiting for authorization.',
        action: { label: 'Authorize', command: { type: 'authorize', nodeIds: ['aaaaaaaaaa'] } },
        click: { type: 'navigate', view: 'nodes', nodeId: 'aaaaaaaaaa' },
      },
    ]);
  });

  it('says a certificate changed, loudly, and batches credential problems into one notification', () => {
    const problem = (nodeId: string, probeState: 'cert-changed' | 'auth-required' | 'auth-plaintext'): MonitorEvent => ({
      type: 'node-credential-problem',
      at: Date.now(),
      node: node(nodeId, { probeState, name: '' }),
    });
    const linux = notifier('linux');
    linux.handle(problem('aaaaaaaaaa', 'cert-changed'));
    vi.advanceTimersByTime(1000);
    expect(shown[0]).toMatchObject({ title: 'Certificate changed on node aaaaaaaaaa', click: { type: 'navigate', view: 'nodes', nodeId: 'aaaaaaaaaa' } });
    expect(shown[0]?.body).toContain('nothing was sent');
    expect(shown[0]?.action).toBeUndefined();
    linux.handle(problem('bbbbbbbbbb', 'auth-plaintext'));
    vi.advanceTimersByTime(1000);
    expect(shown[1]).toMatchObject({ title: 'Node bbbbbbbbbb asks for a password over an unencrypted connection', click: { type: 'navigate', view: 'settings' } });
    for (const id of ['cccccccccc', 'dddddddddd', 'eeeeeeeeee']) linux.handle(problem(id, id === 'cccccccccc' ? 'cert-changed' : 'auth-required'));
    vi.advanceTimersByTime(1000);
    expect(shown).toHaveLength(3);
    expect(shown[2]?.title).toBe('Certificate changed on 1 of 3 nodes needing attention');
    expect(shown[2]?.body).toContain('cccccccccc (certificate changed)');
  });

  it('opens the node in the dashboard on Linux, where notifications have no actions', () => {
    const linux = notifier('linux');
    linux.handle(joined('aaaaaaaaaa'));
    vi.advanceTimersByTime(1000);
    expect(shown[0]?.action).toBeUndefined();
    expect(shown[0]?.body).toContain('Click to review it in g8boot.');
    expect(shown[0]?.click).toEqual({ type: 'navigate', view: 'nodes', nodeId: 'aaaaaaaaaa' });
  });

  it('batches many nodes arriving at once into one notification', () => {
    const win = notifier('win32');
    for (let i = 0; i < 50; i++) win.handle(joined(i.toString(16).padStart(10, '0')));
    vi.advanceTimersByTime(1000);
    expect(shown).toHaveLength(1);
    expect(shown[0]?.title).toBe('50 new nodes want to join');
    expect(shown[0]?.body).toBe('0000000000, 0000000001, 0000000002 and 47 more on network 8056c2e21c000001: waiting for authorization.');
    expect(shown[0]?.action?.label).toBe('Authorize all 50');
    expect((shown[0]?.action?.command as { nodeIds: string[] }).nodeIds).toHaveLength(50);
  });

  it('says when a node is ready, with its address', () => {
    const n = notifier('linux');
    n.handle(ready('bbbbbbbbbb', '10.147.17.20'));
    vi.advanceTimersByTime(1000);
    expect(shown[0]?.title).toBe('Node bbbbbbbbbb is ready at 10.147.17.20');
    expect(shown[0]?.body).toBe("core0's Redis answers.");
    n.handle(ready('cccccccccc', '10.147.17.21'));
    n.handle(ready('dddddddddd', '10.147.17.22'));
    vi.advanceTimersByTime(1000);
    expect(shown[1]?.title).toBe('2 nodes are ready');
  });

  it('drops a join from the batch when the node was authorized meanwhile', () => {
    const n = notifier('darwin');
    n.handle(joined('aaaaaaaaaa'));
    n.handle({ type: 'node-authorized', at: Date.now(), node: node('aaaaaaaaaa') });
    vi.advanceTimersByTime(1000);
    expect(shown).toHaveLength(0);
  });

  it('reports an unreachable ZeroTier once per outage', () => {
    const n = notifier('linux');
    const stale: MonitorEvent = { type: 'monitor-stale', at: 0, error: { name: 'ZeroTierApiError', code: 'E_ZT_UNREACHABLE', message: 'ZeroTier Central does not answer.', hint: 'Check the connection.' }, retryInMs: 30_000 };
    n.handle(stale);
    n.handle(stale);
    expect(shown.map((s) => s.title)).toEqual(['g8boot cannot reach ZeroTier']);
    expect(shown[0]?.body).toContain('ZeroTier Central does not answer. Check the connection.');
    n.handle({ type: 'monitor-recovered', at: 0 });
    n.handle(stale);
    expect(shown).toHaveLength(2);
  });

  it('shows at most maxPerMinute notifications and counts what it held back', () => {
    const n = notifier('linux', { maxPerMinute: 2 });
    for (let round = 0; round < 4; round++) {
      n.handle(joined(`${round}`.padStart(10, 'a')));
      vi.advanceTimersByTime(1000);
    }
    expect(shown).toHaveLength(2);
    vi.advanceTimersByTime(60_000);
    n.handle(ready('eeeeeeeeee', '10.0.0.1'));
    vi.advanceTimersByTime(1000);
    expect(shown).toHaveLength(3);
    expect(shown[2]?.body).toContain('(2 more updates in the dashboard)');
  });

  it('shows nothing when notifications are turned off', () => {
    let enabled = false;
    const n = notifier('linux', { enabled: () => enabled });
    n.handle(joined('aaaaaaaaaa'));
    vi.advanceTimersByTime(1000);
    expect(shown).toHaveLength(0);
    enabled = true;
    n.handle(joined('bbbbbbbbbb'));
    n.flush();
    expect(shown).toHaveLength(1);
  });
});
