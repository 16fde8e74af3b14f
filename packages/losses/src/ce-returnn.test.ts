import { ops, type Tensor } from '@strata/backend';
import { argsFromEntry } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss, type CrossEntropyLossOptions } from './ce.js';
import { LossArgumentError } from './errors.js';
import fixture from './fixtures/returnn-losses.json' with { type: 'json' };
import { LossHolder } from './loss-holder.js';
import { lossClass } from './registry.js';
import { expectClose, useBackend, valueAndGradOf } from './test-utils/setup.js';


beforeAll(() => useBackend());

/** RETURNN's LossHolder values for `ce` with each loss_opts (tools/loss-fixtures/make_returnn_loss_fixtures.py). */
interface Row { loss_opts: Record<string, unknown>; sum: number; error: number; norm_factor: number; objective: number }
const F = fixture as unknown as { logits: number[][][]; probs: number[][][]; classes: number[][]; seqLens: number[]; ce: Row[]; ceProbs: Row[] };
const [B, T, V] = [F.logits.length, F.logits[0]!.length, F.logits[0]![0]!.length];
const t3 = (v: number[][][]): Tensor => ops.tensor(v.flat(2), [B, T, V]);
const target = () => ops.tensor(F.classes.flat(), [B, T], 'int32');
const lens = () => ops.tensor(F.seqLens, [B], 'int32');

function check(row: Row, input: { output: Tensor; logits?: Tensor }): void {
  const loss = new CrossEntropyLoss(argsFromEntry(lossClass('ce'), row.loss_opts, '', []) as CrossEntropyLossOptions);
  const holder = new LossHolder({ layerName: 'output', loss });
  const v = holder.compute(input, target(), lens());
  expectClose([ops.item(v.sum), ops.item(v.error!), ops.item(holder.normFactor)], [row.sum, row.error, row.norm_factor], 2e-4, 1e-5);
  expectClose([ops.item(holder.lossValueForObjective!)], [row.objective], 2e-4, 1e-5);
}

describe('CrossEntropyLoss loss_opts against RETURNN', () => {
  for (const row of F.ce) {
    it(`softmax layer, loss_opts ${JSON.stringify(row.loss_opts)}: sum, error, norm factor, objective`, () => {
      const logits = t3(F.logits);
      check(row, row.loss_opts.input_type === 'logits' ? { output: logits } : { output: ops.softmax(logits, -1), logits });
    });
  }
  for (const row of F.ceProbs) {
    it(`given probabilities (one target probability 0), loss_opts ${JSON.stringify(row.loss_opts)}`, () => check(row, { output: t3(F.probs) }));
  }

  it('fake_upper_bound bounds the value but keeps the gradient of the unbounded loss', () => {
    const logits = t3(F.logits);
    const grad = (opts: CrossEntropyLossOptions) => valueAndGradOf((z) => new CrossEntropyLoss(opts).computeSum({ output: ops.softmax(z), logits: z }, target(), lens()), logits).grad;
    expectClose(grad({ fakeUpperBound: 1 }), grad({}), 1e-6);
  });

  it('base options: custom_inv_norm_factor (a layer) is an error; _check_output_before_softmax false makes the holder ignore the logits', () => {
    expect(() => argsFromEntry(lossClass('ce'), { custom_inv_norm_factor: 'seq_len' }, '', [])).not.toThrow();
    expect(() => new CrossEntropyLoss({ customInvNormFactor: 'seq_len' })).toThrow(/custom_inv_norm_factor names a layer/);
    const probs = t3(F.probs);
    const logits = t3(F.logits);
    const sumOf = (opts: CrossEntropyLossOptions, input: { output: Tensor; logits?: Tensor }) =>
      ops.item(new LossHolder({ layerName: 'output', loss: new CrossEntropyLoss(opts) }).compute(input, target(), lens()).sum);
    expect(sumOf({ checkOutputBeforeSoftmax: false }, { output: probs, logits })).toBe(sumOf({}, { output: probs }));
    expect(sumOf({}, { output: probs, logits })).not.toBe(sumOf({}, { output: probs }));
  });

  it('rejects what RETURNN does not implement and debug_dump (no graph printing)', () => {
    expect(() => new CrossEntropyLoss({ debugDump: true })).toThrow(/debug_dump/);
    const dense = ops.oneHot(target(), V);
    const logits = t3(F.logits);
    expect(() => new CrossEntropyLoss({ labelSmoothing: 0.1 }).computeSum({ output: ops.softmax(logits), logits }, dense)).toThrow(LossArgumentError);
    expect(() => new CrossEntropyLoss({ safeLogOpts: { epsilon: 1 } as never })).toThrow(/unknown: epsilon/);
  });
});
