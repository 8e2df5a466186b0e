/**
 * This computer's ZeroTier node as every face shows it (the app's "This machine", `nodes`' note when it is off
 * the network): its address and its membership of one network. Never throws: a service that is missing or not
 * answering is `available: false` with the problem in words.
 */
import { G8bootError, serializeError } from '../../common/errors.ts';
import type { ThisMachine } from '../../common/ipc.ts';
import type { HttpTuning } from './http.ts';
import type { DiscoveryOptions } from './local-discovery.ts';
import { connectLocalService, describeJoinStatus, type LocalService } from './local-service.ts';

/** Local calls answer in milliseconds: a service that does not, counts as not running. */
export const THIS_COMPUTER_HTTP: HttpTuning = { timeoutMs: 2_000, attempts: 1 };

export async function withLocalService<T>(discovery: DiscoveryOptions, use: (local: LocalService) => Promise<T>, http: HttpTuning = THIS_COMPUTER_HTTP): Promise<T> {
  const local = await connectLocalService({ ...discovery, http });
  try {
    return await use(local);
  } finally {
    await local.close();
  }
}

export async function readThisComputer(discovery: DiscoveryOptions, networkId: string | null): Promise<ThisMachine> {
  try {
    return await withLocalService(discovery, async (local) => {
      const status = await local.status();
      const joined = networkId
        ? await local.getNetwork(networkId).catch((error: unknown) => {
            if (error instanceof G8bootError && error.code === 'E_ZT_NOT_JOINED') return null;
            throw error;
          })
        : null;
      return {
        available: true,
        problem: null,
        address: status.address,
        online: status.online,
        version: status.version,
        network: joined && {
          id: joined.id,
          status: joined.status,
          statusText: describeJoinStatus(joined),
          addresses: joined.assignedAddresses,
          device: joined.device,
        },
      };
    });
  } catch (error) {
    return { available: false, problem: serializeError(error), address: null, online: false, version: null, network: null };
  }
}
