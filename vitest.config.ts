import { defineConfig } from 'vitest/config';

// One run over every package (each package's own vitest.config.ts is a project),
// so `pnpm test` prints one summary. `pnpm --filter @strata/core test` runs one package.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'examples', 'examples/custom-layer', 'tools/onnx-check', 'tools/returnn-ref', 'tools/seed-api-check', 'tools/fuzz', 'tools/bench'],
    reporters: ['default', './tools/vitest-summary-reporter.ts'],
  },
});
