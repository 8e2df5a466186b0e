/**
 * A live connection to a ZeroTier controller, from what the person chose (ControllerSetup): ZeroTier Central
 * (token), the controller inside this machine's zerotier-one, or demo mode (the simulator, in this process).
 * Each session also says where this machine's own ZeroTier service is (for "this machine" in the tray).
 */
import { CENTRAL_DEFAULT_URL, checkCentralToken, createCentralController, parseCentralUrl } from '../../core/zerotier/central.ts';
import { createController, type Controller, type DiscoveryOptions } from '../../core/zerotier/index.ts';
import { startDemo, type Demo } from '../../core/zerotier/simulator/demo.ts';
import type { ControllerKindView, ControllerSetup } from '../../common/ipc.ts';
import type { StoredController } from '../settings/schema.ts';
import { startDemoCore0, type DemoCore0 } from './demo-core0.ts';

export interface ControllerSession {
  kind: ControllerKindView;
  controller: Controller;
  /** Where this machine's zerotier-one is (for demo mode: the simulator's). */
  localService: DiscoveryOptions;
  /** The network to select on connect (demo mode's own network); null otherwise. */
  defaultNetworkId: string | null;
  close(): Promise<void>;
}

export interface SessionContext {
  env: NodeJS.ProcessEnv;
  /** Demo nodes answer Redis PING on this port (the monitor probes it). */
  redisPort: number;
}

/**
 * Demo nodes get loopback addresses from this pool, so probing them never sends a packet off this machine, and
 * each answers like core0 on its address where the OS lets g8boot listen there (all of 127/8 on Linux and
 * Windows; only 127.0.0.1 on macOS, where the other demo nodes stay "unreachable").
 */
export const DEMO_SUBNET = '127.86.0.0/24';

export async function openControllerSession(setup: ControllerSetup, context: SessionContext): Promise<ControllerSession> {
  const localService: DiscoveryOptions = { env: context.env };
  switch (setup.kind) {
    case 'central': {
      const controller = createCentralController({
        baseUrl: parseCentralUrl(setup.url ?? CENTRAL_DEFAULT_URL),
        token: checkCentralToken(setup.token, 'the form'),
      });
      return { kind: 'central', controller, localService, defaultNetworkId: null, close: () => controller.close() };
    }
    case 'local': {
      const discovery: DiscoveryOptions = { env: context.env, ztHome: setup.ztHome };
      const controller = await createController({ kind: 'local', discovery });
      return { kind: 'local', controller, localService: discovery, defaultNetworkId: null, close: () => controller.close() };
    }
    case 'demo':
      return openDemoSession(context);
  }
}

async function openDemoSession(context: SessionContext): Promise<ControllerSession> {
  const demo: Demo = await startDemo({
    simulator: {
      networks: [{ id: 'd569b5a47421c8b7', name: 'g8boot-demo', description: 'g8boot demo network', subnet: DEMO_SUBNET, pool: { start: '127.86.0.10', end: '127.86.0.250' } }],
      addressDelayMs: 3000,
    },
  });
  let core0: DemoCore0 | undefined;
  let controller: Controller | undefined;
  try {
    core0 = await startDemoCore0({ simulator: demo.simulator, networkId: demo.networkId, port: context.redisPort });
    controller = createCentralController({ baseUrl: demo.simulator.centralBase, token: demo.simulator.token });
  } catch (error) {
    await core0?.close();
    await demo.stop();
    throw error;
  }
  const closing = controller;
  return {
    kind: 'demo',
    controller,
    localService: { env: { ...context.env, ZEROTIER_HOME: demo.home }, ztHome: demo.home },
    defaultNetworkId: demo.networkId,
    async close() {
      await closing.close();
      await core0?.close();
      await demo.stop();
    },
  };
}

/** What is saved for a setup: never the token itself. */
export function storedSetup(setup: ControllerSetup, tokenCiphertext: string | null): StoredController {
  if (setup.kind === 'central') return { kind: 'central', url: parseCentralUrl(setup.url ?? CENTRAL_DEFAULT_URL), tokenCiphertext: tokenCiphertext ?? '' };
  if (setup.kind === 'local') return setup.ztHome === undefined ? { kind: 'local' } : { kind: 'local', ztHome: setup.ztHome };
  return { kind: 'demo' };
}
