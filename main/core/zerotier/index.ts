/**
 * g8boot's ZeroTier layer: one Controller interface over ZeroTier Central and a self-hosted controller, and this
 * machine's ZeroTier One service. The simulator (./simulator/server.ts) is imported separately, by tests and
 * demo mode only.
 */
import { G8bootError, MissingDependencyError } from '../../common/errors.ts';
import { CENTRAL_TOKEN_HINT, createCentralController } from './central.ts';
import type { ControllerConfig } from './config.ts';
import { discoverLocalService, installHint } from './local-discovery.ts';
import { connectSelfHostedController } from './self-hosted.ts';
import type { CallOptions, Controller } from './types.ts';

export type * from './types.ts';
export { CENTRAL_DEFAULT_URL, createCentralController, parseCentralUrl } from './central.ts';
export { resolveControllerConfig, parseControllerKind, type ControllerConfig, type ControllerFlags } from './config.ts';
export { ZeroTierApiError, type HttpTuning } from './http.ts';
export { discoverLocalService, zeroTierPaths, type DiscoveryOptions, type LocalServiceLocation } from './local-discovery.ts';
export {
  connectLocalService,
  createLocalService,
  describeJoinStatus,
  joinUntilReady,
  startJoin,
  waitOrUndoJoin,
  type JoinedNetwork,
  type JoinUntilReadyResult,
  type JoinedNetworkStatus,
  type LocalService,
  type NodeStatus,
} from './local-service.ts';
export { isOnline, ONLINE_WINDOW_MS } from './online.ts';
export { rfc4193Address, sixPlaneAddress } from './addresses.ts';
export { readThisComputer, withLocalService, THIS_COMPUTER_HTTP } from './this-computer.ts';
export { connectSelfHostedController, type SelfHostedController, type LabNetworkSpec } from './self-hosted.ts';

/**
 * The controller a configuration names. For `local`, finds this machine's service and checks that it has a
 * controller (E_ZT_NO_CONTROLLER otherwise).
 */
export async function createController(config: ControllerConfig, options: CallOptions = {}): Promise<Controller> {
  if (config.kind === 'central') {
    return createCentralController({ ...config.http, baseUrl: config.baseUrl, token: config.token, requestsPerSecond: config.requestsPerSecond });
  }
  const discovered = await discoverLocalService(config.discovery).catch((error: unknown) => {
    // Nobody asked for this computer's controller: it was the fallback for a missing Central token.
    if (config.reason === 'default' && error instanceof G8bootError && error.code === 'E_ZT_NOT_INSTALLED') throw noControllerAtAll(error);
    throw error;
  });
  return connectSelfHostedController(discovered, { http: config.http, memberConcurrency: config.memberConcurrency }, options);
}

/** Neither a Central token nor a ZeroTier One here: say both ways to get a controller, not only "install ZeroTier". */
function noControllerAtAll(cause: G8bootError): MissingDependencyError {
  return new MissingDependencyError(
    'E_ZT_NO_CONTROLLER_CONFIGURED',
    'No ZeroTier controller to ask: no ZeroTier Central API token is configured, and this computer has no ZeroTier One.',
    {
      hint: `Connect one of two ways. ZeroTier Central: ${CENTRAL_TOKEN_HINT} Or a controller on this computer: ${installHint(process.platform)} Then create a network with \`g8boot zt create-network --subnet 10.147.17.0/24\` (or set ZEROTIER_HOME / --zt-home if it runs with another home).`,
      cause,
    },
  );
}
