/**
 * Node commands: `nodes` (one sweep of a network: every member, its core0 Redis probed; or a live table),
 * `watch` (the headless monitor, one event per line, authorizing by policy) and `export` (JSON, CSV or an AYS
 * blueprint). Each sweep also updates the node inventory (`<data>/nodes.json`, G8BOOT_HOME/data in tests).
 *
 * The Redis password (core0's JWT) comes from G8BOOT_REDIS_PASSWORD or a file, never from a flag: the process
 * list shows every user the command lines of all processes. It goes only over TLS whose certificate is the one
 * trusted for the node (first seen, kept in the inventory), or over plain text with --allow-plaintext-password.
 * `trust` accepts a node's new certificate after "certificate changed", or pins one.
 */
import { Option, type Command } from 'commander';
import { G8bootError, InvalidInputError } from '../../common/errors.ts';
import { isNodeState, NODE_STATES } from '../../common/node-states.ts';
import {
  DEFAULT_PROBE_CONCURRENCY,
  isCredentialState,
  needsCredentials,
  PROBE_STATE_WORDS,
  PROBE_STATES,
  type AuthorizationPolicy,
  type ExportFormat,
  type MonitorEvent,
  type NodeRecord,
  type ProbeState,
} from '../../common/nodes.ts';
import { parseFingerprint, parseIntInRange, parseNetworkId, parseNodeId, quote } from '../../common/validate.ts';
import { writeFileAtomic } from '../../core/atomic-file.ts';
import type { ThisMachine } from '../../common/ipc.ts';
import type { MonitorProbeOptions, NodeMonitor, RedisCredentials } from '../../core/nodes/index.ts';
import { print, printDocument, printJson, printJsonLine, printTable, say } from '../output.ts';
import { untilStopSignal } from '../stop-signal.ts';
import { withController, withControllerOptions, type ControllerOptions } from './zt.ts';

interface ProbeFlags {
  redisPort: string;
  timeout: string;
  concurrency: string;
  redisPasswordFile?: string;
  allowPlaintextPassword?: boolean;
  /** Gone: replaced by per-node trust (`g8boot trust`); refused with a hint. */
  tlsFingerprint?: string;
}

interface NodesFlags extends ControllerOptions, ProbeFlags {
  deep?: boolean;
  watch?: boolean;
  interval: string;
}

interface WatchFlags extends ControllerOptions, ProbeFlags {
  policy: string;
  interval: string;
  verifyWithin: string;
  deep?: boolean;
}

interface TrustFlags extends ControllerOptions {
  fingerprint?: string;
}

interface ExportFlags extends ControllerOptions, ProbeFlags {
  format: string;
  output?: string;
  cached?: boolean;
  state?: string;
}

function withProbeOptions(command: Command): Command {
  return command
    .option('--redis-port <port>', "core0's Redis port", '6379')
    .option('--timeout <seconds>', 'deadline of each probe (decimals allowed)', '3')
    .option('--concurrency <n>', 'nodes probed at once (open sockets)', String(DEFAULT_PROBE_CONCURRENCY))
    .option('--redis-password-file <path>', "file holding core0's Redis password (its JWT); default: env G8BOOT_REDIS_PASSWORD. Sent only over TLS with the node's trusted certificate")
    .option('--allow-plaintext-password', 'also send the password to Redis over unencrypted connections (only on a network whose path you trust)')
    .addOption(new Option('--tls-fingerprint <sha256>').hideHelp());
}

/** A duration flag in `unit` (decimals allowed), as milliseconds. */
function parseDuration(input: string, what: string, unit: 'seconds' | 'minutes', min: number, max: number): number {
  const value = Number(input.trim());
  if (input.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidInputError('E_INVALID_NUMBER', `Invalid ${what} ${quote(input)}: expected ${unit} from ${min} to ${max}.`);
  }
  return Math.round(value * (unit === 'seconds' ? 1000 : 60_000));
}

/** The password (read once, before anything is probed: a bad file is exit 2 with nothing done) and the plain-text choice. */
async function redisCredentials(flags: ProbeFlags): Promise<RedisCredentials> {
  const { readPasswordFile } = await import('../../core/nodes/index.ts');
  const password = flags.redisPasswordFile === undefined ? passwordFromEnvironment() : await readPasswordFile(flags.redisPasswordFile);
  return { password, allowPlaintextPassword: flags.allowPlaintextPassword === true };
}

