/**
 * The node monitor: polls a network's members, probes each node's Redis, keeps the inventory, tells the world
 * what changed (typed events), and applies the authorization policy. One per network; the CLI's `watch` and the
 * tray app run it, `g8boot nodes` uses it for one sweep.
 *
 * Sweeps and record changes run one at a time (a sweep's member list is never applied over a change made while
 * it ran). An API failure keeps the last known records, marks them stale and backs off; the next good sweep
 * recovers. Timers are real; `now` only stamps records and events.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError, serializeError, type SerializedError } from '../../common/errors.ts';
import { markNotRechecked, STARTING_WINDOW_MS } from '../../common/node-states.ts';
import type { AuthorizationPolicy, MonitorEvent, MonitorStatus, NodeRecord, ProbeResult } from '../../common/nodes.ts';
import { parseFingerprint, parseNetworkId, parseNodeId } from '../../common/validate.ts';
import { g8bootDirs, type G8bootDirs } from '../paths.ts';
import type { KeyValueStore } from '../store/key-value-store.ts';
import { onVmStarted } from '../vm/expectations.ts';
import type { Controller, Member } from '../zerotier/types.ts';
import { createInventory } from './inventory.ts';
import { createPolicyEngine, DEFAULT_VERIFY_WITHIN_MS, type PendingVerification, type PolicyDecision } from './policy.ts';
import { probeAll, type ProbeAllOptions } from './probe-all.ts';
import { probeNode, REDIS_PORT } from './probe.ts';
import type { CredentialSource, RedisCredentials } from './credentials.ts';
import { describeNode, HISTORY_LIMIT, nextRecord, standingProbe, usableAddress } from './records.ts';
import { transitions } from './transitions.ts';
import { vmHintsFor } from './vm-hints.ts';

export interface MonitorTiming {
  /** Polling while a node is expected or the policy has work pending. Default 5 s. */
  fastIntervalMs: number;
  /** How long expectNode() polls fast by default. Default 10 min. */
  fastWindowMs: number;
  /** Bounds of the interval. Default 5 s to 5 min (the seed's "every 5 min"). */
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Longest wait between sweeps while the ZeroTier API fails. Default 5 min. */
  maxBackoffMs: number;
  /**
   * Between sweeps (slow or fast), how often the member list alone (one API call, no probe) is checked for a node
   * that asks to join or changed elsewhere; a change starts a sweep at once. 0: never. Default 2 s: a join is seen
   * within 2 s instead of up to a whole interval (0.5 requests/s, against Central's 20/s); 10 ms per member when
   * longer (1,000 members: every 10 s).
   */
  changeCheckIntervalMs: number;
  /**
   * While a node is expected to get its address (authorized moments ago, none yet), how often that member alone
   * is asked for (GET of one member; one member list when more than a few are waiting). Default 1 s. 0: never.
   */
  addressPollMs: number;
  /**
   * While a node's address is new and its Redis does not answer yet, how long to pause between short probes of
   * that node alone (connect attempts of FOCUS_CONNECT_TIMEOUT_MS, no TCP back-off). Default 0.5 s. 0: never.
   */
  startingProbeMs: number;
}

export const DEFAULT_TIMING: MonitorTiming = {
  fastIntervalMs: 5_000,
  fastWindowMs: 10 * 60_000,
  minIntervalMs: 5_000,
  maxIntervalMs: 5 * 60_000,
  maxBackoffMs: 5 * 60_000,
  changeCheckIntervalMs: 2_000,
  addressPollMs: 1_000,
  startingProbeMs: 500,
};
export const DEFAULT_INTERVAL_MS = 30_000;
/** A node whose address is younger than this may not be reachable yet: ZeroTier needs ~5 s to open the path. */
const PATH_WARMUP_MS = 15_000;
const PATH_RETRY_PAUSE_MS = 1000;
/** What a path that does not carry packets yet looks like (a refusal means the path works). */
const PATH_NOT_READY: ReadonlySet<string> = new Set(['timeout', 'unreachable']);
/** How often a sweep under way reports its progress (`sweep-progress`): live tables redraw with what came in. */
const PROGRESS_EVERY_MS = 100;
/** After a node is authorized its address usually arrives within 15-20 s, sometimes over a minute. */
const WATCH_AFTER_AUTHORIZE_MS = 2 * 60_000;
/**
 * Focused checks (one node, between sweeps). A node waiting for its address is asked for alone (GET one member)
 * while at most this many wait; more than that share one member list (Central allows 20 requests/s).
 */
