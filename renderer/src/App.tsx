/** The dashboard: navigation between the views, the status bar, and routing of `navigate` requests from the tray. */
import { useEffect, useRef, useState } from 'react';
import type { View } from '../../main/common/ipc.ts';
import { AnnouncerProvider } from './components/Announcer.tsx';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { g8boot } from './data/bridge.ts';
import { useAppData } from './data/use-app-data.ts';
import { StatusBar } from './StatusBar.tsx';
import { BootMediaView } from './views/boot/BootMediaView.tsx';
import { NodesView } from './views/nodes/NodesView.tsx';
import { BootServiceView } from './views/service/BootServiceView.tsx';
import { SettingsView } from './views/settings/SettingsView.tsx';
import { SetupView } from './views/setup/SetupView.tsx';
import { VmsView } from './views/vms/VmsView.tsx';

const VIEWS: { view: View; label: string; title: string }[] = [
  { view: 'setup', label: 'Connection', title: 'Connection to ZeroTier' },
  { view: 'nodes', label: 'Nodes', title: 'Nodes' },
  { view: 'boot', label: 'Boot media', title: 'Boot media' },
  { view: 'vms', label: 'Test VMs', title: 'Test VMs' },
  { view: 'service', label: 'Boot service', title: 'Boot service' },
  { view: 'settings', label: 'Settings', title: 'Settings' },
];

export function App() {
  const data = useAppData();
  const [chosen, setChosen] = useState<View | null>(null);
  const [highlight, setHighlight] = useState<{ nodeId: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const moveFocus = useRef(false);

  const goTo = (view: View) => {
    moveFocus.current = true;
    setChosen(view);
  };

  useEffect(
    () =>
      g8boot().on('navigate', ({ view, nodeId }) => {
        setChosen(view);
        setHighlight(nodeId ? { nodeId } : null);
      }),
    [],
  );

  // The first run starts on the connection, later runs on the nodes; chosen once, so connecting does not jump away.
  const firstRun = data.state?.firstRun;
  useEffect(() => {
    if (firstRun !== undefined) setChosen((current) => current ?? (firstRun ? 'setup' : 'nodes'));
  }, [firstRun]);
  const view: View = chosen ?? (firstRun ? 'setup' : 'nodes');
  useEffect(() => {
    // After the person switches views, focus lands on the new view's heading (screen readers announce it).
    if (!moveFocus.current) return;
    moveFocus.current = false;
    heading.current?.focus();
  }, [view]);

  if (data.loadError) {
    return (
      <main className="app-error">
        <h1>g8boot could not start its dashboard</h1>
        <ErrorNotice error={data.loadError} onRetry={data.reload} />
      </main>
    );
  }
  const state = data.state;
  if (!state) {
    return (
      <main className="app-loading" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  const title = VIEWS.find((v) => v.view === view)?.title ?? '';
  const waiting = data.nodes.filter((n) => n.state === 'waiting').length;

  return (
    <AnnouncerProvider>
      <div className="app">
        <nav className="sidebar" aria-label="Views">
          <p className="brand">g8boot</p>
          <ul className="plain-list">
            {VIEWS.map((v) => (
              <li key={v.view}>
                <button type="button" className="nav-button" aria-current={v.view === view ? 'page' : undefined} onClick={() => goTo(v.view)}>
                  {v.label}
                  {v.view === 'nodes' && waiting > 0 && (
                    <span className="badge">
                      {waiting}
                      <span className="visually-hidden"> waiting for authorization</span>
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
          <p className="version muted">v{state.version}</p>
        </nav>
        <div className="content">
          <StatusBar state={state} />
          <main className="view" aria-labelledby="view-title">
            <h1 id="view-title" ref={heading} tabIndex={-1}>
              {title}
            </h1>
            {view === 'setup' && <SetupView state={state} reload={data.reload} goTo={goTo} />}
            {view === 'nodes' && <NodesView state={state} nodes={data.nodes} activity={data.activity} highlight={highlight} goTo={goTo} />}
            {view === 'boot' && <BootMediaView state={state} />}
            {view === 'vms' && <VmsView state={state} />}
            {view === 'service' && <BootServiceView state={state} />}
            {view === 'settings' && <SettingsView state={state} />}
          </main>
        </div>
      </div>
    </AnnouncerProvider>
  );
}
