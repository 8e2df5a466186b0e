/** Boot media: build an image for a network, and the URLs the boot service serves for it. */
import { useState } from 'react';
import type { AppState } from '../../../../main/common/ipc.ts';
import { EmptyState } from '../../components/EmptyState.tsx';
import { BootLinksPanel } from './BootLinksPanel.tsx';
import { BuildImageForm } from './BuildImageForm.tsx';

const NETWORK_ID = /^[0-9a-f]{16}$/;

export function BootMediaView({ state }: { state: AppState }) {
  const [netid, setNetid] = useState(state.networkId ?? '');
  const service = state.bootService;
  const id = netid.trim().toLowerCase();
  return (
    <div className="two-columns">
      <BuildImageForm netid={netid} onNetidChange={setNetid} defaultBootUrl={service.url ?? ''} />
      <section aria-labelledby="links-title">
        <h2 id="links-title">Boot URLs</h2>
        {NETWORK_ID.test(id) ? (
          <BootLinksPanel netid={id} bootServiceRunning={service.running} />
        ) : (
          <EmptyState title="Enter a network id">
            <p>The 16 hex digits of the ZeroTier network the nodes should join; the URLs carry it.</p>
          </EmptyState>
        )}
      </section>
    </div>
  );
}
