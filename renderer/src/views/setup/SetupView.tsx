/**
 * The connection to ZeroTier. On the first run: connect (Central token, self-hosted controller or the demo),
 * pick the network, join this computer. Later: what g8boot is connected to, switching networks, disconnecting.
 */
import { useEffect, useState } from 'react';
import type { AppState, ControllerSetup, NetworkView, View } from '../../../../main/common/ipc.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { ControllerForm } from './ControllerForm.tsx';
import { NetworkPicker } from './NetworkPicker.tsx';
import { ThisMachinePanel } from './ThisMachinePanel.tsx';

const KIND_WORDS = { central: 'ZeroTier Central', local: 'the self-hosted controller', demo: 'the demo network' } as const;

interface SetupViewProps {
  state: AppState;
  reload: () => void;
  goTo: (view: View) => void;
}

export function SetupView({ state, reload, goTo }: SetupViewProps) {
  // Set once tested on the first run: the networks that setup can see.
  const [tested, setTested] = useState<{ setup: ControllerSetup; networks: NetworkView[] } | null>(null);
  const connect = useCall(async (setup: ControllerSetup, networkId: string) => {
    await g8boot().connect(setup);
    return g8boot().selectNetwork(networkId);
  });
  const select = useCall((networkId: string) => g8boot().selectNetwork(networkId));
  const disconnect = useCall(() => g8boot().disconnect());
  const networks = useCall(() => g8boot().listNetworks());
  const [listed, setListed] = useState<NetworkView[] | null>(null);
  const connected = !state.firstRun && state.controller !== null;

  const listNetworks = networks.run;
  const endpoint = state.controller?.endpoint;
  useEffect(() => {
    // Listed again whenever the controller changes.
    if (connected) void listNetworks().then((list) => list && setListed(list));
  }, [connected, endpoint, listNetworks]);

  const afterSelect = (result: AppState | undefined) => {
    if (result) reload();
  };

  return (
    <div className="setup-view">
      {!connected ? (
        <>
          <ControllerForm
            secretStorage={state.secretStorage}
            onTested={(setup, list) => setTested({ setup, networks: list })}
            onEdited={() => setTested(null)}
          />
          {tested && (
            <section className="setup-step" aria-labelledby="network-title">
              <h2 id="network-title">2. Choose the network</h2>
              <NetworkPicker
                networks={tested.networks}
                current={null}
                busy={connect.busy}
                error={connect.error}
                actionLabel="Connect and watch this network"
                onPick={(id) => void connect.run(tested.setup, id).then(afterSelect)}
              />
            </section>
          )}
        </>
      ) : (
        <>
          <section className="setup-step" aria-labelledby="connection-title">
            <h2 id="connection-title">Connection</h2>
            <p>
              Connected to {state.controller ? KIND_WORDS[state.controller.kind] : 'nothing'}
              {state.controller?.endpoint && (
                <>
                  {' '}
                  at <span className="mono">{state.controller.endpoint}</span>
                </>
              )}
              .
            </p>
            {disconnect.error && <ErrorNotice error={disconnect.error} />}
            <div className="button-row">
              <button type="button" onClick={() => void disconnect.run().then(afterSelect)} disabled={disconnect.busy}>
                Disconnect
              </button>
            </div>
          </section>
          <section className="setup-step" aria-labelledby="network-title">
            <h2 id="network-title">Network</h2>
            {networks.error && <ErrorNotice error={networks.error} onRetry={() => void listNetworks().then((list) => list && setListed(list))} />}
            {listed ? (
              <NetworkPicker
                networks={listed}
                current={state.networkId}
                busy={select.busy}
                error={select.error}
                actionLabel="Watch this network"
                onPick={(id) => void select.run(id).then(afterSelect)}
              />
            ) : (
              !networks.error && <p className="muted">Listing networks…</p>
            )}
          </section>
          {state.networkId && (
            <section className="setup-step" aria-labelledby="machine-title">
              <h2 id="machine-title">This computer on the network</h2>
              <ThisMachinePanel machine={state.thisMachine} networkId={state.networkId} />
              <div className="button-row">
                <button type="button" className="primary" onClick={() => goTo('nodes')}>
                  Show the nodes
                </button>
              </div>
            </section>
          )}
        </>
      )}
    </div>
  );
}
