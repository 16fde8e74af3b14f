// Layer-table rows of RETURNN's structure classes (concat, split, cast, top_k), each against a closed form
// in tfjs ops (tf.concat, tf.cast, tf.topk's indices with a tf.gather of the values).
import * as tf from '@tensorflow/tfjs-core';
import { Cast } from '../layers/structure/cast.js';
import { Concat } from '../layers/structure/concat.js';
import { RangeFromLength } from '../layers/structure/range-from-length.js';
import { ReshapeDims } from '../layers/structure/reshape-dims.js';
import { Split } from '../layers/structure/split.js';
import { SwapAxes } from '../layers/structure/swap-axes.js';
import { TrainFlag } from '../layers/structure/train-flag.js';
import { Transpose } from '../layers/structure/transpose.js';
import { TopK } from '../layers/structure/top-k.js';
import type { Row } from './row.js';
import { randomValues } from './setup.js';

/** tf.topk over `axis` (moved last, as RETURNN's top_k): values gathered by tf.topk's indices, so the gradient is tf.gather's. */
export function topKRef(x: tf.Tensor, axis: number, k: number): tf.Tensor {
  const perm = [...x.shape.keys()].filter((i) => i !== axis).concat(axis);
  const xl = tf.transpose(x, perm);
  const n = xl.shape[xl.shape.length - 1]!;
  const rows = xl.size / n;
  // Indices from a copy off the tape: the positions are constants, as in tf.nn.top_k's gradient.
  const idx = tf.topk(tf.tensor(xl.dataSync(), xl.shape), k).indices.reshape([rows, k]);
  const flat = tf.add(idx, tf.mul(tf.range(0, rows, 1, 'int32').reshape([rows, 1]), tf.scalar(n, 'int32')));
  return tf.gather(xl.reshape([-1]), flat.reshape([-1])).reshape([...xl.shape.slice(0, -1), k]);
}

export const structureRows: Row[] = [
  { name: 'Concat F of two inputs', make: () => new Concat({ axes: [2, 2] }), inputs: [[2, 3, 4], [2, 3, 2]], refFn: ([a, b]) => tf.concat([a!, b!], 2) },
  { name: 'Concat spatial axis of three inputs', make: () => new Concat({ axes: [1, 1, 1] }), inputs: [[2, 1, 3], [2, 2, 3], [2, 3, 3]], refFn: ([a, b, c]) => tf.concat([a!, b!, c!], 1) },
  { name: 'Split (its output is its input)', make: () => new Split({ axis: 2, sizeSplits: [1, 3] }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.mul(x!, 1) },
  { name: 'Cast float32 to float32', make: () => new Cast({ dtype: 'float32' }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.cast(x!, 'float32') },
  {
    name: 'Cast float32 to int32 (truncates toward zero)',
    make: () => new Cast({ dtype: 'int32' }),
    inputs: [[2, 3, 4]],
    input: (i, n) => randomValues(n, 21 + i).map((v) => v * 3),
    forwardOnly: true,
    refFn: ([x]) => tf.cast(x!, 'int32'),
  },
  { name: 'TopK k=3 over F', make: () => new TopK({ axis: 2, k: 3 }), inputs: [[2, 3, 5]], refFn: ([x]) => topKRef(x!, 2, 3) },
  { name: 'TopK k=2 over a middle axis', make: () => new TopK({ axis: 1, k: 2 }), inputs: [[2, 4, 3]], refFn: ([x]) => topKRef(x!, 1, 2) },
  { name: 'SwapAxes 1 and 2', make: () => new SwapAxes({ axis1: 1, axis2: 2 }), inputs: [[2, 5, 4, 3]], refFn: ([x]) => tf.transpose(x!, [0, 2, 1, 3]) },
  { name: 'SwapAxes 1 and 3', make: () => new SwapAxes({ axis1: 3, axis2: 1 }), inputs: [[2, 5, 4, 3]], refFn: ([x]) => tf.transpose(x!, [0, 3, 2, 1]) },
  { name: 'Transpose [0, 3, 1, 2]', make: () => new Transpose({ perm: [0, 3, 1, 2] }), inputs: [[2, 5, 4, 3]], refFn: ([x]) => tf.transpose(x!, [0, 3, 1, 2]) },
  { name: 'TrainFlag in inference (false)', make: () => new TrainFlag(), inputs: [], forwardOnly: true, refFn: () => tf.scalar(0) },
  { name: 'TrainFlag in training (true)', make: () => new TrainFlag(), inputs: [], forwardOnly: true, training: true, refFn: () => tf.scalar(1) },
  {
    name: 'RangeFromLength of lengths [4, 2, 5]',
    make: () => new RangeFromLength(),
    inputs: [[3]],
    intInputs: { 0: [4, 2, 5] },
    forwardOnly: true,
    // The output's size is the lengths' maximum, read on the host: no ONNX graph of symbolic lengths.
    compiledError: /cannot run 'readSync'/,
    refFn: ([lens]) => tf.range(0, tf.max(lens!).dataSync()[0]!, 1, 'int32'),
  },
  { name: 'ReshapeDims [4, 6] -> [6, 4] in place', make: () => new ReshapeDims({ inAxes: [2, 3], outSizes: [6, 4] }), inputs: [[2, 3, 4, 6, 2]], refFn: ([x]) => tf.reshape(x!, [2, 3, 6, 4, 2]) },
  {
    name: 'ReshapeDims axes read in reverse order (transpose, then reshape)',
    make: () => new ReshapeDims({ inAxes: [3, 1], outSizes: [2, 12] }),
    inputs: [[2, 4, 3, 6]],
    refFn: ([x]) => tf.reshape(tf.transpose(x!, [0, 3, 1, 2]), [2, 2, 12, 3]),
  },
];
