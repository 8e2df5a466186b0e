/**
 * ZeroTier commands: this machine's node (`zt status|join|leave`), a controller's networks and members
 * (`zt networks|members`, `authorize`, `deauthorize`, `zt create-network`). The demo network is commands/demo.ts.
 *
 * Controller commands take `--controller central|local` (default central when a Central token is configured).
 * Tokens come from ZEROTIER_CENTRAL_TOKEN or `--central-token-file`, never from a flag: the process list shows
 * every user the command lines of all processes.
 */
import type { Command } from 'commander';
import { G8bootError, InvalidInputError } from '../../common/errors.ts';
import { parseIntInRange, parseNetworkId, parseNodeId } from '../../common/validate.ts';
import { needsAuthorization, type NodeRecord, type NodeState } from '../../common/nodes.ts';
import type { Controller, ControllerFlags, JoinedNetwork, Member, Network } from '../../core/zerotier/index.ts';
import { print, printJson, printTable, say } from '../output.ts';

interface JsonOption {
  json?: boolean;
}

export interface ControllerOptions extends ControllerFlags, JsonOption {}

interface LocalOptions extends JsonOption {
  ztHome?: string;
}

export function withControllerOptions(command: Command): Command {
  return command
    .option('--controller <kind>', "central (ZeroTier Central) or local (the controller in this machine's zerotier-one); default central when a Central token is configured")
    .option('--central-url <url>', 'ZeroTier Central API base URL, including /api/v1 (default: env ZEROTIER_CENTRAL_URL, else https://api.zerotier.com/api/v1)')
    .option('--central-token-file <path>', 'file holding the Central API token (default: env ZEROTIER_CENTRAL_TOKEN)')
    .option('--zt-home <dir>', "home directory of this machine's ZeroTier One (default: env ZEROTIER_HOME, else the OS's)")
    .option('--json', 'print JSON');
}

function withLocalOptions(command: Command): Command {
  return command
    .option('--zt-home <dir>', "home directory of this machine's ZeroTier One (default: env ZEROTIER_HOME, else the OS's)")
    .option('--json', 'print JSON');
}

export async function withController<T>(options: ControllerFlags, run: (controller: Controller) => Promise<T>): Promise<T> {
  const { createController, resolveControllerConfig } = await import('../../core/zerotier/index.ts');
  const controller = await createController(await resolveControllerConfig(options));
  try {
    return await run(controller);
  } finally {
    await controller.close();
  }
}

