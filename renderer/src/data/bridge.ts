/**
 * The renderer's only way out: `window.g8boot`, defined by the preload in the app (and by the test harness in
 * Chromium). Everything else in the renderer reaches the main process through this module.
 */
import type { G8bootBridge } from '../../../main/common/ipc.ts';

declare global {
  interface Window {
    /** Absent when the page is opened outside the app (no preload): main.tsx says so instead of crashing. */
    g8boot?: G8bootBridge;
  }
}

export function hasBridge(): boolean {
  return window.g8boot !== undefined;
}

/** The bridge; main.tsx renders nothing that calls this unless `hasBridge()`. */
export function g8boot(): G8bootBridge {
  const bridge = window.g8boot;
  if (!bridge) throw new Error('window.g8boot is missing: this page only works inside g8boot.');
  return bridge;
}
