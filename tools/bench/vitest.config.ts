import { defineConfig } from 'vitest/config';

// Tests of the benchmark's own logic (options, runner, ratios, report); they time nothing real.
export default defineConfig({
  resolve: { conditions: ['strata-source'] },
  ssr: { resolve: { conditions: ['strata-source'] } },
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
