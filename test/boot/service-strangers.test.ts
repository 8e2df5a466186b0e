/**
 * What /api/status tells whom, for real across a network: `g8boot serve --listen 0.0.0.0:0` inside a network
 * namespace, asked from its own loopback (this computer: full status) and from a second namespace over a veth
 * pair (a stranger on the LAN: whether it can boot, nothing else). Both namespaces are created and removed here;
 * no traffic leaves them.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, ROOT, serveUrl } from '../helpers/cli.ts';

const canUseNamespaces = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;

function ip(...args: string[]) {
  execFileSync('ip', args, { stdio: 'pipe' });
}

describe.skipIf(!canUseNamespaces)('/api/status for strangers', () => {
  it('this computer sees everything; a machine on the LAN only whether the service can boot', async () => {
    const id = `${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
    const [server, client] = [`g8s${id}`, `g8c${id}`];
    const net = `10.${200 + (process.pid % 50)}.${Math.floor(Math.random() * 250)}`;
    ip('netns', 'add', server);
    onTestFinished(() => void spawnSync('ip', ['netns', 'del', server]));
    ip('netns', 'add', client);
    onTestFinished(() => void spawnSync('ip', ['netns', 'del', client]));
    ip('link', 'add', `v${id}s`, 'netns', server, 'type', 'veth', 'peer', 'name', `v${id}c`, 'netns', client);
    ip('-n', server, 'addr', 'add', `${net}.1/30`, 'dev', `v${id}s`);
    ip('-n', client, 'addr', 'add', `${net}.2/30`, 'dev', `v${id}c`);
    for (const [ns, dev] of [[server, `v${id}s`], [client, `v${id}c`]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }

    const serve = spawn('ip', ['netns', 'exec', server, process.execPath, BIN, 'serve', '--listen', '0.0.0.0:0', '--quiet', '--kernel-url', 'http://10.0.2.2/k'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    onTestFinished(() => void serve.kill('SIGKILL'));
    const port = Number(new URL(await serveUrl(serve)).port);
    const curl = (ns: string, url: string) => execFileSync('ip', ['netns', 'exec', ns, 'curl', '-sf', '--max-time', '5', url], { encoding: 'utf8' });

    // A stranger boots: its script request shows up in what this computer sees, never in what strangers see.
    expect(curl(client, `http://${net}.1:${port}/g8os.ipxe?netid=8056c2e21c000001`)).toContain('zerotier=8056c2e21c000001');
    const stranger = JSON.parse(curl(client, `http://${net}.1:${port}/api/status`)) as Record<string, unknown>;
    expect(stranger).toEqual({ version: expect.any(String), ready: true, detail: expect.stringMatching(/this computer only/) });
    expect(JSON.stringify(stranger)).not.toMatch(/kernels|recentBoots|\d+\.\d+\.\d+\.2|10\.0\.2\.2/);

    const local = JSON.parse(curl(server, `http://127.0.0.1:${port}/api/status`)) as { kernel: { url: string }; recentBoots: { remote: string }[]; connections: { max: number } };
    expect(local.kernel.url).toBe('http://10.0.2.2/k');
    expect(local.recentBoots.map((b) => b.remote.replace(/^::ffff:/, ''))).toContain(`${net}.2`);
    expect(local.connections.max).toBeGreaterThan(0);
  }, 30_000);
});
