// RETURNN unit_opts on rec with a cell unit: what each cell takes (checked against the unit name as written),
// and rec_weight_dropout (NativeLstm2's dropout on W_re in training, scaled by 1/keep, noise shape per axis).
import { ops } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE, trainingContext } from '../../call-context.js';
import { LayerArgumentError } from '../../errors.js';
import { Rng } from '../../rng.js';
import { useBackend } from '../../test-utils/setup.js';
import { Rec } from './rec.js';
import { checkUnitOpts, deriveUnitOpts, recurrentMatrix, returnnUnitOpts } from './unit-opts.js';

describe('unit_opts', () => {
  beforeAll(() => useBackend('tfjs-cpu'));

  it('takes what RETURNN passes to the cell and Strata runs; refuses the rest by name', () => {
    expect(checkUnitOpts('NativeLstm2', { forget_bias: 0, rec_weight_dropout: 0.2, rec_weight_dropout_shape: [null, 1] }, 'l')).toBeTruthy();
    expect(() => checkUnitOpts('nativelstm2', { forget_bias: 1 }, 'l')).toThrow(/asserts forget_bias == 0/);
    // TF's LSTMCell (StandardLSTM) and RETURNN's ZoneoutLSTMCell: their options become lstmCellOptions.
    expect(returnnUnitOpts('standardlstm', { forget_bias: 0, use_peepholes: true, cell_clip: 3 }, 'l')).toEqual({ lstmCellOptions: { forgetBias: 0, peepholes: true, cellClip: 3 } });
    expect(returnnUnitOpts('StandardLSTM', {}, 'l')).toEqual({ lstmCellOptions: { forgetBias: 1 } });
    expect(() => returnnUnitOpts('standardlstm', { num_proj: 4 }, 'l')).toThrow(/unit_opts.num_proj=4 .*no output projection/);
    expect(() => returnnUnitOpts('basiclstm', { use_peepholes: true }, 'l')).toThrow(/BasicLSTMCell/);
    expect(() => returnnUnitOpts('standardlstm', { activation: 'relu' }, 'l')).toThrow(/unit_opts.activation/);
    // In a rec layer LSTMBlock is NativeLSTM2 (forget_bias 0 only); in an rnn_cell it is StandardLSTM.
    expect(() => returnnUnitOpts('LSTMBlock', { forget_bias: 1 }, 'l')).toThrow(/asserts forget_bias == 0/);
    expect(returnnUnitOpts('LSTMBlock', { forget_bias: 1 }, 'l', { cellOnly: true })).toEqual({ lstmCellOptions: { forgetBias: 1 } });
    const zo = { zoneout_factor_cell: 0.1, zoneout_factor_output: 0.2 };
    expect(returnnUnitOpts('ZoneoutLSTM', zo, 'l')).toEqual({ lstmCellOptions: { forgetBias: 1, zoneout: { cell: 0.1, output: 0.2, useZoneoutOutput: false } } });
    expect(returnnUnitOpts('ZoneoutLSTM', zo, 'l', { behaviorVersion: 17 }).lstmCellOptions?.zoneout?.useZoneoutOutput).toBe(true);
    expect(() => returnnUnitOpts('ZoneoutLSTM', { zoneout_factor_cell: 1 }, 'l')).toThrow(/\[0, 1\)/);
    expect(() => checkUnitOpts('gru', { activation: 'relu' }, 'l')).toThrow(LayerArgumentError);
    expect(() => checkUnitOpts('lstm', { rec_weight_dropout: 1 }, 'l')).toThrow(/\[0, 1\)/);
    // The net dict drops forget_bias once checked (no effect left).
    expect(deriveUnitOpts({ name: 'l', entry: { unit: 'lstm', unit_opts: { forget_bias: 0.0, rec_weight_dropout: 0.1 } }, sources: [], network: undefined })).toEqual({ unitOpts: { rec_weight_dropout: 0.1 } });
    expect(deriveUnitOpts({ name: 'l', entry: { unit: 'standardlstm', unit_opts: { use_peepholes: true, forget_bias: 0.0 } }, sources: [], network: undefined })).toEqual({
      unitOpts: {},
      lstmCellOptions: { forgetBias: 0, peepholes: true },
    });
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
