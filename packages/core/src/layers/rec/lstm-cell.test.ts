// RETURNN's ZoneoutLSTMCell in training: each unit of c (h) keeps its previous value with probability
// zoneout_factor_cell (_output), else takes the LSTM's new value ((1 - z) * dropout(new - prev, keep 1 - z) + prev);
// the evaluation path (the interpolation) is checked in the layer table (lstm-cell-rows.ts).
import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE, trainingContext } from '../../call-context.js';
import { Rng } from '../../rng.js';
import { randomValues, useBackend } from '../../test-utils/setup.js';
import { RnnCell } from './rnn-cell.js';

describe('ZoneoutLSTM in training', () => {
  beforeAll(() => useBackend('tfjs-cpu'));

  it('each state unit is the previous or the new value, each about as often as the factor says; the output is the LSTM`s before zoneout', () => {
    const [batch, units] = [40, 25];
    const zoned = new RnnCell({ unit: 'lstm', units, lstmCellOptions: { forgetBias: 1, zoneout: { cell: 0.3, output: 0.6, useZoneoutOutput: false } } });
    const plain = new RnnCell({ unit: 'lstm', units, lstmCellOptions: { forgetBias: 1 } });
    const x = ops.tensor(randomValues(batch * 3, 1), [batch, 3]);
    const prev = [ops.tensor(randomValues(batch * units, 2), [batch, units]), ops.tensor(randomValues(batch * units, 3), [batch, units])];
    zoned.step(x, prev);
    plain.step(x, prev);
    plain.setWeights(zoned.getWeights());
    const fresh = plain.step(x, prev, INFERENCE);
    const got = zoned.step(x, prev, trainingContext(new Rng(7)));
    expect(Array.from(ops.readSync(got.output))).toEqual(Array.from(ops.readSync(fresh.output)));
    [0.6, 0.3].forEach((factor, s) => {
      const [g, n, p] = [got.states[s]!, fresh.states[s]!, prev[s]!].map((t) => ops.readSync(t));
      let kept = 0;
      for (let i = 0; i < g!.length; i++) {
        const isNew = Math.abs(g![i]! - n![i]!) < 1e-6;
        const isPrev = Math.abs(g![i]! - p![i]!) < 1e-6;
        expect(isNew || isPrev).toBe(true);
        if (isPrev && !isNew) kept++;
      }
      expect(Math.abs(kept / g!.length - factor)).toBeLessThan(0.06);
    });
    // In evaluation: (1 - z) * new + z * prev.
    const evalOut = zoned.step(x, prev, INFERENCE);
    const [c, cn, cp] = [evalOut.states[1]!, fresh.states[1]!, prev[1]!].map((t) => ops.readSync(t));
    for (let i = 0; i < c!.length; i++) expect(c![i]).toBeCloseTo(0.7 * cn![i]! + 0.3 * cp![i]!, 5);
  });
});
