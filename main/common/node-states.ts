/**
 * The one vocabulary for a member's life on a network, shared by every face: the tray, notifications, the
 * dashboard, the CLI's tables, `--json`, `zt members`, `nodes` and `watch`. The words are defined here, and so is
 * the one function that derives a member's state from what g8boot knows about it (what the controller says, the
 * latest probe of core0's Redis, and its history). Runtime-agnostic: the renderer imports it as it is.
 *
 * A lifecycle state is not a probe outcome. The probe (`ProbeState` in nodes.ts) says what answered on the Redis
 * port the last time g8boot looked ("timeout", "refused", "auth-required"…); the lifecycle state says where the
 * node stands ("starting", "degraded"…), and a probe outcome is one of its inputs. New probe outcomes (a changed
 * certificate, a password asked over plain text) add detail to a state; they do not add states.
 */
import type { NodeHistoryEntry, ProbeResult } from './nodes.ts';

/**
 * In the order of a node's life:
 * - `this-computer`: the member is this computer's own ZeroTier node (not a G8OS node; never probed);
 * - `new`: authorized, with an address, and not checked yet (the first probe is on its way);
 * - `waiting`: not authorized, and it asked to join recently (see `askedRecently`): someone should authorize it;
 * - `assigning`: authorized, no address yet (ZeroTier assigns one within 15-20 s, sometimes longer);
 * - `starting`: its address is new (under STARTING_WINDOW_MS) and core0's Redis does not answer yet: the
 *   ZeroTier path needs a few seconds to warm up, and core0 may still be starting Redis;
 * - `ready`: core0's Redis answers PING;
 * - `degraded`: authorized with an address, past starting, and Redis does not answer as it should (it stopped,
 *   never started, wants a password, or something else answers);
 * - `lost`: ZeroTier has not heard from it recently (switched off, or an old request to join nobody answered).
 */
export const NODE_STATES = ['this-computer', 'new', 'waiting', 'assigning', 'starting', 'ready', 'degraded', 'lost'] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** How each face names a state: `label` in tables, menus and badges; `explain` in tooltips, details and help. */
export const NODE_STATE_WORDS: Readonly<Record<NodeState, { label: string; explain: string }>> = {
  'this-computer': { label: 'This computer', explain: "This computer's own ZeroTier node, not a G8OS node: it is not probed." },
  new: { label: 'New', explain: 'Just seen with an address; its Redis has not been checked yet.' },
  waiting: { label: 'Waiting for authorization', explain: 'It asked to join the network: authorize it to give it an address.' },
  assigning: { label: 'Getting an address', explain: 'Authorized; ZeroTier has not assigned an address yet (usually 15-20 s).' },
  starting: { label: 'Starting', explain: "Its address is new: the ZeroTier path is warming up and core0's Redis does not answer yet." },
  ready: { label: 'Ready', explain: "core0's Redis answers." },
  degraded: { label: 'Degraded', explain: "Authorized with an address, but core0's Redis does not answer as it should." },
  lost: { label: 'Lost', explain: 'ZeroTier has not heard from it recently: it may be switched off or gone.' },
};

/** An unauthorized member counts as asking to join for this long after the last sign it asked. */
export const ASKED_RECENTLY_MS = 5 * 60_000;
/** A node whose address is younger than this, and whose Redis has not answered since, is `starting`. */
export const STARTING_WINDOW_MS = 60_000;

/** What the derivation reads: a NodeRecord has all of it; a bare ZeroTier member most of it. */
export interface NodeFacts {
  authorized: boolean;
  ips: readonly string[];
  /** Heard from within the controller's online window (from `lastSeen`). */
  online: boolean;
  /** The controller's last-seen time (ms); 0 or null when reset or unknown (Central "may reset it to 0 at any time"). */
  lastSeen: number | null;
  /** When the member first asked to join, as the controller says (ms); null when it does not. */
  creationTime: number | null;
  /** When g8boot's member list first showed it, between two sweeps (the list diff); null when unknown. */
  appearedAt: number | null;
  /** Since when its current address is known (ms); null when it has none or it is older than g8boot's records. */
  addressSince: number | null;
  /** This computer's own node. */
  thisComputer: boolean;
  /** The latest probe of core0's Redis at the current address; null before the first. */
  probe: Pick<ProbeResult, 'state' | 'checkedAt'> | null;
  /** Probe states entered, oldest first (to tell whether Redis answered since the address arrived). */
  history: readonly Pick<NodeHistoryEntry, 'at' | 'state'>[];
}

