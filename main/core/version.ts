/** g8boot's version, injected by the build (esbuild `define`); the source fallback is for tests run from source. */
declare const __G8BOOT_VERSION__: string | undefined;
export const VERSION: string = typeof __G8BOOT_VERSION__ === 'string' ? __G8BOOT_VERSION__ : '0.1.0-dev';
