// Rows of the layer table (layer-rows.ts) for the TF LSTMCell options of Strata's LSTM (peepholes, forget_bias,
// cell_clip; RETURNN's StandardLSTM) and RETURNN's ZoneoutLSTMCell in evaluation, and for one-frame cells on
// class indices. References are closed forms in tfjs ops written from TF's LSTMCell.call
// (tensorflow/python/keras/layers/legacy_rnn/rnn_cell_impl.py) and RETURNN's ZoneoutLSTMCell.__call__, per sequence
// from the lengths as plain numbers (frames up to each length in the direction's order, zeros after).
import * as tf from '@tensorflow/tfjs-core';
import { Rec } from '../layers/rec/rec.js';
import { RnnCell } from '../layers/rec/rnn-cell.js';
import type { Row } from './row.js';

interface LstmRefOptions {
  units: number;
  forgetBias?: number;
  peepholes?: boolean;
  cellClip?: number;
  zoneout?: { cell: number; output: number; useZoneoutOutput: boolean };
  lens?: number[];
  direction?: 1 | -1;
}

/**
 * One frame of TF's LSTMCell in Strata's weight layout (Keras gate order i, f, c, o; Strata's bias holds TF's plus 1
 * on the forget block, so TF's forget_bias fb enters as fb - 1), then RETURNN's zoneout in evaluation.
 * Returns [output, h, c].
 */
function lstmFrame(x: tf.Tensor, h: tf.Tensor, c: tf.Tensor, w: tf.Tensor[], o: LstmRefOptions): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [kernel, rec, bias, wi, wf, wo] = w;
  const u = o.units;
  const z = tf.add(tf.add(tf.matMul(x, kernel!), tf.matMul(h, rec!)), bias!);
  const gate = (k: number) => tf.slice(z, [0, k * u], [-1, u]);
  const peep = (wk: tf.Tensor | undefined, s: tf.Tensor) => (o.peepholes ? tf.mul(wk!, s) : tf.zeros(s.shape));
  const i = tf.sigmoid(tf.add(gate(0), peep(wi, c)));
  const f = tf.sigmoid(tf.add(tf.add(gate(1), (o.forgetBias ?? 1) - 1), peep(wf, c)));
  let cNew = tf.add(tf.mul(f, c), tf.mul(i, tf.tanh(gate(2))));
  if (o.cellClip !== undefined) cNew = tf.clipByValue(cNew, -o.cellClip, o.cellClip);
  const hNew = tf.mul(tf.sigmoid(tf.add(gate(3), peep(wo, cNew))), tf.tanh(cNew));
  if (!o.zoneout) return [hNew, hNew, cNew];
  const zc = o.zoneout.cell;
  const zh = o.zoneout.output;
  const cZ = tf.add(tf.mul(1 - zc, cNew), tf.mul(zc, c));
  const hZ = tf.add(tf.mul(1 - zh, hNew), tf.mul(zh, h));
  return [o.zoneout.useZoneoutOutput ? hZ : hNew, hZ, cZ];
}

/** The LSTM over each sequence `x` `[B, T, F]` from zero states; output zero past each length. */
function lstmRef(x: tf.Tensor, w: tf.Tensor[], o: LstmRefOptions): tf.Tensor {
  const [batch, time] = x.shape as [number, number, number];
  const seqs: tf.Tensor[] = [];
  for (let b = 0; b < batch; b++) {
    const len = o.lens?.[b] ?? time;
    const frames: tf.Tensor[] = new Array<tf.Tensor>(len);
    let h: tf.Tensor = tf.zeros([1, o.units]);
    let c: tf.Tensor = tf.zeros([1, o.units]);
    for (let k = 0; k < len; k++) {
      const t = (o.direction ?? 1) === 1 ? k : len - 1 - k;
      const [out, h2, c2] = lstmFrame(tf.reshape(tf.slice(x, [b, t, 0], [1, 1, -1]), [1, -1]), h, c, w, o);
      [h, c] = [h2, c2];
      frames[t] = out;
    }
    const y = tf.concat(frames, 0);
    seqs.push(len < time ? tf.concat([y, tf.zeros([time - len, o.units])], 0) : y);
  }
  return tf.stack(seqs);
}

export const lstmCellRows: Row[] = [
  {
    name: 'Rec lstm TF LSTMCell peepholes, forget_bias 0, cell_clip (RETURNN StandardLSTM) [x, seqLens]',
    make: () => new Rec({ unit: 'lstm', units: 3, lstmCellOptions: { forgetBias: 0, peepholes: true, cellClip: 0.6 } }),
    inputs: [[3, 4, 2]],
    seqLens: [4, 2, 3],
    refFn: ([x], w) => lstmRef(x!, w, { units: 3, forgetBias: 0, peepholes: true, cellClip: 0.6, lens: [4, 2, 3] }),
  },
  {
    name: 'Rec lstm peepholes backward, forget_bias 1.5',
    make: () => new Rec({ unit: 'lstm', units: 2, direction: -1, lstmCellOptions: { forgetBias: 1.5, peepholes: true } }),
    inputs: [[2, 3, 3]],
    seqLens: [3, 2],
    refFn: ([x], w) => lstmRef(x!, w, { units: 2, forgetBias: 1.5, peepholes: true, lens: [3, 2], direction: -1 }),
  },
  {
    name: 'Rec lstm ZoneoutLSTM in evaluation (output before zoneout, behavior < 17) [x, seqLens]',
    make: () => new Rec({ unit: 'lstm', units: 3, lstmCellOptions: { forgetBias: 1, zoneout: { cell: 0.3, output: 0.2, useZoneoutOutput: false } } }),
    inputs: [[3, 4, 2]],
    seqLens: [4, 1, 3],
    refFn: ([x], w) => lstmRef(x!, w, { units: 3, zoneout: { cell: 0.3, output: 0.2, useZoneoutOutput: false }, lens: [4, 1, 3] }),
  },
  {
    name: 'Rec lstm ZoneoutLSTM in evaluation, use_zoneout_output (behavior >= 17)',
    make: () => new Rec({ unit: 'lstm', units: 2, lstmCellOptions: { forgetBias: 1, zoneout: { cell: 0.1, output: 0.4, useZoneoutOutput: true } } }),
    inputs: [[2, 3, 2]],
    refFn: ([x], w) => lstmRef(x!, w, { units: 2, zoneout: { cell: 0.1, output: 0.4, useZoneoutOutput: true } }),
  },
  {
    name: 'RnnCell lstm peepholes, forget_bias 0 (one frame from zero states)',
    make: () => new RnnCell({ unit: 'lstm', units: 3, lstmCellOptions: { forgetBias: 0, peepholes: true } }),
    inputs: [[2, 4]],
    refFn: ([x], w) => lstmFrame(x!, tf.zeros([2, 3]), tf.zeros([2, 3]), w, { units: 3, forgetBias: 0, peepholes: true })[0],
  },
  {
    name: 'RnnCell lstm on class indices (sparseInputDim: one-hot rows of kernel, RETURNN native LSTM embedding)',
    make: () => new RnnCell({ unit: 'lstm', units: 3, sparseInputDim: 5 }),
    inputs: [[3]],
    intInputs: { 0: [4, 0, 2] },
    refFn: ([x], w) => lstmFrame(tf.oneHot(tf.cast(x!, 'int32'), 5).toFloat(), tf.zeros([3, 3]), tf.zeros([3, 3]), w, { units: 3 })[0],
  },
];
