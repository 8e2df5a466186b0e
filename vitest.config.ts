import { defineConfig } from 'vitest/config';

// Tests run in Node (the Node 24 installed as a devDependency; npm scripts put it first on PATH).
// Real components: QEMU, redis-server, Chromium, loopback HTTP servers. Boot tests are slow under TCG,
// so files run in parallel (2 workers on CI's 2 cores) and each test bounds its own waits.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
