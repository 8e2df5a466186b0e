/**
 * `g8boot demo` as a person uses it, through the built CLI, inside a network namespace of its own that has only
 * loopback: the demo in one process, `nodes`/`authorize`/`watch` in others (as in a second terminal). Nodes turn
 * ready, and nothing is ever aimed at an address off this machine: the probe's own record of what it probed (the
 * inventory's probe.address of every node) holds loopback addresses only, and no node is "unreachable" (what a
 * probe of any other address meets in a namespace without routes).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, ROOT, runCli, type CliResult } from '../helpers/cli.ts';

const canUseNamespaces = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const NS = `g8boot-demo-${process.pid}-${randomBytes(3).toString('hex')}`;

/** The built CLI inside the namespace. */
function g8boot(args: readonly string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  return runCli(args, { env, timeoutMs, wrapper: ['ip', 'netns', 'exec', NS] });
}

interface Started {
  type: 'started';
  networkId: string;
  env: Record<string, string>;
  redisPort: number;
  core0Answers: boolean;
  redisPassword: string;
}

/** Every probe.address in a JSON document (the inventory). */
function probedAddresses(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) probedAddresses(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'probe' && inner && typeof inner === 'object' && typeof (inner as { address?: unknown }).address === 'string') {
        found.push((inner as { address: string }).address);
      }
      probedAddresses(inner, found);
    }
  }
  return found;
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe.skipIf(!canUseNamespaces)('g8boot demo in a namespace with only loopback', () => {
  let demo: ChildProcess;
  let started: Started;
  const events: { type: string; nodeId?: string; answers?: string; address?: string }[] = [];
  let home: string;

  beforeAll(async () => {
    expect(spawnSync('ip', ['netns', 'add', NS]).status).toBe(0);
    expect(spawnSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
    home = await mkdtemp(join(tmpdir(), 'g8boot-demo-test-'));
    demo = spawn('ip', ['netns', 'exec', NS, process.execPath, BIN, 'demo', '--json', '--join-every', '1'], {
      cwd: ROOT,
      env: { ...process.env, G8BOOT_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: demo.stdout! });
    started = await new Promise<Started>((resolve, reject) => {
      demo.once('exit', (code) => reject(new Error(`the demo exited (${code})`)));
      lines.on('line', (line) => {
        const event = JSON.parse(line) as Started | (typeof events)[number];
        if (event.type === 'started') resolve(event as Started);
        else events.push(event as (typeof events)[number]);
      });
    });
  }, 60_000);

  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    spawnSync('ip', ['netns', 'delete', NS]);
    if (home) await rm(home, { recursive: true, force: true });
  });

  test('nodes turn ready, the waiting ones after `authorize`, and nothing is probed off loopback', async () => {
    expect(started.networkId).toBe('d569b5a47421c8b7');
    expect(started.redisPort).toBe(6379);
    expect(started.core0Answers).toBe(true);
    expect(started.env.ZEROTIER_CENTRAL_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    const env = started.env;
    const nwid = started.networkId;

    const nodes = async (...extra: string[]) => {
      const run = await g8boot(['nodes', nwid, '--json', '--timeout', '1', ...extra], env);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as { nodeId: string; state: string; probe: string | null; ip: string | null; authorized: boolean }[];
    };
    const first = await nodes();
    // This computer is on the demo network (as after `zt join` and its authorization), marked and not probed.
    const sweep = await g8boot(['nodes', nwid, '--timeout', '1'], env);
    expect(sweep.stderr).not.toContain('is not on network');
    expect(sweep.stdout).toMatch(/^d569b5a474 +this computer +this-computer +- .* 127\.86\.0\.2 /m);
    expect(first.filter((n) => n.probe === 'ready').length).toBeGreaterThanOrEqual(2);
    expect(first.filter((n) => n.probe === 'auth-required')).toHaveLength(1);
    expect(first.some((n) => !n.authorized)).toBe(true);

    // With the password the demo prints, the node that asked for one is ready too.
    const run = await g8boot(['nodes', nwid, '--json', '--timeout', '1'], { ...env, G8BOOT_REDIS_PASSWORD: started.redisPassword });
    expect((JSON.parse(run.stdout) as { probe: string }[]).filter((n) => n.probe === 'auth-required')).toHaveLength(0);

    // The waiting nodes, once authorized, receive loopback addresses where core0 answers.
    const authorized = await g8boot(['authorize', nwid, '--all-waiting'], env);
    expect(authorized.code, authorized.stderr).toBe(0);
    expect(authorized.stderr).toMatch(/Authorized [0-9a-f]{10} on d569b5a47421c8b7/);
    const later = await eventually('a node authorized now to be ready', async () => {
      const list = await nodes();
      return list.filter((n) => n.probe === 'ready').length > first.filter((n) => n.probe === 'ready').length ? list : undefined;
    });

    // The demo told the story as it happened.
    expect(events.some((e) => e.type === 'joined')).toBe(true);
    expect(events.some((e) => e.type === 'authorized')).toBe(true);
    expect(events.some((e) => e.type === 'address' && e.answers === 'ready')).toBe(true);

    // Every address given out and every address probed is on loopback; nothing met "no route".
    for (const node of later) if (node.ip !== null) expect(node.ip).toMatch(/^127\.86\.0\.\d+$/);
    expect(later.every((n) => n.probe !== 'unreachable')).toBe(true);
    const inventory = JSON.parse(await readFile(join(env.G8BOOT_HOME ?? '', 'data', 'nodes.json'), 'utf8')) as unknown;
    const probed = probedAddresses(inventory);
    expect(probed.length).toBeGreaterThan(3);
    for (const address of probed) expect(address).toMatch(/^127\./);
  }, 90_000);

  test('watch --policy auto-verify keeps the nodes whose core0 answers', async () => {
    const env = started.env;
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, BIN, 'watch', started.networkId, '--policy', 'auto-verify', '--interval', '5', '--json', '--timeout', '1'], {
      cwd: ROOT,
      // An inventory of its own: the nodes waiting now are new to this watch, which authorizes them by policy.
      env: { ...process.env, NO_COLOR: '1', ...env, G8BOOT_HOME: join(home, 'watch') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seen: { type: string; action?: string; nodeId?: string; node?: { nodeId: string; probe?: { state: string } | null } }[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => seen.push(JSON.parse(line) as (typeof seen)[number]));
    try {
      await eventually('auto-verify to authorize a new node and see it ready', async () => {
        const authorizedIds = new Set(seen.filter((e) => e.type === 'policy-action' && e.action === 'authorize').map((e) => e.nodeId));
        return seen.some((e) => e.node && authorizedIds.has(e.node.nodeId) && e.node.probe?.state === 'ready') ? true : undefined;
      }, 45_000);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    // No ready node was thrown out again.
    const readyIds = new Set(seen.filter((e) => e.node?.probe?.state === 'ready').map((e) => e.node?.nodeId));
    expect(seen.filter((e) => e.type === 'policy-action' && e.action === 'deauthorize' && readyIds.has(e.nodeId))).toEqual([]);
  }, 60_000);
});

describe.skipIf(!canUseNamespaces)('what the demo tells a person', () => {
  test('the hint names the commands to try, as `npx g8boot …` with the environment to set', async () => {
    const ns = `${NS}-hint`;
    spawnSync('ip', ['netns', 'add', ns]);
    spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, 'demo'], {
      cwd: ROOT,
      // What `npx g8boot demo` sets.
      env: { ...process.env, npm_command: 'exec', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      await eventually('the hint and the first events', async () => (stderr.includes('Ctrl+C') && stdout.includes('address') ? true : undefined), 20_000);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
      spawnSync('ip', ['netns', 'delete', ns]);
    }
    expect(stderr).toMatch(/^ {2}export ZEROTIER_CENTRAL_URL=http:\/\/127\.0\.0\.1:\d+\/api\/v1 ZEROTIER_CENTRAL_TOKEN=[0-9a-f]+ ZEROTIER_HOME=\S+ G8BOOT_HOME=\S+$/m);
    for (const command of ['zt members', 'nodes', 'authorize', 'watch', 'export']) {
      expect(stderr).toMatch(new RegExp(`^ {2}npx g8boot ${command} d569b5a47421c8b7`, 'm'));
    }
    expect(stdout).toMatch(/^\d\d:\d\d:\d\d {2}joined {6}[0-9a-f]{10} g8os-[0-9a-f]{12}: authorized already$/m);
    expect(stdout).toMatch(/address {5}[0-9a-f]{10} g8os-[0-9a-f]{12} 127\.86\.0\.10; core0 answers on 127\.86\.0\.10:6379: ready/);
    expect(stderr).toContain('g8boot demo: stopped; its temporary ZeroTier home and inventory are gone.');
    // The demo cleaned up its temporary ZeroTier home.
    const home = /ZEROTIER_HOME=(\S+)/.exec(stderr)?.[1] ?? '';
    await expect(readFile(join(home, 'zerotier-one.port'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 40_000);
});

describe.skipIf(!canUseNamespaces)('a demo where another program holds some of its addresses', () => {
  // What a second demo meets: the first one's stand-ins on 127.86.0.11 and up at 6379. Here a program that
  // accepts and never answers holds 127.86.0.11:6379 (127.86.0.10 stays free, as when the first demo's first
  // node was gone).
  const ns = `${NS}-clash`;
  const children: ChildProcess[] = [];
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const startDemoJson = async (extra: string[], events: { type: string; address?: string }[]) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, 'demo', '--json', ...extra], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise<Started>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the demo exited (${code})`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const event = JSON.parse(line) as Started | { type: string; address?: string };
        if (event.type === 'started') resolve(event as Started);
        else events.push(event);
      });
    });
  };

  beforeAll(async () => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    expect(spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
    const holder = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', "require('node:net').createServer(() => {}).listen(6379, '127.86.0.11', () => console.log('held'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise((resolve) => holder.stdout!.once('data', resolve));
  });
  afterAll(async () => {
    for (const child of children.reverse()) await stop(child);
    spawnSync('ip', ['netns', 'delete', ns]);
  });

  test('it answers on a port of its own, so its nodes are its own and ready', async () => {
    const started = await startDemoJson([], []);
    expect(started.redisPort).not.toBe(6379);
    const run = await g8bootIn(ns, ['nodes', started.networkId, '--json', '--timeout', '1', '--redis-port', String(started.redisPort)], started.env);
    expect(run.code, run.stderr).toBe(0);
    const list = JSON.parse(run.stdout) as { ip: string | null; probe: string | null }[];
    expect(list.find((n) => n.ip === '127.86.0.10')?.probe).toBe('ready');
    expect(list.find((n) => n.ip === '127.86.0.11')?.probe).toBe('ready');
  }, 40_000);

  test('with --redis-port on the held port it says so instead of claiming the node answers', async () => {
    const events: { type: string; address?: string }[] = [];
    const started = await startDemoJson(['--redis-port', '6379'], events);
    expect(started.redisPort).toBe(6379);
    await eventually('the demo to tell that 127.86.0.11:6379 is taken', async () => (events.some((e) => e.type === 'taken' && e.address === '127.86.0.11') ? true : undefined), 10_000);
  }, 30_000);
});

/** The built CLI in namespace `ns`. */
function g8bootIn(ns: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!canUseNamespaces)('the demo ends with what started it', () => {
  const ns = `${NS}-alone`;
  beforeAll(() => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    expect(spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'delete', ns]);
  });

  /** Starts the demo under `launcher` (argv before node), resolves with its setup line and a promise of its end. */
  const launch = async (launcher: string[]) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...launcher, process.execPath, BIN, 'demo', '--json'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
    // The demo holds the write end of stdout: the pipe ends when the demo itself has exited.
    const ended = new Promise<void>((resolve) => child.stdout!.once('end', () => resolve()));
    let pid: number | undefined;
    const started = await new Promise<Started>((resolve) =>
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('pid ')) pid = Number(line.slice(4));
        else if (line.includes('"started"')) resolve(JSON.parse(line) as Started);
      }),
    );
    return { child, started, ended, pid: pid ?? child.pid };
  };
  const within = (ms: number, what: Promise<void>) =>
    Promise.race([what.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

  test('the program that started it is killed (as `timeout` or a harness stops npx): the demo stops and cleans up', async () => {
    // Like npx: a shell between the launcher and the demo, which dies without passing the signal on.
    const { child, started, ended, pid } = await launch(['bash', '-c', '"$@" & echo "pid $!"; wait', 'launcher']);
    child.kill('SIGKILL');
    const stopped = await within(10_000, ended);
    // Never leave a demo behind, even when the test fails.
    if (!stopped && pid) process.kill(pid, 'SIGTERM');
    expect(stopped).toBe(true);
    await expect(readFile(join(started.env.ZEROTIER_HOME ?? '', 'zerotier-one.port'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 30_000);

  test('the terminal closes (SIGHUP): the demo stops and cleans up', async () => {
    const { child, started, ended } = await launch([]);
    child.kill('SIGHUP');
    const stopped = await within(10_000, ended);
    if (!stopped) child.kill('SIGKILL');
    expect(stopped).toBe(true);
    await expect(readFile(join(started.env.ZEROTIER_HOME ?? '', 'zerotier-one.port'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 30_000);
});
