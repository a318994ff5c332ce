import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file may start its own PostgreSQL clusters; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
