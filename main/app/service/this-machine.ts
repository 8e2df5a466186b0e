/** "This machine" in the tray and the dashboard: the local ZeroTier One service's node and its membership. */
import { G8bootError, serializeError } from '../../common/errors.ts';
import type { ThisMachine } from '../../common/ipc.ts';
import { connectLocalService, describeJoinStatus, type DiscoveryOptions, type LocalService } from '../../core/zerotier/index.ts';

/** Local calls answer in milliseconds: a service that does not, counts as not running. */
const LOCAL_HTTP = { timeoutMs: 2_000, attempts: 1 };

export async function withLocalService<T>(discovery: DiscoveryOptions, use: (local: LocalService) => Promise<T>): Promise<T> {
  const local = await connectLocalService({ ...discovery, http: LOCAL_HTTP });
  try {
    return await use(local);
  } finally {
    await local.close();
  }
}

export async function readThisMachine(discovery: DiscoveryOptions, networkId: string | null): Promise<ThisMachine> {
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