/**
 * "Waiting" is defined here and only here: not authorized, and it asked recently. It asked recently when the
 * controller heard from it within its online window; or, when the controller's last-seen time is 0 or unknown
 * (Central resets it; a self-hosted controller knows only its current peers), when it was created, or first
 * appeared in g8boot's member list, within ASKED_RECENTLY_MS.
 */
export function askedRecently(facts: Pick<NodeFacts, 'online' | 'lastSeen' | 'creationTime' | 'appearedAt'>, now: number): boolean {
  if (facts.online) return true;
  if (facts.lastSeen !== null && facts.lastSeen > 0) return false;
  const latest = Math.max(facts.creationTime ?? 0, facts.appearedAt ?? 0);
  return latest > 0 && now - latest < ASKED_RECENTLY_MS;
}

/** Redis outcomes that a node still starting gives: nothing answers yet (or not on the path yet). */
const NOT_YET: ReadonlySet<string> = new Set(['timeout', 'refused', 'unreachable']);

/** Its address is new and Redis has not answered since it arrived. */
export function isStarting(facts: Pick<NodeFacts, 'addressSince' | 'history'>, now: number): boolean {
  const since = facts.addressSince;
  if (since === null || now - since >= STARTING_WINDOW_MS) return false;
  return !facts.history.some((entry) => entry.at >= since && entry.state === 'ready');
}

/** A member's lifecycle state at `now`, from what g8boot knows. The one derivation every face uses. */
export function nodeState(facts: NodeFacts, now: number): NodeState {
  if (facts.thisComputer) return 'this-computer';
  if (!facts.authorized) return askedRecently(facts, now) ? 'waiting' : 'lost';
  const starting = isStarting(facts, now);
  // Heard from recently; or the controller's last-seen time is 0 or unknown and there is other recent evidence:
  // Redis answering, a new address, a recent creation. A real last-seen time that is old means lost.
  const lastSeenUnknown = facts.lastSeen === null || facts.lastSeen <= 0;
  const alive = facts.online || (lastSeenUnknown && (facts.probe?.state === 'ready' || starting || askedRecently(facts, now)));
  if (!alive) return 'lost';
  if (facts.probe?.state === 'ready') return 'ready';
  if (facts.ips.length === 0 || facts.probe?.state === 'no-address') return 'assigning';
  if (facts.probe === null || facts.probe.state === 'pending') return 'new';
  if (starting && NOT_YET.has(facts.probe.state)) return 'starting';
  return 'degraded';
}

/**
 * What a node's probe detail says while this computer is not on the network (left it, not joined yet, waiting for
 * its own authorization): nothing can reach the nodes from here, so a probe that found no route or no answer says
 * nothing about them. Its last known probe is kept, with this said before its detail; every face shows the detail.
 */
export const NOT_RECHECKED = 'not re-checked: this computer is not on the network';

/** The last known probe, kept and marked as not re-checked (see NOT_RECHECKED). Marking twice changes nothing. */
export function markNotRechecked<P extends { detail: string }>(probe: P): P {
  return probe.detail.startsWith(NOT_RECHECKED) ? probe : { ...probe, detail: `${NOT_RECHECKED} (last check: ${probe.detail})` };
}

/** Whether `value` names a lifecycle state (input validation: `--state`, IPC). */
export function isNodeState(value: string): value is NodeState {
  return (NODE_STATES as readonly string[]).includes(value);
}