/**
 * G8BOOT_REDIS_PASSWORD as the file is read: surrounding whitespace (a pasted line end, `\r` from a Windows file)
 * is not part of a JWT, and would only make core0 refuse it. Two lines are a mistake; the message never quotes it.
 */
function passwordFromEnvironment(): string | undefined {
  const password = process.env.G8BOOT_REDIS_PASSWORD?.trim();
  if (!password) return undefined;
  if (/[\r\n]/.test(password)) {
    throw new InvalidInputError('E_REDIS_PASSWORD', 'G8BOOT_REDIS_PASSWORD holds more than one line.', {
      hint: "Put only core0's password (its JWT) in it, or use --redis-password-file.",
    });
  }
  return password;
}

async function probeSettings(flags: ProbeFlags): Promise<{ redisPort: number; probe: MonitorProbeOptions; credentials: RedisCredentials }> {
  if (flags.tlsFingerprint !== undefined) {
    throw new InvalidInputError('E_USAGE', '--tls-fingerprint is gone: every node now has its own trusted certificate.', {
      hint: 'g8boot remembers the first certificate each node presents; pin one with `g8boot trust <nwid> <node-id> --fingerprint <sha256>`.',
    });
  }
  const redisPort = parseIntInRange(flags.redisPort, '--redis-port', 1, 65535);
  const timeoutMs = parseDuration(flags.timeout, '--timeout', 'seconds', 0.1, 120);
  const concurrency = parseIntInRange(flags.concurrency, '--concurrency', 1, 4096);
  return { redisPort, probe: { timeoutMs, connectTimeoutMs: Math.min(timeoutMs, 2000), concurrency }, credentials: await redisCredentials(flags) };
}

function parsePolicy(input: string): AuthorizationPolicy {
  const value = input.trim().toLowerCase();
  if (value === 'manual' || value === 'auto' || value === 'auto-verify') return value;
  throw new InvalidInputError('E_INVALID_POLICY', `Unknown policy ${quote(input)}.`, {
    hint: 'manual: report nodes that ask to join; auto: authorize every new node; auto-verify: authorize, and deauthorize again when its Redis does not answer in time.',
  });
}

function parseFormat(input: string): ExportFormat {
  const value = input.trim().toLowerCase();
  if (value === 'json' || value === 'csv' || value === 'blueprint') return value;
  throw new InvalidInputError('E_INVALID_FORMAT', `Unknown export format ${quote(input)}.`, { hint: 'Use --format json, csv or blueprint.' });
}

const isProbeState = (value: string): value is ProbeState => (PROBE_STATES as readonly string[]).includes(value);

/**
 * `--state`: lifecycle states (ready, waiting, degraded…) and, for finer choices, probe outcomes (refused,
 * auth-required…). A node matches when its state or its last probe's outcome is listed.
 */
function parseStates(input: string | undefined): ((node: NodeRecord) => boolean) | null {
  if (input === undefined) return null;
  const states = input.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = states.find((s) => !isNodeState(s) && !isProbeState(s));
  if (unknown !== undefined || states.length === 0) {
    throw new InvalidInputError('E_INVALID_STATE', `Unknown node state ${quote(unknown ?? input)}.`, {
      hint: `States: ${NODE_STATES.join(', ')}; or what the last probe found: ${PROBE_STATES.join(', ')}.`,
    });
  }
  const wanted = new Set<string>(states);
  return (node) => wanted.has(node.state) || (node.probe !== null && wanted.has(node.probe.state));
}

interface MonitorChoices {
  deep?: boolean | undefined;
  intervalMs?: number | undefined;
  policy?: AuthorizationPolicy | undefined;
  verifyWithinMs?: number | undefined;
}

/**
 * This computer's ZeroTier node as the monitor last asked (before each sweep): it is marked "this computer" among
 * the members, and `offNetwork()` says in words when this computer is not on the network (and what to run).
 */
interface ThisComputerView {
  offNetwork(): string | null;
}

