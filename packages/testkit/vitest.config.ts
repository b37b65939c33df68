import { defineConfig } from 'vitest/config';

// Tests start real mariadbd and agent processes on fixed ports: one file at a time.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
