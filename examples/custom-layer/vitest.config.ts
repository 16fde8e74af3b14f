import { defineConfig } from 'vitest/config';

// Resolve the @strata workspace packages to their TypeScript sources (their `strata-source` export), so tests need no build.
export default defineConfig({
  resolve: { conditions: ['strata-source'] },
  ssr: { resolve: { conditions: ['strata-source'] } },
  test: { include: ['test/**/*.test.ts'], exclude: ['**/node_modules/**'], testTimeout: 120_000, hookTimeout: 60_000 },
});