const MAX_SINGLE_MEMBER_POLLS = 4;
/**
 * A node with a new address is probed alone, again and again, for this long after the address arrived (ZeroTier's
 * path needs ~5 s; core0's Redis may start a little later); then the normal sweeps take over.
 */
const FOCUS_WINDOW_MS = 20_000;
/**
 * Each focused probe gives the connection this long: a SYN lost to a path that is still warming up is abandoned
 * and sent afresh on the next try, instead of waiting out TCP's retransmission back-off (1 s, then 2 s…).
 */
const FOCUS_CONNECT_TIMEOUT_MS = 500;
const FOCUS_PROBE_TIMEOUT_MS = 1_500;

/**
 * Authorized since the last look: seen changing between two records, or (first sight) authorized by the
 * controller's clock moments ago. Not every authorized node seen for the first time: that is history.
 */
function justAuthorized(prev: NodeRecord | undefined, member: Member, at: number): boolean {
  if (!member.authorized) return false;
  if (prev) return !prev.authorized;
  return member.lastAuthorizedTime !== null && at - member.lastAuthorizedTime < WATCH_AFTER_AUTHORIZE_MS;
}

/** The password and plain-text choice come from `credentials`; the trusted certificate from each node's record. */
export type MonitorProbeOptions = Omit<ProbeAllOptions, 'port' | 'now' | 'onResult' | 'priority' | 'password' | 'allowPlaintextPassword' | 'pinnedFingerprint'>;

export interface MonitorOptions {
  controller: Controller;
  networkId: string;
  store: KeyValueStore;
  /** Default `manual`. */
  policy?: AuthorizationPolicy | undefined;
  /**
   * Whether this monitor carries out the policy (authorize, deauthorize, finish verifications). `watch` and the
   * app do; a listing (`nodes`, `export`) only looks, and leaves the policy's bookkeeping as it found it. Default true.
   */
  actsOnPolicy?: boolean | undefined;
  /** auto-verify: how long Redis has to answer after the authorization. Default 5 min. */
  verifyWithinMs?: number | undefined;
  /** Default 30 s. */
  intervalMs?: number | undefined;
  /** core0's Redis port. Default 6379. */
  redisPort?: number | undefined;
  /** Deadlines, concurrency, deep check. */
  probe?: MonitorProbeOptions | undefined;
  /** core0's Redis password for this network and whether plain text may carry it; asked before each sweep. Default: none. */
  credentials?: CredentialSource | undefined;
  /** Stamps records and events. Default Date.now. */
  now?: (() => number) | undefined;
  /** Automatic actions with their reasons, and other notes. Default: none. */
  log?: ((line: string) => void) | undefined;
  /** Where g8boot records the VMs it starts (hints, fast polling after a start); null turns that off. Default g8bootDirs(). */
  vmStarts?: { dirs: G8bootDirs } | null | undefined;
  /** Polling tunables (tests and demos shorten them). */
  timing?: Partial<MonitorTiming> | undefined;
  /**
   * This computer's own ZeroTier node id, asked before each sweep (null: not known now, e.g. no ZeroTier One
   * answering here). That member is "this computer": marked so, and never probed as a G8OS node. Default: none.
   */
  thisComputer?: (() => Promise<string | null> | string | null) | undefined;
  /**
   * Whether this computer is known to be off the network (left it, not joined yet, waiting for its own
   * authorization), asked right after `thisComputer` before each sweep (the knowledge behind "this computer is not
   * on the network"; see isKnownOffNetwork). Then no route or no answer says nothing about the nodes: each keeps
   * its last known probe, marked as not re-checked (NOT_RECHECKED), and the policy deauthorizes nothing. Default: never.
   */
  offNetwork?: (() => boolean) | undefined;
}