function ago(time: number | null, now = Date.now()): string {
  if (time === null) return 'never';
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

function joinedRows(networks: readonly JoinedNetwork[], describe: (n: JoinedNetwork) => string): string[][] {
  return networks.map((n) => [n.id, n.name || '-', `${n.status} (${describe(n)})`, n.assignedAddresses.join(', ') || '-', n.device ?? '-']);
}

/** g8boot's records of a network's nodes (the inventory `nodes` and the app keep), by node id; read only. */
async function knownRecords(nwid: string): Promise<Map<string, NodeRecord>> {
  const [{ createConfStore }, { loadInventory }, { inventoryKey }] = await Promise.all([
    import('../../core/store/index.ts'),
    import('../../core/nodes/inventory-schema.ts'),
    import('../../core/nodes/inventory.ts'),
  ]);
  const store = createConfStore({ log: (line) => say(`g8boot: ${line}`) });
  try {
    return new Map(loadInventory(store.get(inventoryKey(nwid)), store.path).records.map((r) => [r.nodeId, r]));
  } catch {
    // An inventory this g8boot cannot read (a newer one) only loses the probe detail: the controller's word stands.
    return new Map();
  }
}

function printMembers(members: readonly (Member & { state: NodeState })[]): void {
  printTable(
    ['NODE ID', 'NAME', 'STATE', 'ONLINE', 'LAST SEEN', 'IPS', 'PHYSICAL', 'VERSION'],
    members.map((m) => [
      m.nodeId,
      m.name || '-',
      m.state,
      m.online ? 'online' : 'offline',
      ago(m.lastSeen),
      m.ips.join(', ') || '-',
      m.physicalAddress ?? '-',
      m.clientVersion ?? '-',
    ]),
  );
}

function printNetworks(networks: readonly Network[]): void {
  printTable(
    ['NETWORK', 'NAME', 'ACCESS', 'MEMBERS', 'IPV4 POOLS', 'IPV6'],
    networks.map((n) => [
      n.id,
      n.name || '-',
      n.private ? 'private' : 'public',
      n.totalMemberCount === null ? '-' : `${n.authorizedMemberCount ?? '?'}/${n.totalMemberCount} authorized`,
      n.ipAssignmentPools.map((p) => `${p.start}-${p.end}`).join(', ') || '-',
      [n.v6AssignMode.rfc4193 ? 'rfc4193' : '', n.v6AssignMode.sixPlane ? '6plane' : ''].filter(Boolean).join(', ') || '-',
    ]),
  );
}

/** Authorize or deauthorize members, paced by the controller's rate limiter; reports each, fails if any failed. */
async function setAuthorization(
  networkArg: string,
  nodeArgs: readonly string[],
  authorized: boolean,
  options: ControllerOptions & { allWaiting?: boolean; force?: boolean },
): Promise<void> {
  const nwid = parseNetworkId(networkArg);
  const requested = [...new Set(nodeArgs.map((id) => parseNodeId(id)))];
  if (requested.length === 0 && !options.allWaiting) {
    throw new InvalidInputError('E_USAGE', 'Name the node ids to authorize, or pass --all-waiting.', {
      hint: '`g8boot zt members <nwid>` lists the members; those in state "waiting" asked to join.',
    });
  }
  const [{ default: pLimit }, { memberNodeState, memberRecord }] = await Promise.all([import('p-limit'), import('../../core/nodes/records.ts')]);
  await withController(options, async (controller) => {
    let targets: string[] = requested;
    const members = requested.length > 0 || options.allWaiting ? await controller.listMembers(nwid) : [];
    // A controller takes any id: one that never asked to join becomes a phantom member (a typo, authorized).
    const known = new Set(members.map((m) => m.nodeId));
    const unknown = requested.filter((id) => !known.has(id));
    if (unknown.length > 0 && !(authorized && options.force)) {
      const ids = unknown.join(', ');
      throw new InvalidInputError('E_ZT_UNKNOWN_MEMBER', `${unknown.length === 1 ? 'Node' : 'Nodes'} ${ids} never asked to join ${nwid}: ${controller.endpoint} has no such member. Nothing was changed.`, {
        hint: authorized
          ? `Check the id: \`g8boot zt members ${nwid}\` lists the nodes that asked to join. To let a node in before it asks, pass --force.`
          : `Check the id: \`g8boot zt members ${nwid}\` lists the members.`,
      });
    }
    if (options.allWaiting) {
      const records = await knownRecords(nwid);
      // The one rule of what "Authorize all waiting" authorizes (this computer's own node included), as the app uses.
      const now = Date.now();
      const asking = (m: Member) => needsAuthorization(memberRecord(m, now, records.get(m.nodeId)), now);
      const waiting = members.filter(asking).map((m) => m.nodeId);
      targets = [...new Set([...requested, ...waiting])];
      if (targets.length === 0) say(`No member of ${nwid} is waiting for authorization.`);
    }
    // Several in flight so the rate limiter, not the round trip, sets the pace (20 requests/s on Central).
    const limit = pLimit(8);
    const verb = authorized ? 'Authorized' : 'Deauthorized';
    const results = await Promise.allSettled(
      targets.map((id) =>
        limit(async () => {
          const member = await controller.updateMember(nwid, id, { authorized });
          if (!options.json) say(`${verb} ${member.nodeId} on ${nwid} (${memberNodeState(member, Date.now())}${member.ips.length ? `: ${member.ips.join(', ')}` : ''}).`);
          return member;
        }),
      ),
    );
    const changed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ id: targets[i] ?? '', error: r.reason as unknown }] : []));
    if (options.json) printJson(changed);
    const [first] = failures;
    if (!first) return;
    if (targets.length === 1) throw first.error;
    for (const failure of failures) say(`g8boot: ${failure.id}: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}`);
    throw new G8bootError('E_ZT_PARTIAL', `${failures.length} of ${targets.length} members were not ${verb.toLowerCase()}.`, {
      hint: first.error instanceof G8bootError ? first.error.hint : undefined,
    });
  });
}

