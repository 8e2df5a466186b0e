/**
 * `g8boot demo`: the demo network (core/zerotier/simulator/demo.ts, the same one the app's demo mode runs), on
 * this machine only. It prints how to point g8boot at it, the commands to try (in a form that runs as printed),
 * then every join, authorization, address and core0 state as it happens, until Ctrl+C.
 */
import type { Command } from 'commander';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import { InvalidInputError } from '../../common/errors.ts';
import { isLoopbackHost, parseIntInRange, parseListenAddress, quote } from '../../common/validate.ts';
import { print, printJsonLine, say } from '../output.ts';
import { untilStopSignal } from '../stop-signal.ts';

interface DemoFlags {
  listen?: string;
  redisPort?: string;
  joinEvery: string;
  json?: boolean;
}

/** `--listen 127.0.0.1:PORT` or `PORT`: loopback only, since the demo's tokens are printed for anyone to use. */
function parseDemoListen(input: string): { host: string; port: number } {
  const listen = parseListenAddress(input, '--listen');
  if (!isLoopbackHost(listen.host)) {
    throw new InvalidInputError('E_INVALID_LISTEN', `Invalid --listen ${quote(input)}.`, {
      hint: 'Give a loopback address and port, e.g. 127.0.0.1:9994 (the demo prints its tokens, so it only listens on this machine).',
    });
  }
  return listen;
}

/**
 * How the person runs g8boot in another terminal: `npx g8boot` inside the project checkout (what the README
 * says), `g8boot` when it was found on PATH, else the launcher's full path.
 */
export function commandPrefix(argv1 = process.argv[1] ?? '', cwd = process.cwd(), env = process.env): string {
  if (env.npm_command === 'exec') return 'npx g8boot';
  if (basename(argv1) === 'g8boot') return 'g8boot';
  let launcher = argv1;
  try {
    launcher = realpathSync(argv1);
  } catch {
    // Keep the path as given.
  }
  const root = dirname(dirname(launcher));
  const inside = relative(root, cwd);
  if (existsSync(join(root, 'package.json')) && !inside.startsWith('..') && !isAbsolute(inside)) return 'npx g8boot';
  return /^[\w./-]+$/.test(launcher) ? launcher : `'${launcher.replace(/'/g, "'\\''")}'`;
}

