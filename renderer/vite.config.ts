// The renderer's production build. The app loads dist/renderer from its own `app://` protocol, so every URL in
// the output is relative (`base: './'`); scripts/build.mjs and the UI tests run this same configuration.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // The CSP forbids inline scripts: Vite's modulepreload polyfill is not needed in Chromium anyway.
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'chrome140',
  },
});
