import { defineConfig } from 'vitest/config';

// Tests start etcd and kube-apiserver on fixed loopback ports: one file at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