function shellAssignments(env: Record<string, string>): string {
  const quoteValue = (value: string) => (/^[\w/.:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`);
  if (process.platform === 'win32') return Object.entries(env).map(([name, value]) => `$env:${name}='${value.replace(/'/g, "''")}'`).join('; ');
  return `export ${Object.entries(env).map(([name, value]) => `${name}=${quoteValue(value)}`).join(' ')}`;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .summary('start here: an offline demo network whose nodes join, get addresses and answer like core0')
    .description(
      'Run a demo ZeroTier network on this machine: the simulator plays ZeroTier Central, this machine\'s ZeroTier\n' +
        'service and the controller; its nodes have loopback addresses (127.86.0.x) where a stand-in for core0\n' +
        'answers, so nothing is sent off this machine. Some nodes are ready, one wants a password, one never\n' +
        'answers, and a new one asks to join every 20 s. Prints the commands to try in another terminal, then\n' +
        'every join, authorization and state as it happens. The app\'s demo mode is the same network.',
    )
    .option('--listen <address>', 'loopback address and port for the simulator, e.g. 127.0.0.1:9994 (default: a free port)')
    .option('--redis-port <port>', "port the nodes' core0 answers on (default: 6379 when free, else a free one)")
    .option('--join-every <seconds>', 'a new node asks to join this often (1 to 3600)', '20')
    .option('--json', 'print the setup, then each event, as JSON lines')
    .action(async (flags: DemoFlags) => {
      const listen = flags.listen === undefined ? undefined : parseDemoListen(flags.listen);
      const redisPort = flags.redisPort === undefined ? { preferred: 6379 } : parseIntInRange(flags.redisPort, '--redis-port', 1, 65535);
      const joinEverySeconds = parseIntInRange(flags.joinEvery, '--join-every', 1, 3600);
      // Listened for before anything starts: a signal or the launcher's end that comes while the demo starts up
      // (or while it prints its first lines) must still stop it with its clean-up, not kill it half-way.
      const stopRequested = Promise.race([untilStopSignal(), untilLeftAlone()]);
      const { startDemo, describeDemoEvent, DEMO_REDIS_PASSWORD } = await import('../../core/zerotier/simulator/demo.ts');
      const demo = await startDemo({ host: listen?.host, port: listen?.port, redisPort, joinEveryMs: joinEverySeconds * 1000, thisComputerJoined: true });
      // The demo's inventory and settings stay with the demo, away from the person's own.
      const env = { ...demo.env, G8BOOT_HOME: join(demo.home, 'g8boot') };
      const nwid = demo.networkId;
      if (flags.json) {
        printJsonLine({ type: 'started', networkId: nwid, env, redisPort: demo.redisPort, core0Answers: demo.core0Answers, redisPassword: DEMO_REDIS_PASSWORD });
      } else {
        const g8boot = commandPrefix();
        const port = demo.redisPort === 6379 ? '' : ` --redis-port ${demo.redisPort}`;
        say(
          [
            `g8boot demo: an offline ZeroTier network on this machine, ${nwid} ("g8boot-demo").`,
            'Its nodes have loopback addresses (127.86.0.x) with a stand-in for core0 on each: nothing leaves this machine.',
            'This computer is a member too (127.86.0.2), as after `g8boot zt join` and its authorization.',
            demo.core0Answers
              ? ''
              : `This system does not let the demo listen on 127.86.0.x, so its nodes will show as refused (on macOS: sudo ifconfig lo0 alias 127.86.0.10 up, and so on).`,
            'In another terminal, in this directory, point g8boot at it:',
            `  ${shellAssignments(env)}`,
            'Then try these (each runs as printed):',
            `  ${g8boot} zt members ${nwid}`,
            `  ${g8boot} nodes ${nwid}${port}`,
            `  ${g8boot} authorize ${nwid} --all-waiting`,
            `  ${g8boot} watch ${nwid} --policy auto-verify --interval 5${port}`,
            `  ${g8boot} export ${nwid} --format csv${port}`,
            `One node's core0 wants a password; with it, that node is ready too:`,
            `  G8BOOT_REDIS_PASSWORD=${DEMO_REDIS_PASSWORD} ${g8boot} nodes ${nwid}${port}`,
            `A new node asks to join every ${joinEverySeconds} s. Ctrl+C stops the demo.`,
            '',
          ]
            .filter((line, i, all) => line !== '' || i === all.length - 1)
            .join('\n'),
        );
      }
      demo.on((event) => {
        if (flags.json) printJsonLine(event);
        else print(`${new Date(event.at).toTimeString().slice(0, 8)}  ${describeDemoEvent(event, demo.redisPort)}`);
      });
      const why = await stopRequested;
      await demo.stop();
      if (why === 'alone') process.exitCode = 130;
      if (!flags.json) say('g8boot demo: stopped; its temporary ZeroTier home and inventory are gone.');
    });
}

/**
 * The demo is a foreground program: it ends with what started it. Closing the terminal (SIGHUP) would otherwise
 * end it without its clean-up (its temporary home left in /tmp), and `timeout … npx g8boot demo` or a test
 * harness that stops npx with SIGTERM ends npx and its shell but not the demo, which then ran on for hours as an
 * orphan holding 127.86.0.x:6379 (and a later demo's hint pointed at it). So: a hang-up, or our parent going
 * away (we are re-parented), stops it like Ctrl+C.
 */
function untilLeftAlone(): Promise<'alone'> {
  const parent = process.ppid;
  return new Promise((resolve) => {
    const done = () => {
      clearInterval(timer);
      process.off('SIGHUP', done);
      resolve('alone');
    };
    const timer = setInterval(() => {
      if (process.ppid !== parent) done();
    }, 500);
    timer.unref();
    process.on('SIGHUP', done);
  });
}
