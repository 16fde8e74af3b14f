import { EditDistanceLoss } from './edit-distance-loss.js';
import { ops } from '@strata/backend';
import { Data, Dim } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from './ce.js';
import { LossArgumentError, LossError } from './errors.js';
import { L1Loss } from './l1.js';
import { LossHolder } from './loss-holder.js';
import { MeanSquaredErrorLoss } from './mse.js';
import { expectClose, logSoftmaxRow, useBackend } from './test-utils/setup.js';

beforeAll(() => useBackend());

// Two sequences of 3 frames, 2 classes; the second sequence has 1 valid frame.
const LOGITS = [
  [[1, 0], [0, 2], [3, 3]],
  [[0, 1], [5, -5], [-5, 5]],
];
const TARGET = [
  [0, 0, 1],
  [0, 1, 1],
];
const SEQ_LENS = [3, 1];
const frame = (b: number, t: number) => -logSoftmaxRow(LOGITS[b]![t]!)[TARGET[b]![t]!]!;
// Valid frames: (0,0) (0,1) (0,2) (1,0). Argmax (ties → first): 0, 1, 0 | 1. Wrong: (0,1), (0,2), (1,0).
const PER_POS = [
  [frame(0, 0), frame(0, 1), frame(0, 2)],
  [frame(1, 0), 0, 0],
];
const SUM = PER_POS.flat().reduce((a, b) => a + b, 0);

function sequenceHolder(scale = 0.5, reduceFunc?: (x: import('@strata/backend').Tensor) => import('@strata/backend').Tensor) {
  const holder = new LossHolder({ name: 'dec/output:ce', layerName: 'output', loss: new CrossEntropyLoss({ useNormalizedLoss: true, scale }), reduceFunc });
  const logits = ops.tensor(LOGITS.flat(2), [2, 3, 2]);
  holder.compute({ output: ops.softmax(logits), logits }, ops.tensor(TARGET.flat(), [2, 3], 'int32'), ops.tensor(SEQ_LENS, [2], 'int32'));
  return holder;
}

