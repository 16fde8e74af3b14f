import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources, so tests need no build.
// custom-layer/ is a workspace package of its own, with its own config and tests.
export default defineConfig({
  resolve: { conditions: ['strata-source'] },
  ssr: { resolve: { conditions: ['strata-source'] } },
  test: { include: ['**/*.test.ts'], exclude: ['**/node_modules/**', 'custom-layer/**'], testTimeout: 300_000 },
});