/** A monitor on the network the flags name, stopped (its sweep finished) when `run` is done. */
async function withMonitor<T>(
  networkArg: string,
  flags: ProbeFlags & ControllerOptions,
  choices: MonitorChoices,
  run: (monitor: NodeMonitor, here: ThisComputerView) => Promise<T>,
): Promise<T> {
  const networkId = parseNetworkId(networkArg);
  const { redisPort, probe, credentials } = await probeSettings(flags);
  const [{ createMonitor }, { createConfStore }, { readThisComputer }, { thisComputerOffNetwork, isKnownOffNetwork }] = await Promise.all([
    import('../../core/nodes/index.ts'),
    import('../../core/store/index.ts'),
    import('../../core/zerotier/index.ts'),
    import('../../common/this-computer.ts'),
  ]);
  const log = (line: string) => say(`g8boot: ${line}`);
  let machine: ThisMachine | null = null;
  const here: ThisComputerView = { offNetwork: () => (machine ? thisComputerOffNetwork(machine, networkId) : null) };
  return withController(flags, async (controller) => {
    const monitor = createMonitor({
      controller,
      networkId,
      store: createConfStore({ log }),
      log,
      redisPort,
      probe: { ...probe, deep: choices.deep },
      credentials: () => credentials,
      intervalMs: choices.intervalMs,
      policy: choices.policy,
      verifyWithinMs: choices.verifyWithinMs,
      // Only `watch` runs a policy; a listing (`nodes`, `export`) never authorizes or deauthorizes anything.
      actsOnPolicy: choices.policy !== undefined,
      thisComputer: async () => (machine = await readThisComputer({ ztHome: flags.ztHome }, networkId)).address,
      // Off the network, nothing reaches the nodes: their last known states stay (marked not re-checked).
      offNetwork: () => isKnownOffNetwork(machine, networkId),
    });
    try {
      return await run(monitor, here);
    } finally {
      await monitor.stop();
    }
  });
}

/** What scripts get for a node (`nodes --json`): the contract fields first. */
function nodeSummary(node: NodeRecord) {
  return {
    nodeId: node.nodeId,
    name: node.name,
    authorized: node.authorized,
    ip: node.ip,
    state: node.state,
    thisComputer: node.thisComputer,
    probe: node.probe?.state ?? null,
    tls: node.probe?.tls ?? null,
    latencyMs: node.probe?.latencyMs ?? null,
    core0Version: node.probe?.core0Version ?? null,
    detail: node.probe?.detail ?? null,
    /** SHA-256 of the TLS certificate the node presented in its last probe (for cert-changed: the new one). */
    certificate: node.probe?.certificate ?? null,
    /** The certificate trusted for the node: first seen (`first-use`) or trusted by the person (`person`). */
    trustedCertificate: node.trustedCertificate ?? null,
    online: node.online,
    ips: node.ips,
    description: node.description,
    physicalAddress: node.physicalAddress,
    clientVersion: node.clientVersion,
    firstSeen: node.firstSeen,
    lastSeen: node.lastSeen,
    creationTime: node.creationTime,
    appearedAt: node.appearedAt,
    addressSince: node.addressSince,
    vmHint: node.vmHint,
  };
}

function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function printNodes(nodes: readonly NodeRecord[]): void {
  printTable(
    ['NODE ID', 'NAME', 'STATE', 'PROBE', 'TLS', 'LATENCY', 'IP', 'ONLINE', 'CORE0 / DETAIL'],
    nodes.map((n) => [
      n.nodeId,
      n.name || '-',
      n.state,
      n.probe ? stateCell(n.probe.state) : '-',
      n.probe?.tls == null ? '-' : n.probe.tls ? 'tls' : 'plain',
      n.probe?.latencyMs == null ? '-' : `${n.probe.latencyMs} ms`,
      n.ip ?? n.ips[0] ?? '-',
      n.online ? 'online' : 'offline',
      shorten(n.probe?.core0Version ?? n.probe?.detail ?? '-'),
    ]),
  );
}

/** The state token, and for a credential or trust problem its words too: these need the person. */
function stateCell(state: ProbeState): string {
  return isCredentialState(state) ? `${state} (${PROBE_STATE_WORDS[state].label.toLowerCase()})` : state;
}

/**
 * auto-verify checks a `watch` (or the app) left under way: a listing only mentions them (stderr); the policy
 * is carried out by whoever runs it next.
 */
