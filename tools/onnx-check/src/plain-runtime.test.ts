// The exported MNIST MLP and CNN run in plain onnxruntime-node and
// onnxruntime-web (a child process importing no Strata package) and give
// Strata's predictions: same argmax on every dev digit (except exact near-ties
// of Strata's own top two, counted), probabilities within 1e-5.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Comparison, compareExport, type ModelConfig } from './compare.js';

const example = (name: string): ModelConfig => JSON.parse(readFileSync(new URL(`../../../examples/${name}.json`, import.meta.url), 'utf8'));

/** Every runtime: Strata's argmax on every example but the near-ties, probabilities within 1e-5. */
function expectAgreement(r: Comparison): void {
  for (const t of r.runtimes) {
    expect(t.sameArgmax).toBeGreaterThanOrEqual(r.examples - r.nearTies);
    expect(t.maxAbsDiff).toBeLessThan(1e-5);
  }
}

describe('exported ONNX files in plain onnxruntime (node and web) vs Strata on tfjs-wasm', () => {
  it('MNIST MLP: all 2,000 dev digits', async () => {
    const r = await compareExport(example('mnist-mlp'));
    expect(r.examples).toBe(2000);
    expectAgreement(r);
  });
  it('MNIST CNN: 500 dev digits (the CNN forward on tfjs-wasm is the slow part)', async () => {
    const r = await compareExport(example('mnist-cnn'), { limit: 500 });
    expect(r.examples).toBe(500);
    expectAgreement(r);
  });
});
