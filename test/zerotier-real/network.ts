/**
 * A real ZeroTier network, offline, in network namespaces this module creates and removes
 * (`/work/shared/tools/zerotier-one-1.14.1/README.md` has the recipe and the measured figures):
 *
 *   <prefix>-u   the underlay: a bridge, no default route (nothing leaves the namespaces)
 *   <prefix>-c   the controller node, "this computer": g8boot runs inside it (`runCliIn`)
 *   <prefix>-mN  members, each in its own namespace, on 10.77.0.0/24 over veth pairs to the bridge
 *
 * The controller is also the only root (a moon file in every node's `moons.d/` before it starts), since the
 * public roots are out of reach. Each node's API listens on the loopback of its own namespace, so everything
 * that talks to a node runs inside that namespace: `ip netns exec` for curl, g8boot and redis-server.
 *
 * Needs root, /dev/net/tun, `ip netns`, curl and redis-server; `zeroTierOneAvailability()` says which is missing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BIN, ROOT, type CliResult } from '../helpers/cli.ts';

const run = promisify(execFile);

/** Where the zerotier-one binary is, or why the suite cannot run here (one line). */
export type Availability = { binary: string } | { skip: string };

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The shared copy `.ci/run` points G8BOOT_ZEROTIER_ONE at, relative to the repository root. */
export const SHARED_ZEROTIER_ONE = '../shared/tools/zerotier-one-1.14.1/zerotier-one';

/**
 * Where a path relative to "the repository root" may be: this checkout's root and, in a git worktree (whose
 * `.git` is a file naming `<main>/.git/worktrees/<name>`), the main checkout's root too.
 */
function repositoryRoots(): string[] {
  const roots = [ROOT];
  try {
    const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(join(ROOT, '.git'), 'utf8'))?.[1]?.trim();
    const main = gitdir ? /^(.*)[/\\]\.git[/\\]worktrees[/\\][^/\\]+$/.exec(gitdir)?.[1] : undefined;
    if (main && resolve(main) !== ROOT) roots.push(resolve(main));
  } catch {
    // a plain checkout (.git is a directory) or no git at all
  }
  return roots;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * G8BOOT_ZEROTIER_ONE (relative paths from the repository root: `.ci/run` points it at ../shared/tools/…),
 * else `zerotier-one` on PATH; with `sharedCopy` (the benchmark), else the shared copy `.ci/run` would use
 * (SHARED_ZEROTIER_ONE, from this checkout's root or the main checkout's). Then the rest the network needs.
 */
