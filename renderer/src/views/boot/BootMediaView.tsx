/** Boot media: build an image for a network, and the URLs the boot service serves for it. */
import { useState } from 'react';
import type { AppState } from '../../../../main/common/ipc.ts';
import { parseBootNetworkId } from '../../../../main/common/validate.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { BootLinksPanel } from './BootLinksPanel.tsx';
import { BuildImageForm } from './BuildImageForm.tsx';

/** The network id as the core parses it (16 hex digits, or 0 for no ZeroTier); undefined while invalid. */
function parsedId(netid: string): string | undefined {
  try {
    return parseBootNetworkId(netid) ?? '0';
  } catch {
    return undefined;
  }
}

export function BootMediaView({ state }: { state: AppState }) {
  const [netid, setNetid] = useState(state.networkId ?? '');
  const service = state.bootService;
  const id = parsedId(netid);
  return (
    <div className="two-columns">
      <BuildImageForm netid={netid} onNetidChange={setNetid} service={service} platform={state.platform} />
      <section aria-labelledby="links-title">
        <h2 id="links-title">Boot URLs</h2>
        {id !== undefined ? (
          <BootLinksPanel netid={id} bootServiceRunning={service.running} />
        ) : (
          <EmptyState title="Enter a network id">
            <p>The 16 hex digits of the ZeroTier network the nodes should join (or 0 for none); the URLs carry it.</p>
          </EmptyState>
        )}
      </section>
    </div>
  );
}
