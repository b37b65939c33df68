import { defineConfig } from 'vitest/config';

// Every test starts real mariadbd and agent processes on fixed loopback ports: one file at a time.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
