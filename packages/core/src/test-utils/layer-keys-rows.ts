// Rows of the layer table for the RETURNN layer keys of RETURNN's own test
// nets: length over the batch or a static axis, range_from_length of a scalar,
// split_dims of the time axis (tfjs closed forms).
import * as tf from '@tensorflow/tfjs-core';
import { Dropout } from '../layers/dropout.js';
import { Length } from '../layers/seq/length.js';
import { SplitDims } from '../layers/split-dims.js';
import { RangeFromLength } from '../layers/structure/range-from-length.js';
import { type Row, SEED } from './row.js';

export const layerKeysRows: Row[] = [
  {
    // RETURNN's default dropout noise: one draw per feature, shared by the batch entries and frames.
    name: 'Dropout training with noiseShape [1, 1, null] (seeded)',
    make: () => new Dropout({ rate: 0.4, noiseShape: [1, 1, null] }),
    inputs: [[3, 4, 6]],
    training: true,
    refFn: ([x]) => tf.mul(x!, tf.div(tf.cast(tf.greaterEqual(tf.randomUniform([1, 1, 6], 0, 1, 'float32', SEED), 0.4), 'float32'), 0.6)),
  },
  { name: 'Length axis B (the batch size)', make: () => new Length({ axis: 'B' }), inputs: [[3, 4, 2]], forwardOnly: true, refFn: ([x]) => tf.scalar(x!.shape[0]!, 'int32') },
  { name: 'Length of a static axis (float32)', make: () => new Length({ axis: 'F', staticSize: 2, dtype: 'float32' }), inputs: [[3, 4, 2]], forwardOnly: true, refFn: () => tf.scalar(2) },
  {
    name: 'RangeFromLength of a scalar',
    make: () => new RangeFromLength(),
    inputs: [[]],
    intInputs: { 0: [4] },
    forwardOnly: true,
    compiledError: /cannot run 'readSync'/,
    refFn: () => tf.range(0, 4, 1, 'int32'),
  },
  { name: 'SplitDims of the time axis into [-1, 1]', make: () => new SplitDims({ dims: [-1, 1], axis: 1 }), inputs: [[2, 4, 3]], refFn: ([x]) => tf.reshape(x!, [2, 4, 1, 3]) },
];
