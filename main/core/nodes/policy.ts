/**
 * The authorization policy's bookkeeping: which nodes it owes an authorization, which it authorized and must
 * verify (auto-verify: Redis must answer within a bound, else the node is deauthorized again, as the original
 * orchestrator did; but a node whose Redis answers and wants a password, refuses ours, asks for it in plain text
 * or changed its certificate is reported, never deauthorized). Decides; the monitor acts and reports. Persisted in the store (`nodePolicy.<networkId>`),
 * so a restart neither forgets a verification nor an authorization that failed and is being retried.
 */
import * as v from 'valibot';
import { isCredentialState, PROBE_STATE_WORDS, type AuthorizationPolicy, type MonitorEvent, type NodeRecord } from '../../common/nodes.ts';
import type { KeyValueStore } from '../store/key-value-store.ts';
import { describeNode } from './records.ts';

export const DEFAULT_VERIFY_WITHIN_MS = 5 * 60_000;

export interface PolicyDecision {
  action: 'authorize' | 'deauthorize';
  nodeId: string;
  reason: string;
}

export interface PolicyEngine {
  readonly policy: AuthorizationPolicy;
  readonly verifyWithinMs: number;
  set(policy: AuthorizationPolicy, verifyWithinMs?: number): void;
  /** After a sweep: what to do now, and notes worth logging (verifications that passed or were dropped). */
  decide(events: readonly MonitorEvent[], record: (nodeId: string) => NodeRecord | undefined, now: number): { decisions: PolicyDecision[]; notes: string[] };
  /** A decision was carried out. */
  done(decision: PolicyDecision, now: number): void;
  /** Work is pending: the monitor polls fast until it is settled. */
  busy(): boolean;
  /** Verifications under way (auto-verify): by when each node's Redis must answer, and the window it was given. */
  verifications(): PendingVerification[];
}

export interface PendingVerification {
  nodeId: string;
  /** Epoch ms by which Redis must answer. */
  deadline: number;
  /** The window the authorization gave it (`--verify-within`); null when stored by an older g8boot. */
  withinMs: number | null;
}

const StateSchema = v.object({
  authorize: v.array(v.string()),
  verify: v.record(v.string(), v.number()),
  /** Each verification's window (ms), so whoever finishes it says the one it was given. Optional: older stores lack it. */
  windows: v.optional(v.record(v.string(), v.number())),
});

/** "5 min", "90 s", "0.3 s". */
function duration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Number((ms / 1000).toFixed(1))} s`;
}

export function createPolicyEngine(store: KeyValueStore, networkId: string, policy: AuthorizationPolicy, verifyWithinMs = DEFAULT_VERIFY_WITHIN_MS): PolicyEngine {
  const key = `nodePolicy.${networkId}`;
  const saved = v.safeParse(StateSchema, store.get(key));
  /** Nodes that asked to join and are owed an authorization (retried until it succeeds or is moot). */
  const authorize = new Set(saved.success ? saved.output.authorize : []);
  /** Nodes authorized by auto-verify, with the time by which Redis must answer. */
  const verify = new Map(saved.success ? Object.entries(saved.output.verify) : []);
  const windows = new Map(saved.success ? Object.entries(saved.output.windows ?? {}) : []);
  const persist = () => {
    for (const nodeId of windows.keys()) if (!verify.has(nodeId)) windows.delete(nodeId);
    store.set(key, { authorize: [...authorize], verify: Object.fromEntries(verify), windows: Object.fromEntries(windows) });
  };

  let current = policy;
  let within = verifyWithinMs;

  const engine: PolicyEngine = {
    get policy() {
      return current;
    },
    get verifyWithinMs() {
      return within;
    },
    set(next, verifyWithin) {
      current = next;
      if (verifyWithin !== undefined) within = verifyWithin;
      // Manual means no automatic actions from now on; verifications already under way still finish, since
      // the nodes they cover were authorized on the promise of being checked.
      if (next === 'manual' && authorize.size > 0) {
        authorize.clear();
        persist();
      }
    },
    decide(events, record, now) {
      const before = JSON.stringify([[...authorize], [...verify]]);
      if (current !== 'manual') for (const event of events) if (event.type === 'node-joined') authorize.add(event.node.nodeId);
      const decisions: PolicyDecision[] = [];
      const notes: string[] = [];
      for (const nodeId of authorize) {
        const node = record(nodeId);
        // Authorized by someone else, gone, or no longer asking: nothing left to do.
        if (!node || node.authorized || node.state !== 'waiting') {
          authorize.delete(nodeId);
          continue;
        }
        const reason =
          current === 'auto-verify'
            ? `policy auto-verify: ${describeNode(node)} asked to join; its Redis must answer within ${duration(within)} or it is deauthorized again`
            : `policy auto: ${describeNode(node)} asked to join`;
        decisions.push({ action: 'authorize', nodeId, reason });
      }
      for (const [nodeId, deadline] of verify) {
        const node = record(nodeId);
        if (!node) {
          verify.delete(nodeId);
          notes.push(`policy auto-verify: ${nodeId} left the network before its Redis was verified`);
        } else if (node.probe?.state === 'ready') {
          verify.delete(nodeId);
          notes.push(`policy auto-verify: ${describeNode(node)} verified: ${node.probe.detail}`);
        } else if (isCredentialState(node.probe?.state)) {
          // core0's Redis is there; what is missing is a password or the person's trust. That is reported (the
          // node-credential-problem event), never punished: deauthorizing would not fix it.
          verify.delete(nodeId);
          notes.push(
            `policy auto-verify: ${describeNode(node)} answers as Redis but needs the person (${PROBE_STATE_WORDS[node.probe!.state].label}: ${node.probe!.detail}); reported, not deauthorized`,
          );
        } else if (!node.authorized) {
          verify.delete(nodeId);
          notes.push(`policy auto-verify: ${describeNode(node)} was deauthorized by someone else before its Redis was verified`);
        } else if (now >= deadline) {
          const last = node.probe ? `${node.probe.state}: ${node.probe.detail}` : 'not probed yet';
          // The window this node was given (a watch started with another --verify-within may finish it).
          const given = windows.get(nodeId) ?? within;
          decisions.push({ action: 'deauthorize', nodeId, reason: `policy auto-verify: Redis on ${describeNode(node)} did not answer within ${duration(given)} (last probe ${last})` });
        }
      }
      if (JSON.stringify([[...authorize], [...verify]]) !== before) persist();
      return { decisions, notes };
    },
    done(decision, now) {
      if (decision.action === 'authorize') {
        authorize.delete(decision.nodeId);
        if (current === 'auto-verify') {
          verify.set(decision.nodeId, now + within);
          windows.set(decision.nodeId, within);
        }
      } else {
        verify.delete(decision.nodeId);
      }
      persist();
    },
    busy: () => authorize.size > 0 || verify.size > 0,
    verifications: () => [...verify].map(([nodeId, deadline]) => ({ nodeId, deadline, withinMs: windows.get(nodeId) ?? null })),
  };
  return engine;
}
