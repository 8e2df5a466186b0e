/**
 * Networks as recently fetched. Both controllers need a network's IPv6 modes to compute members' addresses;
 * reusing a network seen within the last minute keeps authorizing fifty members at fifty requests, not a hundred.
 */
import type { NetworkId } from '../../common/validate.ts';
import type { Network } from './types.ts';

export interface NetworkCache {
  /** Fetch the network and remember it. */
  fetch(networkId: NetworkId, signal: AbortSignal | undefined): Promise<Network>;
  /** The remembered network if it is recent enough, else fetch(). */
  recent(networkId: NetworkId, signal: AbortSignal | undefined): Promise<Network>;
}

export function createNetworkCache(
  load: (networkId: NetworkId, signal: AbortSignal | undefined) => Promise<Network>,
  maxAgeMs = 60_000,
): NetworkCache {
  const seen = new Map<NetworkId, { network: Network; at: number }>();
  const fetch = async (networkId: NetworkId, signal: AbortSignal | undefined) => {
    const network = await load(networkId, signal);
    seen.set(networkId, { network, at: Date.now() });
    return network;
  };
  return {
    fetch,
    recent(networkId, signal) {
      const entry = seen.get(networkId);
      return entry && Date.now() - entry.at < maxAgeMs ? Promise.resolve(entry.network) : fetch(networkId, signal);
    },
  };
}