export function registerZerotierCommands(program: Command): void {
  const zt = program.command('zt').description("ZeroTier: this machine's node, and the networks and members of a controller");

  withLocalOptions(zt.command('status').description("this machine's ZeroTier node and the networks it joined")).action(async (options: LocalOptions) => {
    const { connectLocalService, describeJoinStatus } = await import('../../core/zerotier/index.ts');
    const service = await connectLocalService({ ztHome: options.ztHome });
    try {
      const [node, networks] = await Promise.all([service.status(), service.listNetworks()]);
      if (options.json) return printJson({ node: { ...node, url: service.location.url }, networks });
      print(`Node ${node.address}  ${node.online ? 'online' : 'OFFLINE'}  ZeroTier ${node.version}${node.tcpFallbackActive ? '  (relaying over TCP)' : ''}  ${service.location.url}`);
      if (networks.length === 0) return say('No network joined; join one with `g8boot zt join <nwid>`.');
      printTable(['NETWORK', 'NAME', 'STATUS', 'ADDRESSES', 'DEVICE'], joinedRows(networks, describeJoinStatus));
    } finally {
      await service.close();
    }
  });

  withLocalOptions(
    zt
      .command('join')
      .description('join a network with this machine')
      .argument('<nwid>', 'network id (16 hex digits)')
      .option('--wait', 'wait until the network is usable (authorized, with an address)')
      .option('--timeout <seconds>', 'with --wait, give up after this long', '120'),
  ).action(async (networkArg: string, options: LocalOptions & { wait?: boolean; timeout: string }) => {
    const nwid = parseNetworkId(networkArg);
    const timeoutMs = parseIntInRange(options.timeout, '--timeout', 1, 86_400) * 1000;
    const { connectLocalService, describeJoinStatus, joinUntilReady } = await import('../../core/zerotier/index.ts');
    const service = await connectLocalService({ ztHome: options.ztHome });
    try {
      // With --wait, a network that can never work is left again when this command joined it (joinUntilReady).
      const network = options.wait
        ? (await joinUntilReady(service, nwid, { timeoutMs, onProgress: (_, words) => say(`${nwid}: ${words}`) })).network
        : await service.join(nwid);
      if (options.json) return printJson(network);
      const addresses = network.assignedAddresses.length ? ` (${network.assignedAddresses.join(', ')})` : '';
      print(`Joined ${nwid}: ${describeJoinStatus(network)}${addresses}`);
    } finally {
      await service.close();
    }
  });

  withLocalOptions(zt.command('leave').description('leave a network with this machine').argument('<nwid>', 'network id (16 hex digits)')).action(
    async (networkArg: string, options: LocalOptions) => {
      const nwid = parseNetworkId(networkArg);
      const { connectLocalService } = await import('../../core/zerotier/index.ts');
      const service = await connectLocalService({ ztHome: options.ztHome });
      try {
        await service.leave(nwid);
        if (options.json) return printJson({ left: nwid });
        print(`Left ${nwid}.`);
      } finally {
        await service.close();
      }
    },
  );

  withControllerOptions(zt.command('networks').description("the controller's networks")).action(async (options: ControllerOptions) => {
    await withController(options, async (controller) => {
      const networks = await controller.listNetworks();
      if (options.json) return printJson(networks);
      if (networks.length === 0) return say(`No networks on ${controller.endpoint}.`);
      printNetworks(networks);
    });
  });

  withControllerOptions(
    zt.command('members').description("a network's members, unauthorized ones included").argument('<nwid>', 'network id (16 hex digits)'),
  ).action(async (networkArg: string, options: ControllerOptions) => {
    const nwid = parseNetworkId(networkArg);
    const [{ memberNodeState }, { readThisComputer }, { thisComputerOffNetwork }] = await Promise.all([
      import('../../core/nodes/records.ts'),
      import('../../core/zerotier/index.ts'),
      import('../../common/this-computer.ts'),
    ]);
    await withController(options, async (controller) => {
      // This computer's own node (from its local ZeroTier One, if any) is named as such, as `nodes` does.
      const [members, here] = await Promise.all([controller.listMembers(nwid), readThisComputer({ ztHome: options.ztHome }, nwid)]);
      // The same words as `nodes` and the app: what the controller says, with g8boot's last probe of each node.
      const known = await knownRecords(nwid);
      const now = Date.now();
      const thisComputer = (nodeId: string) => (here.address === null ? undefined : nodeId === here.address);
      // Each member gains its state in place: a large list is not held twice.
      const withStates = members.map((m) => Object.assign(m, { state: memberNodeState(m, now, known.get(m.nodeId), { thisComputer: thisComputer(m.nodeId) }) }));
      // Its row says "this-computer" whatever its membership: when it asked to join and is not on the network yet
      // (waiting for authorization, joining), say so and what to run, as `nodes` does.
      const off = here.address !== null && members.some((m) => m.nodeId === here.address) ? thisComputerOffNetwork(here, nwid) : null;
      if (options.json) printJson(withStates);
      else if (members.length === 0) say(`Network ${nwid} has no members yet.`);
      else printMembers(withStates);
      if (off) say(`g8boot: ${off}`);
    });
  });

  withLocalOptions(
    zt
      .command('create-network')
      .description("create a private lab network on this machine's ZeroTier controller")
      .requiredOption('--subnet <cidr>', 'IPv4 network whose hosts members get, e.g. 10.147.17.0/24')
      .option('--name <name>', 'network name', 'g8boot-lab'),
  ).action(async (options: LocalOptions & { subnet: string; name: string }) => {
    const { connectSelfHostedController, discoverLocalService } = await import('../../core/zerotier/index.ts');
    const controller = await connectSelfHostedController(await discoverLocalService({ ztHome: options.ztHome }));
    try {
      const network = await controller.createNetwork({ name: options.name, subnet: options.subnet });
      if (options.json) return printJson(network);
      print(`Created ${network.id} (${network.name}).`);
      say(`Join it with \`g8boot zt join ${network.id}\`, or boot G8OS nodes with it.`);
    } finally {
      await controller.close();
    }
  });

  withControllerOptions(
    program
      .command('authorize')
      .description('authorize members of a network (they then receive their addresses)')
      .argument('<nwid>', 'network id (16 hex digits)')
      .argument('[nodeIds...]', 'node ids (10 hex digits each)')
      .option('--all-waiting', 'also every unauthorized member seen in the last 5 minutes')
      .option('--force', 'also ids that never asked to join (the controller then creates them, authorized)'),
  ).action((networkArg: string, nodeArgs: string[], options: ControllerOptions & { allWaiting?: boolean; force?: boolean }) =>
    setAuthorization(networkArg, nodeArgs, true, options),
  );

  withControllerOptions(
    program
      .command('deauthorize')
      .description('deauthorize members of a network')
      .argument('<nwid>', 'network id (16 hex digits)')
      .argument('<nodeIds...>', 'node ids (10 hex digits each)'),
  ).action((networkArg: string, nodeArgs: string[], options: ControllerOptions) => setAuthorization(networkArg, nodeArgs, false, options));
}
