import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at once on the 2-core CI machine (vitest's default is cores - 1): the wire tests
    // spend much of their time waiting on sockets and child processes.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default', 'json'],
    outputFile: { json: 'var/test-results.json' },
  },
});
