import { ops, type Tensor } from '@strata/backend';
import { argsFromEntry } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LossShapeError } from './errors.js';
import fixture from './fixtures/returnn-losses.json' with { type: 'json' };
import { LossHolder } from './loss-holder.js';
import { getLoss, lossClass } from './registry.js';
import { expectClose, useBackend } from './test-utils/setup.js';

beforeAll(() => useBackend());

/** RETURNN's LossHolder values of mse, l1 and mean_l1 on a softmax layer (tools/loss-fixtures/make_returnn_loss_fixtures.py). */
interface Row { loss: string; target: 'classes' | 'dense'; loss_opts: Record<string, unknown>; sum: number; error: number; norm_factor: number; objective: number }
const F = fixture as unknown as { logits: number[][][]; dense: number[][][]; classes: number[][]; seqLens: number[]; regression: Row[] };
const [B, T, V] = [F.logits.length, F.logits[0]!.length, F.logits[0]![0]!.length];
const t3 = (v: number[][][]): Tensor => ops.tensor(v.flat(2), [B, T, V]);

describe('mse, l1, mean_l1 against RETURNN (padded sequences)', () => {
  for (const row of F.regression) {
    it(`${row.loss} with a ${row.target} target, loss_opts ${JSON.stringify(row.loss_opts)}: sum, frame error, norm factor, objective`, () => {
      const loss = getLoss(row.loss, argsFromEntry(lossClass(row.loss), row.loss_opts, '', []));
      const holder = new LossHolder({ layerName: 'output', loss });
      const logits = t3(F.logits);
      const target = row.target === 'classes' ? ops.tensor(F.classes.flat(), [B, T], 'int32') : t3(F.dense);
      // RETURNN's regression losses read the output, not the logits (_check_output_before_softmax = False).
      const v = holder.compute({ output: ops.softmax(logits, -1), logits }, target, ops.tensor(F.seqLens, [B], 'int32'));
      expectClose([ops.item(v.sum), ops.item(v.error!), ops.item(holder.normFactor), ops.item(holder.lossValueForObjective!)], [row.sum, row.error, row.norm_factor, row.objective], 2e-4, 1e-5);
    });
  }

  it('l1 and mean_l1 reject a sparse target, as RETURNN asserts', () => {
    const out = { output: ops.zeros([2, 3]) };
    for (const name of ['l1', 'mean_l1']) expect(() => getLoss(name).computeSum(out, ops.tensor([0, 1], [2], 'int32'))).toThrow(LossShapeError);
  });
});
