import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          testTimeout: 15_000,
        },
      },
      {
        test: {
          name: 'native',
          include: ['native-tests/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Native tests start Xvfb and browsers; two cores cannot run many of them at once.
          fileParallelism: false,
        },
      },
    ],
  },
});