export interface NodeMonitor {
  start(): void;
  /** Stops polling; resolves once the sweep under way (if any) has finished. */
  stop(): Promise<void>;
  /** One sweep now (after the one under way). Rejects when the ZeroTier API fails; the monitor is then stale. */
  sweepNow(options?: { deep?: boolean }): Promise<NodeRecord[]>;
  nodes(): NodeRecord[];
  status(): MonitorStatus;
  /** Poll every 5 s for a while (default 10 min): a node should join soon. */
  expectNode(forMs?: number): void;
  setPolicy(policy: AuthorizationPolicy, options?: { verifyWithinMs?: number }): void;
  /** auto-verify checks under way (also those a stopped `watch` left behind): a listing mentions them. */
  pendingVerifications(): PendingVerification[];
  setIntervalMs(ms: number): void;
  authorize(nodeId: string, authorized: boolean): Promise<NodeRecord>;
  rename(nodeId: string, name: string): Promise<NodeRecord>;
  /**
   * Trust a TLS certificate for a node from now on (SHA-256, hex, colons allowed): the new one it presented after
   * `cert-changed` (default: the last one seen), or an explicit pin. Its next probe checks against it.
   */
  trustCertificate(nodeId: string, sha256?: string): Promise<NodeRecord>;
  /** Returns the function that unsubscribes. */
  on(listener: (event: MonitorEvent) => void): () => void;
}

export const AUTHORIZATION_POLICIES: readonly AuthorizationPolicy[] = ['manual', 'auto', 'auto-verify'];

