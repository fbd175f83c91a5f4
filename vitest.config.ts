import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Test files start servers and real tools; two cores: keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
