/**
 * Whether this computer is on the watched network, in words with what to run when it is not. g8boot reaches the
 * nodes' Redis over ZeroTier, so a computer off the network sees every node time out or unreachable; `nodes`,
 * the tray and the dashboard say why instead. Runtime-agnostic: the renderer imports it as it is.
 */
import type { ThisMachine } from './ipc.ts';

/** null: this computer is on `networkId` with an address. Otherwise one or two sentences: what is wrong, what to run. */
export function thisComputerOffNetwork(machine: ThisMachine | null, networkId: string): string | null {
  if (!machine || !machine.available || !machine.address) {
    const why = machine?.problem?.message ? ` (${machine.problem.message.replace(/\.$/, '')})` : '';
    return `This computer has no ZeroTier One answering${why}, so the nodes of ${networkId} cannot be reached from here. Start ZeroTier One, then join with \`g8boot zt join ${networkId}\`.`;
  }
  const membership = machine.network && machine.network.id === networkId ? machine.network : null;
  if (!membership) {
    return `This computer (${machine.address}) is not on network ${networkId}, so its nodes cannot be reached from here. Join it with \`g8boot zt join ${networkId} --wait\`.`;
  }
  if (membership.status === 'OK' && membership.addresses.length > 0) return null;
  if (membership.status === 'ACCESS_DENIED') {
    return `This computer (${machine.address}) asked to join ${networkId} and is waiting for authorization, so the nodes cannot be reached from here yet. Authorize it: \`g8boot authorize ${networkId} ${machine.address}\`.`;
  }
  if (membership.status === 'OK' || membership.status === 'REQUESTING_CONFIGURATION') {
    return `This computer (${machine.address}) is joining ${networkId} (${membership.statusText}): the nodes can be reached once it has its address.`;
  }
  return `This computer (${machine.address}) cannot use network ${networkId}: ${membership.statusText}. Leave it with \`g8boot zt leave ${networkId}\` and check the network id.`;
}

/**
 * Whether this computer is known to be off `networkId`: its ZeroTier One answers and says it is not a member with an
 * address (not joined, joining, waiting for authorization, refused). A computer with no ZeroTier One answering is
 * not known to be off (its nodes may be reachable another way): its probes go on as usual.
 */
export function isKnownOffNetwork(machine: ThisMachine | null, networkId: string): boolean {
  return machine !== null && machine.available && machine.address !== null && thisComputerOffNetwork(machine, networkId) !== null;
}
