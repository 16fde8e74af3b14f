// returnnParamsOf: Strata's layers' weights under RETURNN's names (returnn/tf/layers/basic.py LinearLayer W/b,
// ConvLayer W/bias, base.py batch_norm <prefix>mean..., rec.py NativeLSTM2 rec/W, W_re, b), and the way back:
// CheckpointLoader loads them into fresh layers to the same values. RETURNN loading them is checked in
// tools/returnn-ref (strata-export.test.ts, strata_export_check.py).
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { BatchNorm, Conv1D, type Layer, Linear, Rec } from '@strata/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointArgumentError } from '../errors.js';
import { readTfBundle } from '../formats/tf-bundle/bundle-reader.js';
import { writeTfBundle } from '../formats/tf-bundle/bundle-writer.js';
import { CheckpointLoader } from './checkpoint-loader.js';
import { returnnNativeToKerasLstm } from './lstm-layouts.js';
import { returnnParamsOf } from './returnn-export.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-returnn-export-'));
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function layers(seed: number): [string, Layer][] {
  const x = ops.tensor(Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)), [2, 4, 3]);
  const ls: [string, Layer][] = [
    ['lin', new Linear({ units: 2, seed, name: 'lin' })],
    ['conv', new Conv1D({ filters: 2, kernelSize: 3, padding: 'same', seed, name: 'conv' })],
    ['lstm', new Rec({ unit: 'lstm', units: 2, seed, name: 'lstm' })],
    ['bn', new BatchNorm({ seed, name: 'bn' })],
  ];
  for (const [, l] of ls) l.apply(x);
  // Non-default statistics, so the mapping of each shows.
  (ls[3]![1] as BatchNorm).movingMean.assign(ops.tensor([0.1, 0.2, 0.3], [3]));
  return ls;
}

describe('returnnParamsOf', () => {
  it("names and shapes as RETURNN's layers create them; LSTM in NativeLSTM2's gate order", () => {
    const ls = layers(1);
    const params = returnnParamsOf(ls, { globalStep: 7 });
    expect(params.map((p) => [p.name, p.shape])).toEqual([
      ['lin/W', [3, 2]],
      ['lin/b', [2]],
      ['conv/W', [3, 3, 2]],
      ['conv/bias', [2]],
      ['lstm/rec/W', [3, 8]],
      ['lstm/rec/W_re', [2, 8]],
      ['lstm/rec/b', [8]],
      ['bn/batch_norm/v2_gamma', [3]],
      ['bn/batch_norm/v2_beta', [3]],
      ['bn/batch_norm/v2_mean', [3]],
      ['bn/batch_norm/v2_variance', [3]],
      ['global_step', []],
    ]);
    const rec = ls[2]![1] as Rec;
    const get = (n: string) => params.find((p) => p.name === n)!.data as Float32Array;
    const back = returnnNativeToKerasLstm({ inputSize: 3, units: 2, W: get('lstm/rec/W'), WRe: get('lstm/rec/W_re'), b: get('lstm/rec/b') });
    expect(Array.from(back.kernel)).toEqual(Array.from(rec.kernel.readSync()));
    expect(Array.from(back.recurrentKernel)).toEqual(Array.from(rec.recurrentKernel.readSync()));
    expect(Array.from(get('bn/batch_norm/v2_mean'))).toEqual(Array.from(Float32Array.of(0.1, 0.2, 0.3)));
    const v0 = returnnParamsOf([ls[3]!], { batchNormParamVersion: 0 });
    expect(v0.map((p) => [p.name, p.shape])[2]).toEqual(['bn/batch_norm/bn_bn_output_mean', [1, 1, 3]]);
  });

  it('a bundle written from it (global_step as int64) loads back into fresh layers by CheckpointLoader', async () => {
    const src = layers(1);
    const prefix = join(dir, 'model');
    await writeTfBundle(prefix, returnnParamsOf(src, { globalStep: 7 }), {}, { int64: ['global_step'] });
    const bundle = await readTfBundle(prefix);
    expect(bundle.tensors.get('global_step')).toMatchObject({ dtype: 'int32', shape: [], data: Int32Array.of(7) });
    const dst = layers(2);
    expect(dst[0]![1].weights[0]!.path).toBe('lin/kernel');
    expect(Array.from(dst[0]![1].weights[0]!.readSync())).not.toEqual(Array.from(src[0]![1].weights[0]!.readSync()));
    new CheckpointLoader({ tensors: bundle.tensors, variables: dst.flatMap(([, l]) => l.weights), source: prefix }).loadNow();
    dst.forEach(([, l], i) => l.weights.forEach((w, j) => expect(Array.from(w.readSync()), w.path).toEqual(Array.from(src[i]![1].weights[j]!.readSync()))));
  });

  it('refuses layers whose RETURNN names it does not know', () => {
    const gru = new Rec({ unit: 'gru', units: 2 });
    gru.apply(ops.tensor(new Float32Array(6), [1, 2, 3]));
    expect(() => returnnParamsOf([['g', gru]])).toThrow(CheckpointArgumentError);
    expect(() => returnnParamsOf([['g', gru]])).toThrow("RETURNN export, layer 'g': rec unit 'gru'");
  });
});