describe('LossHolder, the seed 003 getters', () => {
  it('loss value, value for fetch and objective, error value, norm factor (closed form)', () => {
    const h = sequenceHolder();
    expectClose([ops.item(h.lossValue)], [SUM]);
    expectClose([ops.item(h.lossValueForFetch)], [SUM]);
    expectClose([ops.item(h.normFactor)], [1 / 4]);
    expectClose([ops.item(h.lossValueForObjective!)], [(0.5 * SUM) / 4]);
    expectClose([ops.item(h.lossValueForObjective!)], [ops.item(h.lossForObjective)]);
    expect(ops.item(h.errorValue!)).toBe(3);
  });

  it('per position [batch, time] with padding 0, and per sequence normalised by its length', () => {
    const h = sequenceHolder();
    expect(h.lossValuePerPos.shape).toEqual([2, 3]);
    expectClose(Array.from(ops.readSync(h.lossValuePerPos)), PER_POS.flat());
    expect(Array.from(ops.readSync(h.errorValuePerPos!))).toEqual([0, 1, 1, 1, 0, 0]);
    expectClose(Array.from(ops.readSync(h.normalizedLossValuePerSeq)), [(PER_POS[0]![0]! + PER_POS[0]![1]! + PER_POS[0]![2]!) / 3, PER_POS[1]![0]!]);
    expectClose(Array.from(ops.readSync(h.normalizedErrorValuePerSeq!)), [2 / 3, 1]);
  });

  it('reduceFunc replaces the sum: identity gives the unreduced [batch, time] values', () => {
    const h = sequenceHolder(1, (x) => x);
    expect(h.lossValue.shape).toEqual([2, 3]);
    expectClose(Array.from(ops.readSync(h.lossValue)), PER_POS.flat());
    expectClose(Array.from(ops.readSync(h.lossValueForObjective!)), PER_POS.flat().map((v) => v / 4));
    const maxFrame = sequenceHolder(1, (x) => ops.max(x));
    expectClose([ops.item(maxFrame.lossValue)], [Math.max(...PER_POS.flat())]);
  });

  it('scale 0 leaves the loss out of the objective (null), as RETURNN', () => {
    expect(sequenceHolder(0).lossValueForObjective).toBeNull();
  });

  it('init sets the layer and onlyOnEval; opName has no "/"', () => {
    const h = new LossHolder({ name: 'dec/output:ce', loss: new CrossEntropyLoss({ useNormalizedLoss: true }) });
    expect(() => h.layerName).toThrow(LossError);
    expect(() => h.layerName).toThrow(/call init\(layerName\)/);
    expect(h.onlyOnEval).toBe(false);
    expect(h.init('output', { onlyOnEval: true })).toBe(h);
    expect(h.layerName).toBe('output');
    expect(h.onlyOnEval).toBe(true);
    expect(h.opName).toBe('dec_output_ce');
    const explicit = new LossHolder({ layerName: 'x', loss: new CrossEntropyLoss({ useNormalizedLoss: true }), onlyOnEval: false }).init('y', { onlyOnEval: true });
    expect(explicit.onlyOnEval).toBe(false);
    expect(() => new LossHolder({ loss: new CrossEntropyLoss({ useNormalizedLoss: true }) })).toThrow(LossArgumentError);
  });

  it('given loss value, error value and norm factor (computed elsewhere)', () => {
    const h = new LossHolder({ name: 'ext', loss: new L1Loss({ useNormalizedLoss: true }), lossValue: ops.scalar(6), errorValue: ops.scalar(2), normFactor: 0.25 });
    expectClose([ops.item(h.lossForReport)], [1.5]);
    expectClose([ops.item(h.errorRate!)], [0.5]);
    expectClose([ops.item(h.normFactor)], [0.25]);
    expect(() => h.lossValuePerPos).toThrow(/per-frame values need compute/);
  });

  it('copyNewBase keeps values, name, scale, layer output and onlyOnEval; a new reduceFunc drops the values', () => {
    const out = new Data({ name: 'output', dims: [new Dim({ description: 'time' }), new Dim({ description: 'feature', size: 2, kind: 'feature' })], dtype: 'float32' });
    const h = sequenceHolder();
    const withOutput = new LossHolder({ layerName: 'output', loss: h.loss, layerOutput: out, onlyOnEval: true });
    expect(withOutput.copyNewBase({ name: 'extra/output' }).layerOutput).toBe(out);
    expect(withOutput.copyNewBase().onlyOnEval).toBe(true);
    const copy = h.copyNewBase({ name: 'extra.search:output', network: { name: 'extra' } });
    expect(copy.name).toBe('extra.search:output');
    expect(copy.layerName).toBe('output');
    expect(copy.scale).toBe(0.5);
    expect(copy.network?.name).toBe('extra');
    expectClose([ops.item(copy.lossValue)], [SUM]);
    const identity = h.copyNewBase({ reduceFunc: (x) => x });
    expect(() => identity.values).toThrow(/call compute/);
  });

  it('lossValueForFetch refuses a non-finite value, naming the loss', () => {
    const h = new LossHolder({ name: 'bad', loss: new L1Loss({ useNormalizedLoss: true }), lossValue: ops.scalar(Number.NaN) });
    expect(() => h.lossValueForFetch).toThrow(/LossHolder "bad": loss value is NaN/);
  });

  it('mse per frame is the mean over the feature axis (RETURNN); a loss without per-frame values says so', () => {
    const h = new LossHolder({ layerName: 'out', loss: new MeanSquaredErrorLoss({ useNormalizedLoss: true }) });
    h.compute({ output: ops.tensor([1, 2, 3, 4], [2, 2]) }, ops.zeros([2, 2]));
    expectClose(Array.from(ops.readSync(h.normalizedLossValuePerSeq)), [2.5, 12.5]);
    const l1 = new LossHolder({ layerName: 'out', loss: new L1Loss({ useNormalizedLoss: true }) });
    l1.compute({ output: ops.tensor([1, 2], [2, 1]) }, ops.zeros([2, 1]));
    expectClose(Array.from(ops.readSync(l1.normalizedLossValuePerSeq)), [1, 2]);
    const ed = new LossHolder({ layerName: 'out', loss: new EditDistanceLoss() });
    ed.compute({ output: ops.tensor([1, 2], [1, 2], 'int32') }, ops.tensor([1, 2], [1, 2], 'int32'));
    expect(() => ed.normalizedLossValuePerSeq).toThrow(/has no per-frame loss values/);
  });
});
