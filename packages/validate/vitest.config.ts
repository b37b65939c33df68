import { defineConfig } from 'vitest/config';

// Tests run kubectl kustomize and stand-in executables: one file at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 20_000,
  },
});
