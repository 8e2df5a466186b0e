/**
 * Text from the network never acts on the terminal: a member whose name, description and version carry escape
 * sequences and bidi overrides, printed by the built CLI (`zt members`, `nodes`, `watch`, `export`), and a
 * User-Agent with a C1 control in `serve`'s log. Everything arrives escaped and still readable.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { terminalSafe, terminalSafeJson, terminalSafeLines } from '../../main/common/terminal-text.ts';
import { startSimulator, type Simulator } from '../../main/core/zerotier/simulator/server.ts';
import { BIN, runCli } from '../helpers/cli.ts';

const NWID = 'd569b5a47421c8b7';
// Set the window title, clear the screen, then a right-to-left override that makes "exe.txt" read "txt.exe".
const EVIL_NAME = 'g8os\x1b]0;pwned\x07\x1b[2J\u202eexe.txt';
// No raw control or format character may reach the terminal (newlines and the tables' spaces aside).
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

describe('the helper', () => {
  test('escapes C0, C1, DEL and bidi/format characters, and nothing else', () => {
    expect(terminalSafe(EVIL_NAME)).toBe('g8os\\x1b]0;pwned\\x07\\x1b[2J\\u202eexe.txt');
    expect(terminalSafe('a\u009b2Jb\u007f\u2066c\u200bd\ufeff')).toBe('a\\x9b2Jb\\x7f\\u2066c\\u200bd\\ufeff');
    expect(terminalSafe('Zoë 節点 — ok\tx\ny')).toBe('Zoë 節点 — ok\\x09x\\x0ay');
    expect(terminalSafeLines('line 1\nline\x1b 2')).toBe('line 1\nline\\x1b 2');
    // CRLF is a line end (CSV); a lone CR would overwrite the line, so it is escaped.
    expect(terminalSafeLines('a,b\r\nc\rd\r\n')).toBe('a,b\r\nc\\x0dd\r\n');
    const json = JSON.stringify({ name: 'a\u202eb\u0085c\x1b' });
    expect(terminalSafeJson(json)).not.toMatch(RAW_UNSAFE);
    expect(JSON.parse(terminalSafeJson(json))).toEqual({ name: 'a\u202eb\u0085c\x1b' });
  });
});

describe('the built CLI', () => {
  let sim: Simulator;
  let home: string;
  let env: Record<string, string>;
  let nodeId: string;

  beforeAll(async () => {
    // A loopback subnet: `nodes` probes the member's address, and nothing may go off this machine.
    sim = await startSimulator({ addressDelayMs: 0, configDelayMs: 0, centralRequestsPerSecond: null, networks: [{ id: NWID, name: 'lab\x1b[31m', subnet: '127.87.0.0/24' }] });
    nodeId = sim.addNode({ authorized: true, name: EVIL_NAME, description: 'desc\x1b[8m', clientVersion: '1.14.1\u009b2J', physicalAddress: '198.51.100.7\x1b[K' });
    home = await mkdtemp(join(tmpdir(), 'g8boot-terminal-'));
    await sim.writeZeroTierHome(join(home, 'zt'));
    env = { ZEROTIER_CENTRAL_URL: sim.centralBase, ZEROTIER_CENTRAL_TOKEN: sim.token, ZEROTIER_HOME: join(home, 'zt'), G8BOOT_HOME: home };
  });
  afterAll(async () => {
    await sim.close();
    await rm(home, { recursive: true, force: true });
  });

  test('zt members and zt networks: names, physical addresses and versions escaped', async () => {
    const table = await runCli(['zt', 'members', NWID], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(RAW_UNSAFE);
    expect(table.stdout).toContain('g8os\\x1b]0;pwned\\x07\\x1b[2J\\u202eexe.txt');
    expect(table.stdout).toContain('198.51.100.7\\x1b[K');
    expect(table.stdout).toContain('1.14.1\\x9b2J');
    const networks = await runCli(['zt', 'networks'], { env });
    expect(networks.stdout).toContain('lab\\x1b[31m');
    expect(networks.stdout).not.toMatch(RAW_UNSAFE);
    // --json stays the same JSON value.
    const json = await runCli(['zt', 'members', NWID, '--json'], { env });
    expect(json.stdout).not.toMatch(RAW_UNSAFE);
    expect((JSON.parse(json.stdout) as { name: string }[])[0]?.name).toBe(EVIL_NAME);
  });

  test('nodes, watch and export print the name escaped', async () => {
    const probe = ['--redis-port', String(20000 + Math.floor(Math.random() * 20000)), '--timeout', '0.5'];
    const nodes = await runCli(['nodes', NWID, ...probe], { env });
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toContain(`${nodeId}  g8os\\x1b]0;pwned\\x07\\x1b[2J\\u202eexe.txt`);
    expect(nodes.stdout).not.toMatch(RAW_UNSAFE);
    const exported = await runCli(['export', NWID, '--format', 'csv', '--cached'], { env });
    // Exports to a pipe or a file are the data itself; only a terminal gets escapes (see printDocument).
    expect(exported.stdout).toContain(EVIL_NAME);
    // At a terminal (a real pty, through util-linux `script`): the name escaped, and CSV's CRLF line ends stay
    // line ends instead of a `\x0d` at the end of every row.
    const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, BIN, 'export', NWID, '--format', 'csv', '--cached'].map(quote).join(' ');
    const atTerminal = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`export at a terminal: exit ${code}\n${out}`))));
    });
    expect(atTerminal).toContain('nodeId,name,');
    expect(atTerminal).toContain('g8os\\x1b]0;pwned\\x07\\x1b[2J\\u202eexe.txt');
    expect(atTerminal).not.toContain('\\x0d');

    const watch = spawn(process.execPath, [BIN, 'watch', NWID, ...probe, '--interval', '5'], {
      // An inventory of its own, so the member is new to it and reported.
      env: { ...process.env, ...env, G8BOOT_HOME: join(home, 'watch') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    watch.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!out.includes('sweep') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise((resolve) => watch.once('exit', resolve));
    watch.kill('SIGTERM');
    await exited;
    expect(out).toContain('(g8os\\x1b]0;pwned\\x07\\x1b[2J\\u202eexe.txt)');
    expect(out).not.toMatch(RAW_UNSAFE);
  });

  test("serve's log escapes what HTTP clients send", async () => {
    const kernels = join(home, 'kernels');
    await mkdir(kernels, { recursive: true });
    await writeFile(join(kernels, 'g8os.efi'), 'kernel');
    const serve = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--kernel-dir', kernels], { env: { ...process.env, G8BOOT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    serve.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const deadline = Date.now() + 10_000;
    while (!/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
    // Raw bytes: HTTP allows 0x80-0xff in header values, and Node reads them as latin1 (0x9b is CSI there).
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end(Buffer.from(`GET /ipxe/8056c2e21c000001 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: iPXE\x9b2J\r\nConnection: close\r\n\r\n`, 'latin1'));
      });
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
    expect(stderr).toContain('iPXE\\x9b2J');
    expect(stderr).not.toMatch(RAW_UNSAFE);
  });
});
