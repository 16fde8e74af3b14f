// Every row of the layer table (test-utils/layer-rows.ts) on every installed
// backend: tfjs-cpu is the reference; tfjs-wasm, onnxruntime in eager mode
// (one session per op) and onnxruntime compiled (the whole layer traced into
// one ONNX graph) must give the same forward outputs.
//
// Tolerance: |actual - expected| <= 1e-5 + 1e-5 * |expected| (float32; summation
// orders differ between tfjs and onnxruntime's MLAS kernels).
import { getBackend, ops, setBackend, type Tensor } from '@strata/backend';
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../test-utils/layer-rows.js';
import { buildOurs, ctxOf, type Row, unwrap } from '../test-utils/row.js';
import { expectClose, useBackend } from '../test-utils/setup.js';

registerOnnxruntimeBackends();

const ATOL = 1e-5;
const RTOL = 1e-5;

// Dropout in training mode draws its mask from the backend's generator, which
// is seeded but not the same stream on tfjs and onnxruntime (by design: each
// backend's RandomUniform). Its statistics are tested in dropout.test.ts.
const parityRows = rows.filter((r) => !(r.training && r.name.startsWith('Dropout')));

function forward(row: Row, compiled: boolean): Float32Array {
  const { layer, xs } = buildOurs(row);
  const ctx = ctxOf(row);
  const run = (...ys: Tensor[]) => layer.apply(unwrap(row, ys), ctx);
  const y = compiled ? getBackend().compile(run)(...xs) : run(...xs);
  const out = Float32Array.from(ops.readSync(y) as Float32Array);
  layer.dispose();
  return out;
}

describe('backend parity: every layer of the table on tfjs-wasm and onnxruntime vs tfjs-cpu (atol 1e-5, rtol 1e-5)', () => {
  const reference = new Map<string, Float32Array>();
  beforeAll(async () => {
    await useBackend('tfjs-cpu');
    for (const row of parityRows) reference.set(row.name, forward(row, false));
  });
  afterAll(() => useBackend('tfjs-cpu'));

  const cases: [string, string, boolean][] = [
    ['tfjs-wasm', 'tfjs-wasm', false],
    ['onnxruntime eager', 'onnxruntime', false],
    ['onnxruntime compiled', 'onnxruntime', true],
  ];
  for (const [label, backend, compiled] of cases) {
    describe(label, () => {
      beforeAll(() => setBackend(backend));
      for (const row of parityRows) {
        it(row.name, () => {
          if (compiled && row.compiledError) return void expect(() => forward(row, true)).toThrow(row.compiledError);
          const got = forward(row, compiled);
          expect(got.length).toBe(reference.get(row.name)!.length);
          expectClose(got, reference.get(row.name)!, ATOL, RTOL);
        });
      }
    });
  }

  it('covers every row but seeded training dropout (with and without a noise shape)', () => {
    expect(rows.length - parityRows.length).toBe(2);
  });
});
