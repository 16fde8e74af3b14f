// CustomCheckpointLoader.CustomParamImporter: one layer's tensors imported at once, in the layer's own layout.
import { getBackend, ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Variable } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { CheckpointLoader } from './checkpoint-loader.js';
import { CustomParamImporter } from './custom-param-importer.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const variable = (scope: string, name: string, shape: number[]) => {
  const init = ops.fill(shape, -1);
  const v = new Variable({ owner: { scopeName: scope, effectiveTrainable: true }, name, value: getBackend().variable(init, true) });
  ops.dispose(init);
  return v;
};
const f32 = (name: string, shape: number[], values: number[]): NamedTensorData => ({ name, shape, dtype: 'float32', data: Float32Array.from(values) });

describe('CustomParamImporter', () => {
  it("hands a layer all its tensors below the prefix, once; the rest loads by name with the layer ignored", () => {
    const kernel = variable('net/out', 'kernel', [2, 2]);
    const bias = variable('net/out', 'bias', [2]);
    const other = variable('net/hidden', 'bias', [3]);
    // The old checkpoint stores the output layer transposed with a fused bias row ([3, 2]: W^T then b).
    const tensors = [f32('net/out/W_and_b:0', [3, 2], [1, 3, 2, 4, 5, 6]), f32('net/hidden/bias', [3], [7, 8, 9])];
    const seen: string[][] = [];
    const importer = new CustomParamImporter({layerPrefix: 'net/out/', tensors, setParamValuesByDict: (values) => {
      seen.push([...values.keys()]);
      const wb = values.get('W_and_b')!.data as Float32Array;
      kernel.assign(ops.transpose(ops.tensor(wb.slice(0, 4), [2, 2]), [1, 0]));
      bias.assign(ops.tensor(wb.slice(4), [2]));
    }});
    expect(importer.checkpointParamNames).toEqual(['W_and_b']);
    const report = new CheckpointLoader({ tensors, variables: [kernel, bias, other], ignoreParamsPrefixes: ['net/out/'] }).loadNow();
    expect(report.ignored).toEqual(['net/out/kernel', 'net/out/bias']);
    expect(importer.assignVar()).toBe(true);
    expect(importer.assignVar()).toBe(false);
    expect(seen).toEqual([['W_and_b']]);
    expect(Array.from(kernel.readSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(bias.readSync())).toEqual([5, 6]);
    expect(Array.from(other.readSync())).toEqual([7, 8, 9]);
  });

  it('throws CheckpointFormatError naming the prefix and some tensors when none lies under the prefix', () => {
    expect(() => new CustomParamImporter({ layerPrefix: 'net/outt/', tensors: [f32('net/out/W', [1], [1])], setParamValuesByDict: () => {}, source: 'old.ckpt' })).toThrow(CheckpointFormatError);
    expect(() => new CustomParamImporter({ layerPrefix: 'net/outt/', tensors: [f32('net/out/W', [1], [1])], setParamValuesByDict: () => {}, source: 'old.ckpt' })).toThrow(
      "old.ckpt: invalid safetensors checkpoint: no tensor has the layer prefix 'net/outt/' (tensors: net/out/W); check the prefix, which ends in '/'.",
    );
  });
});
