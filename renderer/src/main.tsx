import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { hasBridge } from './data/bridge.ts';

const root = createRoot(document.getElementById('root') as HTMLElement);
root.render(
  <StrictMode>
    {hasBridge() ? (
      <App />
    ) : (
      <main className="app-error">
        <h1>g8boot</h1>
        <p>This page is g8boot's dashboard: open it from the g8boot app (its tray icon), not in a browser.</p>
      </main>
    )}
  </StrictMode>,
);
