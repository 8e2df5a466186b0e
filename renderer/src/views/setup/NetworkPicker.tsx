/** Step 2: the networks the controller returned; the chosen one is watched. */
import { useState } from 'react';
import type { NetworkView } from '../../../../main/common/ipc.ts';
import { ChoiceList } from '../../components/ChoiceList.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import type { ErrorText } from '../../data/error-text.ts';

interface NetworkPickerProps {
  networks: NetworkView[];
  current: string | null;
  busy: boolean;
  error: ErrorText | null;
  actionLabel: string;
  onPick: (networkId: string) => void;
}

function memberCounts(network: NetworkView): string {
  if (network.totalMemberCount === null) return '';
  return `${network.authorizedMemberCount ?? '?'} of ${network.totalMemberCount} members authorized`;
}

export function NetworkPicker({ networks, current, busy, error, actionLabel, onPick }: NetworkPickerProps) {
  const [chosen, setChosen] = useState<string | null>(current ?? (networks.length === 1 ? (networks[0]?.id ?? null) : null));
  if (networks.length === 0) {
    return (
      <EmptyState title="This controller has no network">
        <p>Create a private network in ZeroTier Central (or with your controller), then test the connection again.</p>
      </EmptyState>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (chosen) onPick(chosen);
      }}
    >
      <ChoiceList
        legend="Which network do your G8OS nodes join?"
        name="network"
        value={chosen}
        onChange={setChosen}
        choices={networks.map((network) => ({
          value: network.id,
          title: network.name || 'unnamed network',
          detail: (
            <>
              <span className="mono">{network.id}</span>
              {network.id === current && <span className="tag">watching</span>}
            </>
          ),
          text: [network.private ? 'private' : 'public: anyone can join', network.pools.join(', '), memberCounts(network), network.description].filter(Boolean).join(' · '),
        }))}
      />
      {error && <ErrorNotice error={error} />}
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy || !chosen || chosen === current}>
          {busy ? 'Connecting…' : actionLabel}
        </button>
      </div>
    </form>
  );
}
