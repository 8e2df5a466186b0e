/**
 * Shared by the ZeroTier tests: a simulator that closes itself and checks, when each test ends, that every
 * request and answer it saw conforms to ZeroTier's OpenAPI documents; temp directories; fast HTTP settings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { createCentralController } from '../../main/core/zerotier/central.ts';
import type { HttpTuning } from '../../main/core/zerotier/http.ts';
import { discoverLocalService, type DiscoveredService } from '../../main/core/zerotier/local-discovery.ts';
import { startSimulator, type SimRequest, type Simulator, type SimulatorOptions } from '../../main/core/zerotier/simulator/server.ts';
import type { Controller } from '../../main/core/zerotier/types.ts';
import { createSpecValidator, SAMPLES_DIR, type SpecValidator } from './spec.ts';

/** Short deadlines and backoffs so error paths take milliseconds. */
export const FAST: HttpTuning = { timeoutMs: 400, attempts: 3, retryBaseDelayMs: 1, retryMaxDelayMs: 5 };

let validator: SpecValidator | undefined;
export function spec(): SpecValidator {
  validator ??= createSpecValidator();
  return validator;
}

export function readSample(name: string): unknown {
  return JSON.parse(readFileSync(join(SAMPLES_DIR, name), 'utf8'));
}

/** Top-level keys, recursively, as "a", "a.b": the shape of an answer without its values. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...keyPaths(child, `${prefix}${key}.`)]);
}

/**
 * Everything in the simulator's request log that does not conform to the documents. Faulted, reset and
 * unrouted requests are not answers of the API and are skipped. `/health` has no schema in the documents; its
 * answers must have the field set of the real 1.14.1 answer.
 */
export function specViolations(sim: Simulator, include: (r: SimRequest) => boolean = () => true): string[] {
  const problems: string[] = [];
  for (const r of sim.requests) {
    if (r.fault !== null || r.status === null || r.route === null || !include(r)) continue;
    const where = `${r.method} ${r.path} → ${r.status}`;
    const body: unknown = r.responseBody === undefined ? undefined : JSON.parse(JSON.stringify(r.responseBody));
    if (r.route === '/health') {
      const expected = keyPaths(readSample('local-GET-health.json')).sort();
      if (JSON.stringify(keyPaths(body).sort()) !== JSON.stringify(expected)) problems.push(`${where}: fields differ from the 1.14.1 sample`);
      continue;
    }
    problems.push(...spec().response(r.api, r.method, r.route, r.status, body).map((e) => `${where}: answer ${e}`));
    if (r.auth === 'ok' && r.status !== 400) {
      problems.push(...spec().request(r.api, r.method, r.route, r.requestBody).map((e) => `${where}: request ${e}`));
    }
  }
  return problems;
}

/**
 * A simulator for one test, with fast timings. When the test ends it is closed, and the test fails if any
 * request or answer it saw drifted from the documents. `checkSpec` can turn that off (tests that send
 * deliberately wrong requests) or pick the requests to check (an old version's documented deviation).
 */
export async function testSimulator(options: SimulatorOptions & { checkSpec?: boolean | ((r: SimRequest) => boolean) } = {}): Promise<Simulator> {
  const { checkSpec = true, ...rest } = options;
  const sim = await startSimulator({ addressDelayMs: 0, configDelayMs: 0, centralRequestsPerSecond: null, ...rest });
  onTestFinished(async (context) => {
    await sim.close();
    if (checkSpec !== false && context.task.result?.state !== 'fail') {
      const problems = specViolations(sim, typeof checkSpec === 'function' ? checkSpec : undefined);
      if (problems.length > 0) throw new Error(`The simulator log does not conform to the OpenAPI documents:\n${problems.join('\n')}`);
    }
  });
  return sim;
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'g8boot-zt-test-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A Central controller on the simulator, closed when the test ends. */
export function centralOn(sim: Simulator, tuning: HttpTuning = FAST, extra: { requestsPerSecond?: number } = {}): Controller {
  // Unpaced unless a test is about pacing: 20 requests/s would make every test wait.
  const controller = createCentralController({ requestsPerSecond: 1000, ...tuning, ...extra, baseUrl: sim.centralBase, token: sim.token });
  onTestFinished(() => controller.close());
  return controller;
}

/** The simulator as this machine's ZeroTier One: a temp ZEROTIER_HOME with its token and port, discovered. */
export async function localOn(sim: Simulator): Promise<DiscoveredService> {
  const home = await tempDir();
  await sim.writeZeroTierHome(home);
  return discoverLocalService({ ztHome: home, env: {} });
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string; exitCode?: number; status?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A port on 127.0.0.1 where nothing listens (taken from a server that was just closed). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
