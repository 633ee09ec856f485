import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // The property tests run thousands of decisions (4–6 s alone) beside the integration tests' dev server and
          // workers on the same cores: a slow machine is not a failure.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One dev server and one workflow bundle per run, shared by every test file.
          globalSetup: ['test/global-setup.ts'],
          // Native Temporal runtime per process; threads would share one.
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
