/**
 * This computer's own ZeroTier node: join the watched network so the nodes' Redis is reachable from here, and
 * follow ZeroTier's progress (asking → waiting for authorization → address) in words.
 */
import type { ThisMachine } from '../../../../main/common/ipc.ts';
import { useAnnounce } from '../../components/Announcer.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { serializedErrorText } from '../../data/error-text.ts';

const STEPS = ['Asked to join', 'Authorized', 'Address assigned'] as const;

/** How far along the join is: steps done, or a status that is a dead end. */
function progress(network: NonNullable<ThisMachine['network']>): { done: number; failed: boolean } {
  switch (network.status) {
    case 'REQUESTING_CONFIGURATION':
    case 'ACCESS_DENIED':
      return { done: 1, failed: false };
    case 'OK':
      return { done: network.addresses.length > 0 ? 3 : 2, failed: false };
    default:
      return { done: 1, failed: true };
  }
}

export function ThisMachinePanel({ machine, networkId }: { machine: ThisMachine | null; networkId: string }) {
  const announce = useAnnounce();
  const join = useCall(() => g8boot().joinThisMachine());
  // A sweep first: the monitor may not have listed this computer's request to join yet.
  const authorize = useCall(async (address: string) => {
    await g8boot().refreshNodes();
    return g8boot().authorizeNode(address, true);
  });

  if (!machine || !machine.available) {
    return (
      <div className="this-machine">
        <p>
          ZeroTier One is not usable on this computer, so g8boot cannot join it to the network. You can still build boot
          media and manage nodes; checking their Redis needs this computer on the network.
        </p>
        {machine?.problem && <ErrorNotice error={serializedErrorText(machine.problem)} />}
      </div>
    );
  }

  const network = machine.network && machine.network.id === networkId ? machine.network : null;
  const state = network ? progress(network) : null;

  return (
    <div className="this-machine">
      <p>
        This computer is ZeroTier node <span className="mono">{machine.address ?? 'unknown'}</span>
        {machine.version && ` (ZeroTier ${machine.version})`}, {machine.online ? 'online' : 'offline: ZeroTier has no connection'}.
      </p>
      {!network ? (
        <div className="button-row">
          <button
            type="button"
            className="primary"
            disabled={join.busy}
            onClick={() =>
              void join.run().then((result) => {
                if (result) announce('Asked ZeroTier to join this computer to the network');
              })
            }
          >
            {join.busy ? 'Joining…' : 'Join this computer to the network'}
          </button>
        </div>
      ) : (
        <>
          <ol className="steps" aria-label="Join progress">
            {STEPS.map((step, i) => {
              const done = state !== null && i < state.done;
              return (
                <li key={step} className={done ? 'step step-done' : 'step'}>
                  <span aria-hidden="true">{done ? '✓' : '○'}</span> {step}
                  <span className="visually-hidden">{done ? ' (done)' : ' (not yet)'}</span>
                </li>
              );
            })}
          </ol>
          <p className={state?.failed ? 'notice notice-error' : 'join-status'} role="status">
            <strong>{network.statusText}</strong> <span className="muted">({network.status})</span>
            {network.addresses.length > 0 && (
              <>
                {' '}
                · <span className="mono">{network.addresses.join(', ')}</span>
              </>
            )}
            {network.device && <span className="muted"> on {network.device}</span>}
          </p>
          {network.status === 'ACCESS_DENIED' && machine.address && (
            <div className="button-row">
              <button type="button" className="primary" disabled={authorize.busy} onClick={() => void authorize.run(machine.address ?? '')}>
                Authorize this computer
              </button>
            </div>
          )}
        </>
      )}
      {join.error && <ErrorNotice error={join.error} />}
      {authorize.error && <ErrorNotice error={authorize.error} />}
    </div>
  );
}
