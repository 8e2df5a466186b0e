/**
 * A live connection to a ZeroTier controller, from what the person chose (ControllerSetup): ZeroTier Central
 * (token), the controller inside this machine's zerotier-one, or demo mode (the simulator, in this process).
 * Each session also says where this machine's own ZeroTier service is (for "this machine" in the tray).
 */
import { CENTRAL_DEFAULT_URL, checkCentralToken, createCentralController, parseCentralUrl } from '../../core/zerotier/central.ts';
import { createController, type Controller, type DiscoveryOptions } from '../../core/zerotier/index.ts';
import { startDemo } from '../../core/zerotier/simulator/demo.ts';
import type { ControllerKindView, ControllerSetup } from '../../common/ipc.ts';
import type { StoredController } from '../settings/schema.ts';

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

/**
 * Demo mode: the same demo network as `g8boot demo` (core/zerotier/simulator/demo.ts), in this process. Its core0
 * stand-ins answer on the port the monitor probes (the settings' Redis port).
 */
async function openDemoSession(context: SessionContext): Promise<ControllerSession> {
  const demo = await startDemo({ redisPort: context.redisPort });
  let controller: Controller;
  try {
    controller = createCentralController({ baseUrl: demo.simulator.centralBase, token: demo.simulator.token });
  } catch (error) {
    await demo.stop();
    throw error;
  }
  return {
    kind: 'demo',
    controller,
    localService: { env: { ...context.env, ZEROTIER_HOME: demo.home }, ztHome: demo.home },
    defaultNetworkId: demo.networkId,
    async close() {
      await controller.close();
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
