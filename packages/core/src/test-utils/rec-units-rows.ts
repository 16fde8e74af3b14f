// Rows of the layer table (layer-rows.ts) for RETURNN's rec units beyond Keras' cells: RHNCell (Rhn).
// References are closed forms in tfjs ops written per sequence from the lengths as plain numbers
// (frames up to each length, run in the direction's order, zeros after), sharing no code with Strata's masking.
import * as tf from '@tensorflow/tfjs-core';
import { Rhn } from '../layers/rec/rhn.js';
import type { Row } from './row.js';

/**
 * RETURNN's RHNCell over each sequence (Zilly et al. 2017, carry gate C = 1 - T): weights in Strata's order
 * `rec/W`, `rec/b`, `rec/rhn_cell/depth_<l>/W`; the state starts at zeros and the output past a sequence's length is zero.
 */
function rhnRef(x: tf.Tensor, weights: tf.Tensor[], units: number, lens: number[] | undefined, direction: 1 | -1): tf.Tensor {
  const [batch, time] = x.shape as [number, number, number];
  const [w, b, ...depth] = weights;
  const seqs: tf.Tensor[] = [];
  for (let i = 0; i < batch; i++) {
    const len = lens?.[i] ?? time;
    const frames: tf.Tensor[] = new Array<tf.Tensor>(len);
    let s: tf.Tensor = tf.zeros([1, units]);
    for (let k = 0; k < len; k++) {
      const t = direction === 1 ? k : len - 1 - k;
      const xp = tf.add(tf.matMul(tf.reshape(tf.slice(x, [i, t, 0], [1, 1, -1]), [1, -1]), w!), b!);
      depth.forEach((wl, l) => {
        const z = l === 0 ? tf.add(tf.matMul(s, wl), xp) : tf.matMul(s, wl);
        const h = tf.tanh(tf.slice(z, [0, 0], [1, units]));
        const g = tf.sigmoid(tf.slice(z, [0, units], [1, units]));
        s = tf.add(s, tf.mul(g, tf.sub(h, s)));
      });
      frames[t] = s;
    }
    const y = tf.concat(frames, 0);
    seqs.push(len < time ? tf.concat([y, tf.zeros([time - len, units])], 0) : y);
  }
  return tf.stack(seqs);
}

export const recUnitRows: Row[] = [
  {
    name: 'Rhn depth 5 (RETURNN RHNCell)',
    make: () => new Rhn({ units: 3, unitOpts: { dropout: 0.3 } }),
    inputs: [[2, 4, 3]],
    refFn: ([x], w) => rhnRef(x!, w, 3, undefined, 1),
  },
  {
    name: 'Rhn depth 2 backward [x, seqLens] (padded frames zero)',
    make: () => new Rhn({ units: 2, direction: -1, unitOpts: { depth: 2 } }),
    inputs: [[3, 5, 3]],
    seqLens: [5, 2, 3],
    refFn: ([x], w) => rhnRef(x!, w, 2, [5, 2, 3], -1),
  },
];
