// RETURNN's batch-norm params (`<layer>/batch_norm/<prefix>_mean`, [1, 1, C] or
// [C]) and RETURNN's rec-unit scopes (`<rec>/rec/<sub-layer>/`) reach Strata's
// variables through CheckpointLoader. The names and shapes are those RETURNN
// b46ff5f0f writes (tools/returnn-ref/fixtures/batch_norm_v0, batch_norm_v12,
// rec_unit_rnn_cell); the end-to-end numbers are checked there.
import { getBackend, ops, setBackend, sizeOf } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Variable } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NamedTensorData } from '../safetensors.js';
import { CheckpointLoader } from './checkpoint-loader.js';
import { renameCandidates, returnnRecUnitScopes } from './renames.js';
import { matchReturnnBatchNorm } from './returnn-batch-norm.js';

function variable(p: string, shape: number[]): Variable {
  const i = p.lastIndexOf('/');
  const init = ops.fill(shape, -1);
  const v = new Variable({ owner: { scopeName: p.slice(0, i), effectiveTrainable: true }, name: p.slice(i + 1), value: getBackend().variable(init, true) });
  ops.dispose(init);
  return v;
}
function tensor(name: string, shape: number[], start: number): NamedTensorData {
  return { name, shape, dtype: 'float32', data: Float32Array.from({ length: sizeOf(shape) }, (_, j) => start + j) };
}
const bnVariables = (scope: string) => ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((l) => variable(`${scope}/${l}`, [3]));

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

describe('RETURNN batch norm', () => {
  it('param_version 0: [1, 1, C] under <layer>/batch_norm/<prefix>_*', () => {
    const names = ['mean', 'variance', 'gamma', 'beta'];
    const tensors = names.map((n, i) => tensor(`output/batch_norm/output_output_output_${n}`, [1, 1, 3], 10 * i));
    const vars = bnVariables('network/output');
    const report = new CheckpointLoader({ tensors, variables: vars, loadIfPrefix: 'network/' }).loadNow();
    expect(vars.map((v) => Array.from(v.readSync()))).toEqual([[20, 21, 22], [30, 31, 32], [0, 1, 2], [10, 11, 12]]);
    expect(report.loaded.get('network/output/moving_mean')).toEqual({ origin: 'returnn-batch-norm', sources: ['output/batch_norm/output_output_output_mean'] });
  });

  it('param_version 2: [C] as v2_*; another layer\'s or another size\'s tensors are not taken', () => {
    const tensors = [
      ...['mean', 'variance', 'gamma', 'beta'].map((n, i) => tensor(`bn/batch_norm/v2_${n}`, [3], 10 * i)),
      tensor('other/batch_norm/v2_mean', [3], 90),
    ];
    expect(matchReturnnBatchNorm('bn/', 3, ['moving_mean'], tensors)?.get('moving_mean')?.name).toBe('bn/batch_norm/v2_mean');
    expect(matchReturnnBatchNorm('bn/', 4, ['moving_mean'], tensors)).toBeUndefined();
    expect(matchReturnnBatchNorm('bn/', 3, ['moving_mean'], [...tensors, tensor('bn/batch_norm/x_mean', [3], 0)])).toBeUndefined(); // ambiguous
    const vars = bnVariables('bn');
    new CheckpointLoader({ tensors, variables: vars }).loadNow();
    expect(Array.from(vars[3]!.readSync())).toEqual([10, 11, 12]);
  });
});

describe("RETURNN's rec-unit scopes", () => {
  it('insert rec/ after a component', () => {
    expect(returnnRecUnitScopes('output/cell/')).toEqual(['output/rec/cell/']);
    expect(returnnRecUnitScopes('output/')).toEqual([]);
    expect(returnnRecUnitScopes('output/rec/cell/')).toEqual([]);
    expect(returnnRecUnitScopes('rec/cell/')).toEqual(['rec/rec/cell/']); // a rec layer named `rec`
    expect(renameCandidates('dec/readout/kernel')).toContain('dec/rec/readout/W');
  });

  it('a rec unit sub-layer and the TF1 LSTM cell of an rnn_cell in it load', () => {
    const [lin, b] = [variable('output/output/kernel', [2, 3]), variable('output/output/bias', [3])];
    const [k, rk, lb] = [variable('output/cell/kernel', [2, 4]), variable('output/cell/recurrent_kernel', [1, 4]), variable('output/cell/bias', [4])];
    const tensors = [
      tensor('output/rec/output/W', [2, 3], 0),
      tensor('output/rec/output/b', [3], 10),
      tensor('output/rec/cell/rec/lstm_cell/kernel', [3, 4], 20),
      tensor('output/rec/cell/rec/lstm_cell/bias', [4], 40),
    ];
    const report = new CheckpointLoader({ tensors, variables: [lin, b, k, rk, lb], forgetBias: 0 }).loadNow();
    expect(Array.from(lin.readSync())).toEqual([0, 1, 2, 3, 4, 5]);
    expect(report.loaded.get('output/output/bias')?.origin).toBe('renamed');
    expect(report.loaded.get('output/cell/kernel')?.origin).toBe('lstm-tf1');
    // TF1 kernel rows [x; h], gates i, j, f, o → Strata kernel (x rows), gates i, f, c(j), o.
    expect(Array.from(k.readSync())).toEqual([20, 22, 21, 23, 24, 26, 25, 27]);
    expect(Array.from(rk.readSync())).toEqual([28, 30, 29, 31]);
  });
});
