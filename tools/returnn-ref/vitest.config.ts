import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources, so tests need no build.
export default defineConfig({
  resolve: { conditions: ['strata-source'] },
  ssr: { resolve: { conditions: ['strata-source'] } },
  test: { include: ['src/**/*.test.ts'], testTimeout: 120_000 },
});
