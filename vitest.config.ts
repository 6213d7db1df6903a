import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'simulators/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests bind real sockets and spawn daemons; a few files at once keeps the 2-core machines honest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