function pendingVerificationAdvice(monitor: NodeMonitor): void {
  for (const check of monitor.pendingVerifications()) {
    const by = new Date(check.deadline).toLocaleTimeString();
    const within = check.withinMs === null ? '' : ` (within ${Number((check.withinMs / 1000).toFixed(1))} s of its authorization)`;
    const when = check.deadline <= Date.now() ? `had until ${by}${within} and has not been verified` : `must answer by ${by}${within}`;
    say(
      `g8boot: auto-verify is checking ${check.nodeId}: its Redis ${when}. \`nodes\` only lists; the next \`g8boot watch --policy auto-verify\` (or the app) finishes the check and deauthorizes the node if its Redis does not answer.`,
    );
  }
}

/** After a table: what to do about nodes with a credential or trust problem (stderr; stdout stays data). */
function credentialAdvice(nodes: readonly NodeRecord[], networkId: string): void {
  for (const node of nodes) {
    const state = node.probe?.state;
    if (!needsCredentials(node) || !isCredentialState(state)) continue;
    const id = node.nodeId;
    switch (state) {
      case 'cert-changed':
        say(`g8boot: CERTIFICATE CHANGED on ${id}: nothing was sent to it. If you know why (core0 reinstalled), trust the new one: g8boot trust ${networkId} ${id}`);
        break;
      case 'auth-required':
        say(`g8boot: ${id} wants a password: set G8BOOT_REDIS_PASSWORD or --redis-password-file (core0's JWT).`);
        break;
      case 'auth-failed':
        say(`g8boot: ${id} refused the password: check it (an expired JWT?).`);
        break;
      case 'auth-plaintext':
        say(`g8boot: ${id} asks for a password over an unencrypted connection; nothing was sent. Only if you trust the path: --allow-plaintext-password.`);
        break;
    }
  }
}

function describeEvent(event: MonitorEvent): string {
  const time = new Date(event.at).toISOString();
  switch (event.type) {
    case 'policy-action':
      return `${time} ${event.action} ${event.nodeId}: ${event.reason}`;
    case 'monitor-stale':
      return `${time} ZeroTier API failed (${event.error.message}); showing the last known state, retrying in ${Math.round(event.retryInMs / 1000)} s`;
    case 'monitor-recovered':
      return `${time} ZeroTier API answers again`;
    case 'sweep':
      return `${time} sweep: ${event.nodes} nodes in ${event.durationMs} ms`;
    case 'sweep-progress':
      return `${time} sweep under way: ${event.done} of ${event.total} nodes checked`;
    case 'node-credential-problem': {
      const { node } = event;
      const state = node.probe?.state ?? 'auth-required';
      const words = isCredentialState(state) ? PROBE_STATE_WORDS[state].label.toUpperCase() : state;
      return `${time} ${event.type} ${node.nodeId}${node.name ? ` (${node.name})` : ''} ${words}: ${node.probe?.detail ?? ''}`;
    }
    default: {
      const { node } = event;
      const where = node.ip ?? node.ips[0] ?? 'no address';
      const probe = node.probe ? `${node.probe.state}: ${node.probe.detail}` : 'not probed yet';
      return `${time} ${event.type} ${node.nodeId}${node.name ? ` (${node.name})` : ''} ${node.state}, ${where}, ${probe}`;
    }
  }
}

async function writeOutput(path: string, text: string): Promise<void> {
  const { outputWriteError } = await import('../../core/output-path.ts');
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw outputWriteError(error, path);
  }
}

