/** Build entry of the Electron main process (scripts/build.mjs bundles this file into dist/app/main.mjs). */
import './electron/main.ts';