export function createMonitor(options: MonitorOptions): NodeMonitor {
  const networkId = parseNetworkId(options.networkId);
  const timing: MonitorTiming = { ...DEFAULT_TIMING, ...options.timing };
  const { controller, store } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const port = options.redisPort ?? REDIS_PORT;
  const vmStarts = options.vmStarts === undefined ? { dirs: g8bootDirs() } : options.vmStarts;
  const checkInterval = (ms: number): number => {
    if (!Number.isFinite(ms) || ms < timing.minIntervalMs || ms > timing.maxIntervalMs) {
      throw new InvalidInputError('E_INVALID_INTERVAL', `Invalid polling interval ${ms} ms.`, {
        hint: `Poll every ${timing.minIntervalMs / 1000} s to ${timing.maxIntervalMs / 1000} s.`,
      });
    }
    return ms;
  };
  const checkPolicy = (policy: AuthorizationPolicy): AuthorizationPolicy => {
    if (AUTHORIZATION_POLICIES.includes(policy)) return policy;
    throw new InvalidInputError('E_INVALID_POLICY', `Unknown authorization policy ${JSON.stringify(policy)}.`, { hint: 'Use manual, auto or auto-verify.' });
  };
  let intervalMs = checkInterval(options.intervalMs ?? DEFAULT_INTERVAL_MS);
  const inventory = createInventory(store, networkId, { log });
  const engine = createPolicyEngine(store, networkId, checkPolicy(options.policy ?? 'manual'), options.verifyWithinMs ?? DEFAULT_VERIFY_WITHIN_MS);
  const actsOnPolicy = options.actsOnPolicy ?? true;
  const listeners = new Set<(event: MonitorEvent) => void>();

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  /** When the timer's sweep is due (performance.now() time). */
  let nextSweepAt = 0;
  let changeCheckTimer: NodeJS.Timeout | undefined;
  let stopWatchingVms: (() => void) | undefined;
  let sweeping = 0;
  let lastSweepEnded = performance.now();
  let lastSweepAt: number | null = null;
  let fastUntil = 0;
  let stale = false;
  let failures = 0;
  let lastError: SerializedError | null = null;
  /** The error the last failed member listing threw (already reported). */
  let apiFailure: unknown;
  /** Sweeps and record changes, one at a time. */
  let queue: Promise<unknown> = Promise.resolve();
  /** Nodes authorized moments ago, expected to get an address: until when (now() time) their member is polled. */
  const awaitingAddress = new Map<string, number>();
  /** The last word of the controller on each member (what a focused probe needs besides the record). */
  const lastMember = new Map<string, Member>();
  /** Nodes probed alone now (one loop each), and whether the address poll runs. */
  const focusing = new Set<string>();
  let pollingAddresses = false;
  /** When a focused check last changed a node's record (performance.now()): a sweep begun earlier does not undo it. */
  const focusedAt = new Map<string, number>();
  /** The credentials the last sweep used (focused probes use the same). */
  let lastCredentials: RedisCredentials & { unavailable?: string } = {};
  /** Saves made by focused checks, one after the other; stop() waits for them. */
  let focusSaves: Promise<void> = Promise.resolve();
  /** This computer was off the network at the last sweep: focused probes wait for it to be back. */
  let offNetworkNow = false;
  /** Ends the focused loops' pauses at stop(). */
  let focusAbort = new AbortController();

  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  const emit = (events: readonly MonitorEvent[]) => {
    for (const event of events) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          // A listener's bug must not stop the monitor.
          log(`a monitor listener failed on ${event.type}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  };

  const isFast = () => now() < fastUntil || (actsOnPolicy && engine.busy());
  const normalDelay = () => (isFast() ? Math.min(timing.fastIntervalMs, intervalMs) : intervalMs);
  const backoffDelay = () => Math.min(normalDelay() * 2 ** failures, Math.max(timing.maxBackoffMs, intervalMs));
  const nextDelay = () => (stale ? backoffDelay() : normalDelay());

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    timer = undefined;
    clearTimeout(changeCheckTimer);
    changeCheckTimer = undefined;
    if (!running) return;
    nextSweepAt = performance.now() + Math.max(0, delayMs);
    timer = setTimeout(() => {
      timer = undefined;
      clearTimeout(changeCheckTimer);
      changeCheckTimer = undefined;
      sweepNow().catch((error: unknown) => {
        // An API failure was reported as monitor-stale (and the schedule backs off); anything else is said here.
        if (error !== apiFailure) log(`a sweep failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }, Math.max(0, delayMs));
    armChangeCheck();
  };

  /**
   * The member list is checked between sweeps (changeCheckIntervalMs) when the next sweep is further away than
   * that (at rest, and between fast sweeps too); not while the API fails. A big
   * list is checked less often (10 ms per member: 1,000 members every 10 s), so an idle app does not spend its
   * bandwidth on Central's full member objects.
   */
  const armChangeCheck = () => {
    const every = timing.changeCheckIntervalMs > 0 ? Math.max(timing.changeCheckIntervalMs, inventory.list().length * 10) : 0;
    if (every <= 0 || stale || nextSweepAt - performance.now() <= every) return;
    changeCheckTimer = setTimeout(() => {
      changeCheckTimer = undefined;
      void checkForChanges();
    }, every);
  };

  /** Whether the controller's member list differs from the records in what a sweep acts on. */
  const membersChanged = (members: readonly Member[]): boolean =>
    members.some((member) => {
      const record = inventory.get(member.nodeId);
      return !record || record.authorized !== member.authorized || usableAddress(record) !== usableAddress(member);
    });

  const checkForChanges = async () => {
    if (!running || sweeping > 0) return;
    let changed = false;
    try {
      changed = membersChanged(await controller.listMembers(networkId));
    } catch {
      // The next sweep meets the failure and reports it (monitor-stale); a check says nothing.
    }
    if (!running || sweeping > 0 || timer === undefined) return;
    // Someone asked to join (or was authorized, or got an address): sweep now rather than at the interval.
    if (changed) schedule(0);
    else armChangeCheck();
  };
  /** Re-plan the next sweep after a change of pace (not while one runs: it plans the next when it ends). */
  const reschedule = () => {
    if (running && sweeping === 0) schedule(lastSweepEnded + nextDelay() - performance.now());
  };

  /**
   * Focused checks: while a node is expected to change soon, it is looked at alone between sweeps, so its
   * address and its Redis are reported when they arrive rather than at the next sweep (up to 5 s later), and
   * its first probes do not wait out TCP's back-off on a ZeroTier path that is still warming up. Only while
   * the monitor runs (`watch`, the app); nothing when nothing is expected.
   */
  const isAwaitingAddress = (record: NodeRecord): boolean =>
    record.authorized && record.state === 'assigning' && (awaitingAddress.get(record.nodeId) ?? 0) > now();
  const isWarmingUp = (record: NodeRecord): boolean =>
    !offNetworkNow &&
    (record.state === 'starting' || record.state === 'new') &&
    usableAddress(record) !== null &&
    record.addressSince !== null &&
    now() - record.addressSince < FOCUS_WINDOW_MS;

  /** Authorized moments ago: poll fast, and ask for its address alone until it has one. */
  const expectAddress = (nodeId: string) => {
    awaitingAddress.set(nodeId, now() + WATCH_AFTER_AUTHORIZE_MS);
    expectNode(WATCH_AFTER_AUTHORIZE_MS);
  };

  /**
   * What a focused check found, recorded and told at once (not queued behind a sweep: a sweep that began before
   * it keeps this newer record, see `settle`). Nothing happens when nothing changed.
   */
  const applyFocused = (member: Member, probe: ProbeResult | null) => {
    const prev = inventory.get(member.nodeId);
    if (!prev || !running) return;
    const at = now();
    lastMember.set(member.nodeId, member);
    const record = nextRecord(prev, member, probe ?? standingProbe(prev, member, { port, now }), at);
    if (record.state === prev.state && usableAddress(record) === usableAddress(prev) && record.probe?.state === prev.probe?.state) return;
    inventory.put(record);
    focusedAt.set(member.nodeId, performance.now());
    focusSaves = focusSaves.then(() => inventory.save()).catch((error: unknown) => log(`could not save the inventory: ${error instanceof Error ? error.message : String(error)}`));
    emit(transitions(prev, record, at));
    armFocus();
  };

  /** Start the loops that have work: the address poll, and one probe loop per node warming up. */
  const armFocus = () => {
    if (!running) return;
    const records = inventory.list();
    if (timing.addressPollMs > 0 && !pollingAddresses && records.some(isAwaitingAddress)) void pollAddresses();
    if (timing.startingProbeMs > 0) for (const record of records) if (!focusing.has(record.nodeId) && isWarmingUp(record)) void probeWarmingUp(record.nodeId);
  };

  const pause = async (ms: number) => {
    try {
      await sleep(ms, undefined, { signal: focusAbort.signal });
    } catch {
      // stopped
    }
  };

  /** Ask for the members waiting for an address: each alone while they are few, else one member list. */
  const pollAddresses = async () => {
    pollingAddresses = true;
    try {
      while (running) {
        await pause(timing.addressPollMs);
        const waiting = inventory.list().filter(isAwaitingAddress);
        if (!running || waiting.length === 0) break;
        if (stale) continue;
        try {
          const members =
            waiting.length <= MAX_SINGLE_MEMBER_POLLS
              ? await Promise.all(waiting.map((record) => controller.getMember(networkId, record.nodeId)))
              : await controller.listMembers(networkId);
          for (const member of members) if (usableAddress(member) !== null && usableAddress(member) !== usableAddress(inventory.get(member.nodeId))) applyFocused(member, null);
        } catch {
          // The next sweep meets the failure and reports it (monitor-stale); a poll says nothing.
        }
      }
    } finally {
      pollingAddresses = false;
    }
  };

  /** Probe one node whose address is new, with short attempts, until Redis answers or its window ends. */
  const probeWarmingUp = async (nodeId: string) => {
    focusing.add(nodeId);
    try {
      while (running) {
        const record = inventory.get(nodeId);
        const member = lastMember.get(nodeId);
        if (!record || !member || !isWarmingUp(record) || usableAddress(member) !== usableAddress(record)) break;
        const result = await probeNode(
          { ...member, trustedCertificate: record.trustedCertificate?.sha256 ?? null },
          {
            ...options.probe,
            password: lastCredentials.password,
            allowPlaintextPassword: lastCredentials.allowPlaintextPassword === true,
            passwordUnavailable: lastCredentials.unavailable,
            port,
            now,
            connectTimeoutMs: Math.min(FOCUS_CONNECT_TIMEOUT_MS, options.probe?.connectTimeoutMs ?? Infinity),
            timeoutMs: Math.min(FOCUS_PROBE_TIMEOUT_MS, options.probe?.timeoutMs ?? Infinity),
          },
        );
        const current = inventory.get(nodeId);
        // Recorded when it says something new about the same address (a path still warming up says nothing new).
        if (current && result.address === usableAddress(current) && result.state !== current.probe?.state) applyFocused(member, result);
        await pause(timing.startingProbeMs);
      }
    } finally {
      focusing.delete(nodeId);
    }
  };

  /** A member's record as a change (authorize, rename, a policy action) left it, without a new probe. */
  const applyMember = async (member: Member): Promise<NodeRecord> => {
    const at = now();
    const prev = inventory.get(member.nodeId);
    const record = nextRecord(prev, member, standingProbe(prev, member, { port, now }), at);
    inventory.put(record);
    lastMember.set(member.nodeId, member);
    await inventory.save();
    if (justAuthorized(prev, member, at)) expectAddress(member.nodeId);
    emit(transitions(prev, record, at));
    armFocus();
    return record;
  };

  const act = async (decision: PolicyDecision): Promise<void> => {
    try {
      const member = await controller.updateMember(networkId, decision.nodeId, { authorized: decision.action === 'authorize' });
      const at = now();
      engine.done(decision, at);
      log(`${decision.action === 'authorize' ? 'authorized' : 'deauthorized'} ${decision.nodeId}: ${decision.reason}`);
      emit([{ type: 'policy-action', at, action: decision.action, nodeId: decision.nodeId, reason: decision.reason }]);
      await applyMember(member);
    } catch (error) {
      log(`could not ${decision.action} ${decision.nodeId} (${decision.reason}): ${error instanceof Error ? error.message : String(error)}; retrying on the next sweep`);
    }
  };

  const sweep = async (deep: boolean): Promise<NodeRecord[]> => {
    const started = performance.now();
    const at = now();
    let members: Member[];
    try {
      members = await controller.listMembers(networkId);
    } catch (error) {
      apiFailure = error;
      stale = true;
      failures++;
      lastError = serializeError(error);
      emit([{ type: 'monitor-stale', at, error: lastError, retryInMs: backoffDelay() }]);
      throw error;
    }
    if (stale) {
      stale = false;
      failures = 0;
      lastError = null;
      emit([{ type: 'monitor-recovered', at: now() }]);
    }
    const newcomers = members.filter((m) => !inventory.get(m.nodeId));
    const listedBefore = lastSweepAt !== null || inventory.list().length > 0;
    const hints = vmStarts ? await vmHintsFor(newcomers, networkId, inventory.list(), { dirs: vmStarts.dirs, now: at }) : new Map();
    const self = await thisComputerId();
    const offNetwork = isOffNetwork();
    offNetworkNow = offNetwork;
    // This computer's own node is no G8OS node: it is not probed (its Redis, if any, is not core0's).
    const probed = members.flatMap((member, index) => (member.nodeId === self ? [] : [index]));
    // A node that timed out last time will likely hold its socket for the whole deadline again: start it first.
    // (ZeroTier not hearing from a node is the next best sign, when nothing is known from an earlier sweep.)
    const likelyToHang = (member: Member | undefined) =>
      member === undefined ? 0 : inventory.get(member.nodeId)?.probe?.state === 'timeout' ? 2 : member.online ? 0 : 1;
    const credentials = await readCredentials();
    lastCredentials = credentials;
    // Each node is checked against the certificate trusted for it (none yet: the first one seen is kept).
    const targets = probed.map((index) => {
      const member = members[index]!;
      return { ...member, trustedCertificate: inventory.get(member.nodeId)?.trustedCertificate?.sha256 ?? null };
    });
    const events: MonitorEvent[] = [];
    const present = new Set<string>(members.map((m) => m.nodeId));
    let done = 0;
    let lastProgress = 0;
    let progressTimer: NodeJS.Timeout | undefined;
    // Each node's record, and its events, as soon as its probe ends: answering nodes show at once, a node that
    // hangs when its deadline ends. The sweep's own end (saving, the policy, `sweep`) waits for all of them.
    const settle = (member: Member, probe: ProbeResult | null) => {
      // A focused check recorded something newer while this sweep ran (its address, Redis answering): kept.
      if ((focusedAt.get(member.nodeId) ?? -Infinity) > started) {
        done++;
        return;
      }
      lastMember.set(member.nodeId, member);
      const prev = inventory.get(member.nodeId);
      // Listed now and not by the last sweep: it appeared between the two (what "asked recently" falls back on
      // when the controller's last-seen time is 0).
      const appeared = !prev && listedBefore;
      // Off the network, no route or no answer blames nobody: the last known probe stays (see heldWhileOff).
      const record = nextRecord(prev, member, offNetwork ? heldWhileOff(prev, probe) : probe, at, { vmHint: hints.get(member.nodeId) ?? null, appeared, thisComputer: self === null ? undefined : member.nodeId === self });
      inventory.put(record);
      const changes = transitions(prev, record, at);
      events.push(...changes);
      // Authorized by anyone (a person elsewhere, the CLI, Central's site): its address and Redis come next.
      if (justAuthorized(prev, member, at)) expectAddress(member.nodeId);
      // On its way up (address new, Redis not answering yet; or not checked yet): look again soon.
      if (!offNetwork && (record.state === 'starting' || record.state === 'new')) expectNode(STARTING_WINDOW_MS);
      emit(changes);
      done++;
      // At most every PROGRESS_EVERY_MS, and never left behind: results that arrive within the pause are told
      // when it ends (the last one is told by `sweep`).
      if (done < members.length) progressTimer ??= setTimeout(progress, Math.max(0, lastProgress + PROGRESS_EVERY_MS - performance.now()));
    };
    const progress = () => {
      progressTimer = undefined;
      lastProgress = performance.now();
      if (done < members.length) emit([{ type: 'sweep-progress', at, done, total: members.length }]);
    };
    for (const member of members) if (member.nodeId === self) settle(member, null);
    await probeAll(targets, {
      ...options.probe,
      password: credentials.password,
      allowPlaintextPassword: credentials.allowPlaintextPassword === true,
      passwordUnavailable: credentials.unavailable,
      deep,
      port,
      now,
      priority: (index) => likelyToHang(targets[index]),
      onResult: (index, result) => settle(members[probed[index]!]!, result),
      // A node in its first seconds on the network is probed again before it is called timeout or unreachable.
      retry: (index, result) => {
        if (offNetwork || !PATH_NOT_READY.has(result.state)) return null;
        const member = members[probed[index]!]!;
        const prev = inventory.get(member.nodeId);
        // Since when its address is known, as its record will say (seen arriving, or authorized moments ago).
        const since = nextRecord(prev, member, result, at, { appeared: !prev && listedBefore }).addressSince;
        const young = since !== null && now() - since < PATH_WARMUP_MS;
        // The first probe used its whole deadline (timeout): again at once; an immediate "no route": after a pause.
        return young ? (result.state === 'timeout' ? 0 : PATH_RETRY_PAUSE_MS) : null;
      },
    }).finally(() => clearTimeout(progressTimer));
    // Deleted from the network: gone, and no longer a node of it.
    const gone: MonitorEvent[] = [];
    for (const record of inventory.list()) {
      if (present.has(record.nodeId)) continue;
      inventory.remove(record.nodeId);
      if (record.state !== 'lost') gone.push({ type: 'node-lost', at, node: { ...record, online: false, state: 'lost' } });
    }
    await inventory.save();
    lastSweepAt = at;
    events.push(...gone);
    emit(gone);
    if (actsOnPolicy) {
      const { decisions, notes } = engine.decide(events, (nodeId) => inventory.get(nodeId), now());
      for (const note of notes) log(note);
      for (const decision of decisions) {
        // Nothing reaches the nodes from here: a Redis that did not answer is no reason to deauthorize (the
        // verification stays pending and is judged again once this computer is back on the network).
        if (offNetwork && decision.action === 'deauthorize') {
          log(`not deauthorizing ${decision.nodeId} while this computer is not on the network (${decision.reason})`);
          continue;
        }
        await act(decision);
      }
    }
    for (const nodeId of awaitingAddress.keys()) if (!present.has(nodeId) || (awaitingAddress.get(nodeId) ?? 0) <= now()) awaitingAddress.delete(nodeId);
    for (const nodeId of lastMember.keys()) if (!present.has(nodeId)) lastMember.delete(nodeId);
    for (const nodeId of focusedAt.keys()) if (!present.has(nodeId)) focusedAt.delete(nodeId);
    armFocus();
    emit([{ type: 'sweep', at, nodes: members.length, durationMs: Math.round(performance.now() - started) }]);
    return inventory.list();
  };

  /** Never fails a sweep: not knowing whether this computer is on the network means probing as usual. */
  const isOffNetwork = (): boolean => {
    try {
      return options.offNetwork?.() ?? false;
    } catch {
      return false;
    }
  };

  /**
   * What a probe made while this computer is off the network leaves in the record. No route or no answer says
   * nothing about the node (nothing reaches it from here): its last known probe of the same address stays,
   * marked as not re-checked (none: not checked yet, `new`). An answer (ready, refused, a password asked…) is
   * news, and is kept: the node is reachable after all (another route; the demo's nodes on loopback).
   */
  const heldWhileOff = (prev: NodeRecord | undefined, probe: ProbeResult | null): ProbeResult | null => {
    if (probe === null || !PATH_NOT_READY.has(probe.state)) return probe;
    const last = prev?.probe;
    return last && last.address !== null && last.address === probe.address ? markNotRechecked(last) : null;
  };

  /** Never fails a sweep: not knowing this computer's node only means not marking it. */
  const thisComputerId = async (): Promise<string | null> => {
    if (!options.thisComputer) return null;
    try {
      return (await options.thisComputer()) ?? null;
    } catch {
      return null;
    }
  };

  /** `unavailable`: why there is no password this time although one was asked for (said in the probes' details). */
  const readCredentials = async (): Promise<RedisCredentials & { unavailable?: string }> => {
    if (!options.credentials) return {};
    try {
      return await options.credentials();
    } catch (error) {
      // The message names where the password should come from, never the password.
      const why = error instanceof Error ? error.message : String(error);
      log(`core0's Redis password for ${networkId} is not available (${why}); probing without it`);
      return { unavailable: why.replace(/\.$/, '') };
    }
  };

  const trustCertificate = (nodeId: string, sha256?: string): Promise<NodeRecord> => {
    const id = parseNodeId(nodeId);
    const wanted = sha256 === undefined ? undefined : parseFingerprint(sha256);
    return exclusive(async () => {
      let record = inventory.get(id);
      // A pin for a node not seen yet: its membership only (no probe), so nothing reaches it before the pin holds.
      record ??= await applyMember(await controller.getMember(networkId, id));
      const seen = record.probe?.certificate ?? null;
      const chosen = wanted ?? seen;
      if (chosen === null) {
        throw new InvalidInputError('E_NO_CERTIFICATE', `No TLS certificate was seen for node ${id} yet.`, {
          hint: 'Give the SHA-256 fingerprint to pin (openssl x509 -noout -fingerprint -sha256), or wait for its first probe.',
        });
      }
      const at = now();
      const next: NodeRecord = {
        ...record,
        trustedCertificate: { sha256: chosen, since: at, how: 'person' },
        history: [...record.history, { at, state: record.probe?.state ?? 'pending', detail: `TLS certificate SHA-256 ${chosen} trusted` }].slice(-HISTORY_LIMIT),
      };
      inventory.put(next);
      await inventory.save();
      log(`node ${describeNode(next)}: TLS certificate SHA-256 ${chosen} trusted${record.trustedCertificate ? ` (was ${record.trustedCertificate.sha256})` : ''}`);
      return next;
    });
  };

  const sweepNow = (sweepOptions: { deep?: boolean } = {}): Promise<NodeRecord[]> =>
    exclusive(async () => {
      sweeping++;
      try {
        return await sweep(sweepOptions.deep ?? options.probe?.deep ?? false);
      } finally {
        sweeping--;
        lastSweepEnded = performance.now();
        // The next one is an interval after this one, however this one was started.
        if (sweeping === 0) schedule(nextDelay());
      }
    });

  const expectNode = (forMs: number = timing.fastWindowMs) => {
    fastUntil = Math.max(fastUntil, now() + forMs);
    reschedule();
  };

  const changeMember = async (nodeId: string, update: { authorized?: boolean; name?: string }): Promise<NodeRecord> => {
    const member = await controller.updateMember(networkId, parseNodeId(nodeId), update);
    return exclusive(() => applyMember(member));
  };

  return {
    start() {
      if (running) return;
      running = true;
      focusAbort = new AbortController();
      if (vmStarts) {
        stopWatchingVms = onVmStarted((entry) => entry.netid === networkId && expectNode(), vmStarts);
      }
      schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      timer = undefined;
      clearTimeout(changeCheckTimer);
      changeCheckTimer = undefined;
      stopWatchingVms?.();
      stopWatchingVms = undefined;
      focusAbort.abort();
      await queue;
      await focusSaves;
    },
    sweepNow,
    nodes: () => inventory.list(),
    status: () => ({
      networkId,
      running,
      policy: engine.policy,
      intervalMs,
      fastUntil: now() < fastUntil ? fastUntil : null,
      lastSweepAt,
      stale,
      lastError,
    }),
    expectNode,
    setPolicy(policy, policyOptions = {}) {
      engine.set(checkPolicy(policy), policyOptions.verifyWithinMs);
      log(`authorization policy: ${policy}`);
    },
    pendingVerifications: () => engine.verifications(),
    setIntervalMs(ms) {
      intervalMs = checkInterval(ms);
      reschedule();
    },
    // Fast polling after an authorization is applyMember's (every path: a person, the tray, a notification, the policy).
    authorize: (nodeId, authorized) => changeMember(nodeId, { authorized }),
    rename: (nodeId, name) => changeMember(nodeId, { name }),
    trustCertificate,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
