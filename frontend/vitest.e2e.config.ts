// Browser tests: playwright-core drives Chromium against a running praetor server whose
// address is in PRAETOR_URL (scripts/test-frontend starts one in demo mode).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
