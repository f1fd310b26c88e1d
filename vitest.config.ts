import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: run files in parallel, but not so many that KDF-heavy tests starve each other.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