export function zeroTierOneAvailability(env: NodeJS.ProcessEnv = process.env, options: { sharedCopy?: boolean } = {}): Availability {
  const fromEnv = env.G8BOOT_ZEROTIER_ONE;
  let binary: string | undefined;
  if (fromEnv) {
    binary = isAbsolute(fromEnv) ? fromEnv : resolve(ROOT, fromEnv);
    if (!executable(binary)) return { skip: `G8BOOT_ZEROTIER_ONE=${fromEnv} is not an executable file (${binary})` };
  } else {
    binary = onPath('zerotier-one');
    const shared = options.sharedCopy ? repositoryRoots().map((root) => resolve(root, SHARED_ZEROTIER_ONE)) : [];
    binary ??= shared.find(executable);
    if (!binary) {
      const looked = ['G8BOOT_ZEROTIER_ONE (unset)', 'zerotier-one on PATH', ...shared].join(', ');
      return { skip: `no zerotier-one: looked at ${looked}; set G8BOOT_ZEROTIER_ONE to a zerotier-one 1.14 binary or put zerotier-one on PATH` };
    }
  }
  if (process.platform !== 'linux') return { skip: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { skip: 'network namespaces need root (run the tests as root)' };
  if (!existsSync('/dev/net/tun')) return { skip: 'no /dev/net/tun (ZeroTier needs a tun device)' };
  for (const tool of ['ip', 'curl', 'redis-server', 'redis-cli']) {
    if (!onPath(tool)) return { skip: `${tool} is not installed (scripts/install-test-deps.sh installs it)` };
  }
  return { binary };
}

export interface ZtNode {
  /** "controller", "m1", "m2", … */
  label: string;
  /** Its network namespace. */
  ns: string;
  /** Its ZeroTier home (identity, authtoken.secret, moons.d, local.conf). */
  home: string;
  /** Its address on the underlay. */
  underlayIp: string;
  /** Its ZeroTier node id (10 hex digits). */
  id: string;
  process: ChildProcess | null;
}

/** One line of `g8boot watch --json` (the fields the journeys and the bench read). */
export interface WatchEvent {
  type: string;
  at: number;
  nodeId?: string;
  action?: string;
  node?: { nodeId: string };
}

export interface RunInOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** A g8boot run in the background (e.g. `watch`, `zt join --wait`): its output so far, and a way to end it. */
export interface BackgroundCli {
  output(): { stdout: string; stderr: string };
  /** Resolves when stdout matches `pattern` (or rejects after `timeoutMs`, with the output so far). */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGINT (as Ctrl+C), then the result. */
  stop(): Promise<CliResult>;
  done: Promise<CliResult>;
}

export interface ZtNetworkHarness {
  controller: ZtNode;
  members: ZtNode[];
  /** A temp dir for g8boot's own data (G8BOOT_HOME), shared by every CLI run of this network. */
  g8bootHome: string;
  /** The environment g8boot gets when it runs as `node` (its ZEROTIER_HOME, G8BOOT_HOME, no Central token). */
  cliEnv(node: ZtNode): NodeJS.ProcessEnv;
  /** Run the built CLI inside a node's namespace, as a person on that computer would. */
  runCliIn(node: ZtNode, args: readonly string[], options?: RunInOptions): Promise<CliResult>;
  startCliIn(node: ZtNode, args: readonly string[], options?: RunInOptions): BackgroundCli;
  /** Call a node's own service API (inside its namespace). */
  api<T = unknown>(node: ZtNode, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Create a private network on the controller with `subnet`'s hosts as the pool; returns its id. */
  createNetwork(subnet: string): Promise<string>;
  /** Poll a node's view of `nwid` until it has an IPv4 address; returns it. */
  waitForAddress(node: ZtNode, nwid: string, timeoutMs?: number): Promise<string>;
  /** A redis-server in `node`'s namespace bound to `address` (its ZeroTier address), stopped by stop(). */
  startRedis(node: ZtNode, address: string, port?: number): Promise<{ stop(): Promise<void> }>;
  /** Kill one node's zerotier-one (it then answers nothing: a probe of it times out). */
  killNode(node: ZtNode): Promise<void>;
  stop(): Promise<void>;
}

const UNDERLAY = '10.77.0';
const LOCAL_CONF = { settings: { portMappingEnabled: false, allowTcpFallbackRelay: false, allowSecondaryPort: false } };

async function ip(...args: string[]): Promise<void> {
  await run('ip', args, { timeout: 10_000 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await sleep(everyMs);
  }
}

async function endProcess(child: ChildProcess | null, graceMs = 2000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // SIGTERM sometimes aborts zerotier-one 1.14.1 ("terminate called without an active exception"): harmless.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Start a controller and `memberCount` members (services running, identities known, nothing joined yet).
 * Everything it made is removed by stop(), also when the start fails half-way.
 */
export async function startZeroTierNetwork(binary: string, memberCount: number): Promise<ZtNetworkHarness> {
  const prefix = `g8zt${process.pid}${Math.random().toString(36).slice(2, 6)}`;
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const underlayNs = `${prefix}-u`;
  const created: string[] = [];
  const nodes: ZtNode[] = [];
  const background = new Set<ChildProcess>();
  const g8bootHome = join(root, 'g8boot');

  const stop = async () => {
    await Promise.all([...background].map((child) => endProcess(child, 1000)));
    await Promise.all(nodes.map((node) => endProcess(node.process)));
    for (const ns of created.reverse()) await ip('netns', 'del', ns).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };

  try {
    await mkdir(g8bootHome);
    await ip('netns', 'add', underlayNs);
    created.push(underlayNs);
    await ip('-n', underlayNs, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', underlayNs, 'link', 'set', 'br0', 'up');

    const labels = ['controller', ...Array.from({ length: memberCount }, (_, i) => `m${i + 1}`)];
    for (const [index, label] of labels.entries()) {
      const ns = `${prefix}-${label === 'controller' ? 'c' : label}`;
      const home = join(root, label);
      const underlayIp = `${UNDERLAY}.${index + 1}`;
      await ip('netns', 'add', ns);
      created.push(ns);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      // The veth pair is made in the underlay namespace and one end moved: no interface ever touches the host's.
      await ip('-n', underlayNs, 'link', 'add', `v${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ip('-n', underlayNs, 'link', 'set', `v${index}`, 'master', 'br0', 'up');
      await ip('-n', ns, 'addr', 'add', `${underlayIp}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      await mkdir(join(home, 'moons.d'), { recursive: true });
      await writeFile(join(home, 'local.conf'), JSON.stringify(LOCAL_CONF));
      await run(binary, ['-i', 'generate', join(home, 'identity.secret'), join(home, 'identity.public')], { timeout: 20_000 });
      const id = (await readFile(join(home, 'identity.public'), 'utf8')).slice(0, 10);
      nodes.push({ label, ns, home, underlayIp, id, process: null });
    }
    const [controller, ...members] = nodes as [ZtNode, ...ZtNode[]];

    // The controller as the only root: a moon whose stable endpoint is its underlay address.
    const moonDir = join(root, 'moon');
    await mkdir(moonDir);
    const { stdout: moonJson } = await run(binary, ['-i', 'initmoon', join(controller.home, 'identity.public')], { timeout: 10_000 });
    const moon = JSON.parse(moonJson) as { id: string; roots: { stableEndpoints: string[] }[] };
    moon.roots[0]!.stableEndpoints = [`${controller.underlayIp}/9993`];
    await writeFile(join(moonDir, 'moon.json'), JSON.stringify(moon));
    await run(binary, ['-i', 'genmoon', 'moon.json'], { cwd: moonDir, timeout: 10_000 });
    const moonFile = `${moon.id.padStart(16, '0')}.moon`;
    for (const node of nodes) await copyFile(join(moonDir, moonFile), join(node.home, 'moons.d', moonFile));

    for (const node of nodes) {
      const log = join(node.home, 'service.log');
      writeFileSync(log, '');
      const child = spawn('ip', ['netns', 'exec', node.ns, binary, '-U', node.home], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (chunk: Buffer) => writeFileSync(log, chunk, { flag: 'a' }));
      child.on('error', () => undefined);
      node.process = child;
    }
    // Up when it answers /status with its token (the token and port files are written at start).
    await Promise.all(nodes.map((node) => until(`zerotier-one in ${node.ns} answering`, 20_000, async () => (await api(node, 'GET', '/status')).status === 200 || undefined)));

    function cliEnv(node: ZtNode): NodeJS.ProcessEnv {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ZEROTIER_HOME: node.home, G8BOOT_HOME: g8bootHome };
      delete env.ZEROTIER_CENTRAL_TOKEN;
      delete env.ZEROTIER_CENTRAL_URL;
      return env;
    }

    function spawnCliIn(node: ZtNode, args: readonly string[], options: RunInOptions) {
      const child = spawn('ip', ['netns', 'exec', node.ns, process.execPath, BIN, ...args], {
        cwd: ROOT,
        env: { ...cliEnv(node), ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      background.add(child);
      let stdout = '';
      let stderr = '';
      const listeners = new Set<() => void>();
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        for (const listener of listeners) listener();
      });
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const done = new Promise<CliResult>((resolveDone) =>
        child.on('close', (code) => {
          background.delete(child);
          resolveDone({ code, stdout, stderr });
        }),
      );
      return { child, done, listeners, output: () => ({ stdout, stderr }) };
    }

    async function runCliIn(node: ZtNode, args: readonly string[], options: RunInOptions = {}): Promise<CliResult> {
      const { child, done } = spawnCliIn(node, args, options);
      const timeoutMs = options.timeoutMs ?? 30_000;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await done;
      clearTimeout(timer);
      if (result.code === null) throw new Error(`g8boot ${args.join(' ')} (in ${node.ns}) did not finish in ${timeoutMs} ms\n${result.stdout}\n${result.stderr}`);
      return result;
    }

    function startCliIn(node: ZtNode, args: readonly string[], options: RunInOptions = {}): BackgroundCli {
      const { child, done, listeners, output } = spawnCliIn(node, args, options);
      return {
        output,
        done,
        waitFor(pattern, timeoutMs) {
          return new Promise((resolveWait, rejectWait) => {
            const check = () => {
              const match = output().stdout.match(pattern);
              if (!match) return;
              finish();
              resolveWait(match);
            };
            const finish = () => {
              clearTimeout(timer);
              listeners.delete(check);
            };
            const timer = setTimeout(() => {
              finish();
              const { stdout, stderr } = output();
              rejectWait(new Error(`g8boot ${args.join(' ')}: no ${pattern} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
            }, timeoutMs);
            listeners.add(check);
            void done.then(() => {
              check();
              if (!output().stdout.match(pattern)) {
                finish();
                rejectWait(new Error(`g8boot ${args.join(' ')} ended before ${pattern}\nstdout:\n${output().stdout}\nstderr:\n${output().stderr}`));
              }
            });
            check();
          });
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          const result = await done;
          clearTimeout(timer);
          return result;
        },
      };
    }

    async function createNetwork(subnet: string): Promise<string> {
      const [base, bits] = subnet.split('/');
      if (bits !== '24' || !base) throw new Error('createNetwork takes a /24');
      const prefix24 = base.split('.').slice(0, 3).join('.');
      const { status, body } = await api<{ id: string }>(controller, 'POST', `/controller/network/${controller.id}______`, {
        name: 'g8boot-real-zt',
        private: true,
        v4AssignMode: { zt: true },
        ipAssignmentPools: [{ ipRangeStart: `${prefix24}.10`, ipRangeEnd: `${prefix24}.250` }],
        routes: [{ target: subnet, via: null }],
      });
      if (status !== 200 || !body.id) throw new Error(`creating a network failed: HTTP ${status} ${JSON.stringify(body)}`);
      return body.id;
    }

    async function waitForAddress(node: ZtNode, nwid: string, timeoutMs = 30_000): Promise<string> {
      return until(`${node.label} getting an address on ${nwid}`, timeoutMs, async () => {
        const { status, body } = await api<{ status?: string; assignedAddresses?: string[] }>(node, 'GET', `/network/${nwid}`);
        if (status !== 200) return undefined;
        const v4 = body.assignedAddresses?.find((a) => /^\d+\.\d+\.\d+\.\d+\//.test(a));
        return v4?.split('/')[0];
      }, 200);
    }

    async function startRedis(node: ZtNode, address: string, port = 6379): Promise<{ stop(): Promise<void> }> {
      const child = spawn(
        'ip',
        ['netns', 'exec', node.ns, 'redis-server', '--bind', address, '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      background.add(child);
      child.on('exit', () => background.delete(child));
      // Ready when it answers PING from inside its own namespace.
      await until(`redis-server on ${address}:${port} in ${node.ns}`, 10_000, async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        const { stdout } = await run('ip', ['netns', 'exec', node.ns, 'redis-cli', '-h', address, '-p', String(port), 'ping'], { timeout: 3000 }).catch(() => ({ stdout: '' }));
        return stdout.trim() === 'PONG' || undefined;
      });
      return { stop: () => endProcess(child) };
    }

    async function killNode(node: ZtNode): Promise<void> {
      node.process?.kill('SIGKILL');
      if (node.process && node.process.exitCode === null && node.process.signalCode === null) await once(node.process, 'exit');
    }

    return { controller, members, g8bootHome, cliEnv, runCliIn, startCliIn, api, createNetwork, waitForAddress, startRedis, killNode, stop };
  } catch (error) {
    const logs = nodes.map((n) => `${n.label}: ${existsSync(join(n.home, 'service.log')) ? readFileSync(join(n.home, 'service.log'), 'utf8').slice(-500) : ''}`);
    await stop();
    throw new Error(`starting the ZeroTier network failed: ${error instanceof Error ? error.message : String(error)}\n${logs.join('\n')}`, { cause: error });
  }
}

/** Call a node's local service through curl inside its namespace (the API listens on that namespace's loopback). */
async function api<T = unknown>(node: ZtNode, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const token = (await readFile(join(node.home, 'authtoken.secret'), 'utf8')).trim();
  const port = (await readFile(join(node.home, 'zerotier-one.port'), 'utf8')).trim();
  // The token goes in a header file, not on curl's command line.
  const headerFile = join(node.home, '.g8boot-test-auth-header');
  if (!existsSync(headerFile)) writeFileSync(headerFile, `X-ZT1-Auth: ${token}\n`, { mode: 0o600 });
  const args = ['netns', 'exec', node.ns, 'curl', '-sS', '-m', '5', '-H', `@${headerFile}`, '-X', method, '-w', '\n%{http_code}'];
  if (body !== undefined) args.push('-H', 'content-type: application/json', '--data-binary', JSON.stringify(body));
  args.push(`http://127.0.0.1:${port}${path}`);
  const { stdout } = await run('ip', args, { timeout: 10_000 });
  const cut = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, cut);
  const status = Number(stdout.slice(cut + 1));
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status, body: parsed as T };
}

/**
 * Wait until `address:port` answers from inside `node`'s namespace — a connection accepted or refused, either
 * way the ZeroTier path carries packets (for ~5 s after a node gets its address it does not yet).
 */
export async function waitUntilReachable(node: ZtNode, address: string, port = 6379, timeoutMs = 20_000): Promise<void> {
  await until(`${address}:${port} reachable from ${node.ns}`, timeoutMs, async () => {
    const answer = await run('ip', ['netns', 'exec', node.ns, 'timeout', '1', 'bash', '-c', `exec 3<>/dev/tcp/${address}/${port}`], { timeout: 5000 }).then(
      () => 'accepted',
      (error: { stderr?: string }) => (/refused/i.test(error.stderr ?? '') ? 'refused' : undefined),
    );
    return answer;
  }, 250);
}