export function registerNodeCommands(program: Command): void {
  withProbeOptions(
    withControllerOptions(
      program
        .command('nodes')
        .description(`every node of a network with core0's Redis probed, and where each stands: ${NODE_STATES.join(', ')}`)
        .argument('<nwid>', 'network id (16 hex digits)')
        .option('--deep', 'also ask core0 itself (core.ping) on nodes whose Redis answers')
        .option('--watch', 'keep sweeping: a live table in a terminal (Ctrl+C to stop), else one table (or JSON line) per sweep')
        .option('--interval <seconds>', 'with --watch, seconds between sweeps (5 to 300)', '30'),
    ),
  ).action(async (networkArg: string, flags: NodesFlags) => {
    const intervalMs = parseIntInRange(flags.interval, '--interval', 5, 300) * 1000;
    // A watcher listens for Ctrl-C/SIGTERM before its first line (see serve); a single sweep keeps Ctrl-C's default.
    const stopSignal = flags.watch ? untilStopSignal() : null;
    await withMonitor(networkArg, flags, { deep: flags.deep, intervalMs }, async (monitor, here) => {
      if (!flags.watch) {
        const nodes = await monitor.sweepNow();
        if (flags.json) {
          printJson(nodes.map(nodeSummary));
          return pendingVerificationAdvice(monitor);
        }
        const off = here.offNetwork();
        if (nodes.length === 0) say(`Network ${monitor.status().networkId} has no members yet.`);
        else printNodes(nodes);
        if (off) say(`g8boot: ${off}`);
        pendingVerificationAdvice(monitor);
        return credentialAdvice(nodes, monitor.status().networkId);
      }
      const live = process.stdout.isTTY === true && !flags.json;
      monitor.on((event) => {
        if (event.type === 'monitor-stale') say(describeEvent(event));
        // The live table also redraws while a sweep runs: answering nodes show at once, hanging ones at their deadline.
        const progress = event.type === 'sweep-progress' && live;
        if (event.type !== 'sweep' && !progress) return;
        const nodes = monitor.nodes();
        if (flags.json) return printJsonLine(nodes.map(nodeSummary));
        // Home and clear, then the table: a live view that keeps no state about what is on the screen.
        if (live) process.stdout.write('\x1b[H\x1b[2J');
        printNodes(nodes);
        if (event.type === 'sweep-progress') return say(`${new Date(event.at).toLocaleTimeString()}: checking… ${event.done} of ${event.total} nodes so far. Ctrl+C to stop.`);
        credentialAdvice(nodes, monitor.status().networkId);
        const off = here.offNetwork();
        if (off) say(`g8boot: ${off}`);
        say(`${new Date(event.at).toLocaleTimeString()}: ${event.nodes} nodes in ${event.durationMs} ms, every ${intervalMs / 1000} s. Ctrl+C to stop.`);
      });
      monitor.start();
      await stopSignal;
    });
  });

  withProbeOptions(
    withControllerOptions(
      program
        .command('watch')
        .description('monitor a network: report joins, addresses, Redis ready/degraded, lost/back; authorize by policy (Ctrl+C or SIGTERM to stop)')
        .argument('<nwid>', 'network id (16 hex digits)')
        .option('--policy <policy>', 'manual (report only), auto (authorize every new node) or auto-verify (authorize, deauthorize again when Redis does not answer in time)', 'manual')
        .option('--interval <seconds>', 'seconds between sweeps (5 to 300); 5 s while a node is expected', '30')
        .option('--verify-within <minutes>', 'auto-verify: minutes Redis has to answer after the authorization', '5')
        .option('--deep', 'also ask core0 itself (core.ping) on nodes whose Redis answers'),
    ),
  ).action(async (networkArg: string, flags: WatchFlags) => {
    const policy = parsePolicy(flags.policy);
    const intervalMs = parseIntInRange(flags.interval, '--interval', 5, 300) * 1000;
    const verifyWithinMs = parseDuration(flags.verifyWithin, '--verify-within', 'minutes', 0.1, 1440);
    const stopSignal = untilStopSignal();
    await withMonitor(networkArg, flags, { deep: flags.deep, intervalMs, policy, verifyWithinMs }, async (monitor, here) => {
      let saidOff: string | null = null;
      const { networkId } = monitor.status();
      const report = (event: MonitorEvent) => {
        if (flags.json) printJsonLine(event);
        else print(describeEvent(event));
        // A password or trust problem needs the person: say what to do (stderr; stdout stays one event a line).
        if (event.type === 'node-credential-problem') credentialAdvice([event.node], networkId);
      };
      // Events are changes against the inventory, which other runs (`nodes`, the app) keep too: a problem they
      // saw first raises none here. Whoever starts watch must still hear of it, once, with the first sweep.
      const reported = new Set<string>();
      let firstSweep = true;
      monitor.on((event) => {
        // What changed, one line each; a sweep's progress is for live tables, not for this log.
        if (event.type === 'sweep-progress') return;
        if (event.type === 'node-credential-problem') reported.add(event.node.nodeId);
        if (event.type === 'sweep' && firstSweep) {
          firstSweep = false;
          for (const node of monitor.nodes()) {
            if (needsCredentials(node) && !reported.has(node.nodeId)) report({ type: 'node-credential-problem', at: event.at, node });
          }
        }
        report(event);
        // Whether this computer can reach the nodes, said when it changes (not on every sweep).
        if (event.type !== 'sweep') return;
        const off = here.offNetwork();
        if (off !== saidOff && (off !== null || saidOff !== null)) say(`g8boot: ${off ?? 'This computer is on the network now: its nodes can be reached.'}`);
        saidOff = off;
      });
      say(`g8boot: watching ${networkId}, policy ${policy}, every ${intervalMs / 1000} s. Ctrl+C to stop.`);
      monitor.start();
      await stopSignal;
      say('g8boot: stopping after the current sweep.');
    });
  });

  withProbeOptions(
    withControllerOptions(
      program
        .command('export')
        .description('export the nodes of a network: JSON, CSV, or an AYS blueprint (node.g8os__<nodeId>: redisAddr, redisPort)')
        .argument('<nwid>', 'network id (16 hex digits)')
        .requiredOption('--format <format>', 'json, csv or blueprint')
        .option('-o, --output <file>', 'write to this file ("-" or none: standard output); only a regular file is replaced')
        .option('--state <states>', 'only nodes in these states (or with these probe outcomes), comma-separated (e.g. ready)')
        .option('--cached', 'export the inventory as last seen, without asking ZeroTier or probing'),
    ),
  ).action(async (networkArg: string, flags: ExportFlags) => {
    const format = parseFormat(flags.format);
    const states = parseStates(flags.state);
    const networkId = parseNetworkId(networkArg);
    // The output path is checked before the sweep: a bad path must not cost a sweep nor change the inventory.
    const toFile = flags.output !== undefined && flags.output !== '-';
    const outputPath = toFile ? await (await import('../../core/output-path.ts')).checkOutputPath(flags.output!, { example: `nodes.${format === 'blueprint' ? 'yaml' : format}`, image: false }) : undefined;
    const { createInventory, exportNodes } = await import('../../core/nodes/index.ts');
    let nodes: NodeRecord[];
    if (flags.cached) {
      const { createConfStore } = await import('../../core/store/index.ts');
      const log = (line: string) => say(`g8boot: ${line}`);
      nodes = createInventory(createConfStore({ log }), networkId, { log }).list();
    } else {
      nodes = await withMonitor(networkId, flags, {}, (monitor) => monitor.sweepNow());
    }
    const selected = states ? nodes.filter(states) : nodes;
    const text = exportNodes(selected, format);
    if (outputPath === undefined) return printDocument(text);
    await writeOutput(outputPath, text);
    say(`Exported ${selected.length} node${selected.length === 1 ? '' : 's'} of ${networkId} to ${flags.output} (${format}).`);
  });

  withControllerOptions(
    program
      .command('trust')
      .description("trust a node's TLS certificate: the new one after \"certificate changed\" (default: the one it last presented), or pin one with --fingerprint")
      .argument('<nwid>', 'network id (16 hex digits)')
      .argument('<node-id>', 'node id (10 hex digits)')
      .option('--fingerprint <sha256>', 'pin this certificate instead (SHA-256, 64 hex digits, colons allowed: openssl x509 -noout -fingerprint -sha256)'),
  ).action(async (networkArg: string, nodeArg: string, flags: TrustFlags) => {
    const networkId = parseNetworkId(networkArg);
    const nodeId = parseNodeId(nodeArg);
    const fingerprint = flags.fingerprint === undefined ? undefined : parseFingerprint(flags.fingerprint);
    const [{ createMonitor }, { createConfStore }] = await Promise.all([import('../../core/nodes/index.ts'), import('../../core/store/index.ts')]);
    const log = (line: string) => say(`g8boot: ${line}`);
    const record = await withController(flags, async (controller) => {
      // No sweep: nothing is probed (nor sent a password) before the trust is recorded.
      const monitor = createMonitor({ controller, networkId, store: createConfStore({ log }), vmStarts: null });
      try {
        return await monitor.trustCertificate(nodeId, fingerprint);
      } finally {
        await monitor.stop();
      }
    });
    const trusted = record.trustedCertificate!;
    if (flags.json) return printJson({ nodeId: record.nodeId, networkId: record.networkId, trustedCertificate: trusted });
    say(`Node ${record.nodeId}: TLS certificate SHA-256 ${trusted.sha256} is trusted from now on; its next probe checks against it.`);
  });
}
