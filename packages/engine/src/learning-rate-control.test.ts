import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineConfigError } from './errors.js';
import { epochScores, LearningRateControl, type LearningRateControlKind, type LearningRateControlOptions } from './learning-rate-control.js';

/**
 * Learning rates RETURNN's own classes give (returnn/learning_rate_control.py,
 * run by tools/returnn-ref/learning_rate_control.py) for fixed score sequences.
 */
const ref = JSON.parse(readFileSync(new URL('./fixtures/learning-rate-control.json', import.meta.url), 'utf8')) as {
  scores: [number, number, number][];
  cases: { kind: LearningRateControlKind; options: Record<string, unknown>; learning_rates: number[] }[];
};

/** RETURNN's constructor kwargs → Strata's options. */
const NAMES: Record<string, keyof LearningRateControlOptions> = {
  default_learning_rate: 'learningRate',
  default_learning_rates: 'learningRates',
  min_learning_rate: 'minLearningRate',
  error_measure_key: 'errorMeasure',
  relative_error_also_relative_to_learning_rate: 'relativeErrorRelativeToLearningRate',
  min_num_epochs_per_new_learning_rate: 'minNumEpochsPerNewLearningRate',
  relative_error_div_by_old: 'relativeErrorDivByOld',
  learning_rate_decay: 'decay',
  learning_rate_growth: 'growth',
  relative_error_threshold: 'relativeErrorThreshold',
  error_threshold: 'errorThreshold',
  num_epochs: 'multiNumEpochs',
  update_interval: 'multiUpdateInterval',
  relative_error_grow_threshold: 'relativeErrorGrowThreshold',
};

describe('LearningRateControl matches RETURNN', () => {
  it.each(ref.cases.map((c) => [`${c.kind} ${JSON.stringify(c.options)}`, c] as const))('%s', (_, c) => {
    const opts = Object.fromEntries(Object.entries(c.options).map(([k, v]) => [NAMES[k]!, v]));
    const control = new LearningRateControl({ learningRate: 1, ...opts, kind: c.kind });
    const lrs = ref.scores.map(([train, dev, devErr], i) => {
      const lr = control.learningRateForEpoch(i + 1);
      control.setEpochError(i + 1, { train_score: train, train_error: 0 });
      control.setEpochError(i + 1, { dev_score: dev, dev_error: devErr });
      return lr;
    });
    expect(lrs.length).toBe(c.learning_rates.length);
    lrs.forEach((lr, i) => expect(lr, `epoch ${i + 1}`).toBeCloseTo(c.learning_rates[i]!, 12));
  });

  it('keeps its state through toJSON/restore (resume gives the same rates)', () => {
    const a = new LearningRateControl({ kind: 'newbob', learningRate: 1 });
    const b = new LearningRateControl({ kind: 'newbob', learningRate: 1 });
    ref.scores.slice(0, 6).forEach(([t, d], i) => {
      a.learningRateForEpoch(i + 1);
      a.setEpochError(i + 1, { train_score: t, dev_score: d });
    });
    b.restore(a.toJSON());
    expect([7, 8].map((e) => b.learningRateForEpoch(e))).toEqual([7, 8].map((e) => a.learningRateForEpoch(e)));
    expect(b.learningRateForEpoch(7)).toBe(0.25);
  });

  it('names scores as RETURNN does, per loss when there are several', () => {
    const one = { losses: { output: { loss: 0.5, errorRate: 0.1, frames: 10 } }, loss: 0.5, errorRate: 0.1, accuracy: 0.9, samples: 10 };
    expect(epochScores('dev', one)).toEqual({ dev_score: 0.5, dev_error: 0.1 });
    const two = { ...one, losses: { ...one.losses, ctc: { loss: 2, errorRate: 0.3, frames: 10 } } };
    expect(epochScores('train', two)).toEqual({ train_score_output: 0.5, train_error_output: 0.1, train_score_ctc: 2, train_error_ctc: 0.3 });
  });

  it('rejects an unknown kind', () => {
    expect(() => new LearningRateControl({ kind: 'cosine' as never, learningRate: 1 })).toThrow(EngineConfigError);
  });
});
