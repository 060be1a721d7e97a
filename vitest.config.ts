import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests spawn real codex app-servers; two cores do not gain from more workers.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    restoreMocks: true,
    // One throwaway PostgreSQL cluster per run for the fleet tests (test/helpers/postgres.ts).
    globalSetup: ['test/helpers/postgres.ts'],
  },
});
