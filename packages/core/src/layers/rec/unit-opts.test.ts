// RETURNN unit_opts on rec with a cell unit: what each cell takes (checked against the unit name as written),
// and rec_weight_dropout (NativeLstm2's dropout on W_re in training, scaled by 1/keep, noise shape per axis).
import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE, trainingContext } from '../../call-context.js';
import { LayerArgumentError } from '../../errors.js';
import { Rng } from '../../rng.js';
import { useBackend } from '../../test-utils/setup.js';
import { Rec } from './rec.js';
import { checkUnitOpts, deriveUnitOpts, recurrentMatrix } from './unit-opts.js';

describe('unit_opts', () => {
  beforeAll(() => useBackend('tfjs-cpu'));

  it('takes what RETURNN passes to the cell and Strata runs; refuses the rest by name', () => {
    expect(checkUnitOpts('NativeLstm2', { forget_bias: 0, rec_weight_dropout: 0.2, rec_weight_dropout_shape: [null, 1] }, 'l')).toBeTruthy();
    expect(() => checkUnitOpts('nativelstm2', { forget_bias: 1 }, 'l')).toThrow(/asserts forget_bias == 0/);
    expect(checkUnitOpts('standardlstm', { forget_bias: 1.0 }, 'l')).toBeTruthy();
    expect(() => checkUnitOpts('standardlstm', { forget_bias: 0 }, 'l')).toThrow(/folds 1.0/);
    expect(() => checkUnitOpts('standardlstm', { use_peepholes: true }, 'l')).toThrow(/unit_opts.use_peepholes=true/);
    expect(() => checkUnitOpts('gru', { activation: 'relu' }, 'l')).toThrow(LayerArgumentError);
    expect(() => checkUnitOpts('lstm', { rec_weight_dropout: 1 }, 'l')).toThrow(/\[0, 1\)/);
    // The net dict drops forget_bias once checked (no effect left).
    expect(deriveUnitOpts({ name: 'l', entry: { unit: 'lstm', unit_opts: { forget_bias: 0.0, rec_weight_dropout: 0.1 } }, sources: [], network: undefined })).toEqual({ unitOpts: { rec_weight_dropout: 0.1 } });
    expect(() => new Rec({ unit: 'gru', units: 2, unitOpts: { rec_weight_dropout: 0.1 } })).toThrow(LayerArgumentError);
  });

  it('rec_weight_dropout drops whole rows with noise shape [null, 1] in training, scaled by 1/keep; nothing in inference', () => {
    const w = ops.ones([6, 8]);
    const opts = { rec_weight_dropout: 0.5, rec_weight_dropout_shape: [null, 1] };
    expect(Array.from(ops.readSync(recurrentMatrix(w, opts, INFERENCE)))).toEqual(new Array(48).fill(1));
    const v = Array.from(ops.readSync(recurrentMatrix(w, opts, trainingContext(new Rng(5)))));
    for (let r = 0; r < 6; r++) {
      const row = v.slice(r * 8, r * 8 + 8);
      expect(row.every((x) => x === row[0]) && (row[0] === 0 || row[0] === 2)).toBe(true);
    }
  });
});
