/**
 * Fault injection for the simulator: per-route answers a real service or the network in between can give, so
 * tests can check every error path of the clients over real HTTP.
 */

export type Fault =
  /** Answer with this status (and JSON body, default `{}`, and headers). */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Answer normally, after a delay. */
  | { kind: 'delay'; ms: number }
  /** Never answer; the connection stays open until the client gives up or the simulator closes. */
  | { kind: 'hang' }
  /** Reset the connection (TCP RST) instead of answering. */
  | { kind: 'reset' }
  /** 200 with a JSON body of about `bytes` bytes; `chunked` omits Content-Length so the client must count. */
  | { kind: 'oversized'; bytes: number; chunked?: boolean }
  /** 200 with a body that is not valid JSON. */
  | { kind: 'invalid-json' }
  /** 429 with these raw Retry-After and/or X-Ratelimit-Reset header values, and X-Ratelimit-Remaining: 0. */
  | { kind: 'rate-limit'; retryAfter?: string; reset?: string };

export interface FaultRule {
  /** Default: any method. */
  method?: string;
  /** The request path (query excluded): exact, with `*` standing for one path segment, or a RegExp. */
  path: string | RegExp;
  /** How many requests it applies to; default every one. */
  times?: number;
  fault: Fault;
}

interface ActiveRule {
  rule: FaultRule;
  pattern: RegExp;
  left: number;
}

export class FaultTable {
  readonly #rules: ActiveRule[] = [];

  /** Add a rule; earlier rules win. Returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const pattern =
      typeof rule.path === 'string'
        ? new RegExp(`^${rule.path.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`)
        : rule.path;
    const active: ActiveRule = { rule, pattern, left: rule.times ?? Number.POSITIVE_INFINITY };
    this.#rules.push(active);
    return () => {
      const i = this.#rules.indexOf(active);
      if (i >= 0) this.#rules.splice(i, 1);
    };
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** The fault for this request, if any, counting it against its rule. */
  take(method: string, path: string): Fault | undefined {
    for (const active of this.#rules) {
      if (active.left <= 0) continue;
      if (active.rule.method && active.rule.method.toUpperCase() !== method) continue;
      if (!active.pattern.test(path)) continue;
      active.left--;
      return active.rule.fault;
    }
    return undefined;
  }
}
