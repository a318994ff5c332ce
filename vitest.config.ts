import { defineConfig } from 'vitest/config';

/**
 * Two projects. unit: pure tests, no program but node, no server (support/unit-guard.ts makes
 * any other fail), seconds in all. e2e: throwaway PostgreSQL clusters, local git/S3/artifact/API
 * servers, real pg_dump, zstd, age and the built CLI in dist/ (scripts/test.sh builds it first).
 */
const E2E = [
  '__tests__/e2e/**/*.test.ts',
  '__tests__/storage/**/*.test.ts',
  '__tests__/destinations/**/*.test.ts',
  '__tests__/git/git-token.test.ts',
  '__tests__/dump/bundled-scripts.test.ts',
  '__tests__/dump/cli-cache.test.ts',
  '__tests__/dump/engines.test.ts',
  '__tests__/dump/pg-tools.test.ts',
  '__tests__/dump/supabase-cli.test.ts',
  '__tests__/pipeline/compress.test.ts',
  '__tests__/pipeline/encrypt.test.ts',
  '__tests__/pipeline/part.test.ts',
  '__tests__/review/base-config.test.ts',
  '__tests__/commands/plan-command.test.ts',
  '__tests__/proc/run.test.ts',
  '__tests__/alerts/alerts.test.ts',
  '__tests__/restore/filter-data.test.ts',
  '__tests__/restore/unzip.test.ts',
  '__tests__/set/set.test.ts',
  '__tests__/support/fixture.test.ts',
  '__tests__/support/github-rest.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each e2e file may start its own PostgreSQL clusters; two cores, so keep it modest.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['__tests__/**/*.test.ts'],
          exclude: E2E,
          setupFiles: ['__tests__/support/unit-guard.ts'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: E2E,
          globalSetup: ['__tests__/support/dist-fresh.ts'],
        },
      },
    ],
  },
});
