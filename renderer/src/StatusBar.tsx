/**
 * Always visible: what g8boot is connected to, this computer's place on the network, the boot service, and a
 * warning when something needs attention (ZeroTier offline, the monitor showing stale data).
 */
import type { AppState } from '../../main/common/ipc.ts';
import { thisComputerOffNetwork } from '../../main/common/this-computer.ts';

const KIND_WORDS = { central: 'ZeroTier Central', local: 'Self-hosted controller', demo: 'Demo network' } as const;

export function StatusBar({ state }: { state: AppState }) {
  const machine = state.thisMachine;
  const membership = machine?.network && machine.network.id === state.networkId ? machine.network : null;
  const warnings: string[] = [];
  if (machine?.available && !machine.online) warnings.push('ZeroTier on this computer is offline');
  if (state.monitor?.stale) warnings.push('ZeroTier is not answering: showing the last known state');
  // Off the network, every node looks unreachable: say why, and what to run.
  const offNetwork = machine && state.networkId ? thisComputerOffNetwork(machine, state.networkId) : null;
  if (offNetwork) warnings.push(offNetwork);
  if (state.desktop?.trayProblem) warnings.push(state.desktop.trayProblem);
  return (
    <section className="status-bar" aria-label="Status">
      <span>
        {state.controller ? KIND_WORDS[state.controller.kind] : 'Not connected'}
        {state.networkId && (
          <>
            {' · '}
            <span className="mono">{state.networkId}</span>
          </>
        )}
      </span>
      <span>
        This computer:{' '}
        {!machine?.available ? 'no ZeroTier' : membership ? `${membership.statusText}${membership.addresses[0] ? ` (${membership.addresses[0]})` : ''}` : 'not joined'}
      </span>
      <span>Boot service: {state.bootService.running ? 'on' : 'off'}</span>
      {warnings.map((w) => (
        <span key={w} className="status status-warn">
          <span className="status-icon" aria-hidden="true">
            ▲
          </span>
          {w}
        </span>
      ))}
    </section>
  );
}
