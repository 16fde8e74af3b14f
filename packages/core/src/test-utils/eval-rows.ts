// Layer-table rows of RETURNN's eval strings (EvalLayer, Combine kind 'eval') and the combine kinds that came with
// them, each against a closed form in tfjs ops. The strings are ones RETURNN's own tests and demos use.
import * as tf from '@tensorflow/tfjs-core';
import { ActivationLayer } from '../layers/activation.js';
import { Combine } from '../layers/combine.js';
import { EvalLayer } from '../layers/eval-layer.js';
import { positive, type Row } from './row.js';
import { randomValues } from './setup.js';

const SQRT1_2 = Math.SQRT1_2;
/** TF's exact GELU, `0.5 x (1 + erf(x / sqrt 2))`. */
const geluRef = (x: tf.Tensor): tf.Tensor => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));
/** Values in [-3, 3): erf's tails and its middle. */
const wide = (n: number, seed: number): Float32Array => randomValues(n, seed).map((v) => v * 3);

export const evalRows: Row[] = [
  {
    // tests/test_TFNetworkRecLayer.py's explicit LSTM cell, with the gate nonlinearities inside the string.
    name: 'Eval LSTM cell: tf.sigmoid(source(2)) * source(3) + tf.sigmoid(source(0)) * tf.tanh(source(1))',
    make: () => new EvalLayer({ eval: 'tf.sigmoid(source(2)) * source(3) + tf.sigmoid(source(0)) * tf.tanh(source(1))' }),
    inputs: [[2, 3, 4], [2, 3, 4], [2, 3, 4], [2, 3, 4]],
    refFn: ([i, j, f, c]) => tf.add(tf.mul(tf.sigmoid(f!), c!), tf.mul(tf.sigmoid(i!), tf.tanh(j!))),
  },
  {
    name: 'Eval accumulated attention: source(0) + source(1) / (2.0 * source(2)), broadcast',
    make: () => new EvalLayer({ eval: 'source(0) + source(1) / (2.0 * source(2))' }),
    inputs: [[2, 5, 3], [2, 5, 3], [2, 1, 3]],
    input: (i, n) => (i === 2 ? positive(n, 90) : randomValues(n, 91 + i)),
    refFn: ([a, b, c]) => tf.add(a!, tf.div(b!, tf.mul(2, c!))),
  },
  {
    name: 'Eval tf.where(tf.greater(source(0), 0.), source(0), 0.1 * source(0)) ** 2',
    make: () => new EvalLayer({ eval: 'tf.where(tf.greater(source(0), 0.), source(0), 0.1 * source(0)) ** 2' }),
    inputs: [[3, 6]],
    refFn: ([x]) => tf.square(tf.where(tf.greater(x!, 0), x!, tf.mul(0.1, x!))),
  },
  {
    name: 'Eval safe_log(source(0)) - 0.22 * safe_log(source(1))',
    make: () => new EvalLayer({ eval: 'safe_log(source(0)) - 0.22 * safe_log(source(1))' }),
    inputs: [[3, 5], [3, 5]],
    input: (i, n) => positive(n, 93 + i),
    refFn: ([a, b]) => tf.sub(tf.log(a!), tf.mul(0.22, tf.log(b!))),
  },
  {
    name: 'Eval eval_locals and tf.math: scale * tf.math.squared_difference(source(0), source(1)) + tf.clip_by_value(source(0), -0.5, 0.5)',
    make: () => new EvalLayer({ eval: 'scale * tf.math.squared_difference(source(0), source(1)) + tf.clip_by_value(source(0), -0.5, 0.5)', evalLocals: { scale: 0.7 } }),
    inputs: [[3, 5], [3, 5]],
    refFn: ([a, b]) => tf.add(tf.mul(0.7, tf.squaredDifference(a!, b!)), tf.clipByValue(a!, -0.5, 0.5)),
  },
  {
    name: 'Eval logical ops and a cast: tf.cast(tf.logical_and(source(0) > 0, source(1) < 0.5), tf.float32) * source(0) + source(1) % 0.3',
    make: () => new EvalLayer({ eval: 'tf.cast(tf.logical_and(source(0) > 0, source(1) < 0.5), tf.float32) * source(0) + source(1) % 0.3' }),
    inputs: [[4, 5], [4, 5]],
    refFn: ([a, b]) => tf.add(tf.mul(tf.cast(tf.logicalAnd(tf.greater(a!, 0), tf.less(b!, 0.5)), 'float32'), a!), tf.mod(b!, 0.3)),
  },
  {
    name: 'Eval tf.nn.gelu(source(0)) (exact erf form) and tf.math.erf',
    make: () => new EvalLayer({ eval: 'tf.nn.gelu(source(0)) + tf.math.erf(source(0) * 0.5)' }),
    inputs: [[4, 6]],
    input: (_, n) => wide(n, 95),
    refFn: ([x]) => tf.add(geluRef(x!), tf.erf(tf.mul(x!, 0.5))),
  },
  {
    name: 'Combine kind eval with eval_locals: source(0) * am_scale - safe_log(source(1)) * prior_scale',
    make: () => new Combine({ kind: 'eval', eval: 'source(0) * am_scale - safe_log(source(1)) * prior_scale', evalLocals: { am_scale: 0.1, prior_scale: 0.05 } }),
    inputs: [[2, 3, 4], [4]],
    input: (i, n) => (i === 1 ? positive(n, 96) : randomValues(n, 97)),
    refFn: ([a, b]) => tf.sub(tf.mul(a!, 0.1), tf.mul(tf.log(b!), 0.05)),
  },
  { name: 'Combine squared_difference', make: () => new Combine({ kind: 'squared_difference' }), inputs: [[3, 5], [3, 5]], refFn: ([a, b]) => tf.squaredDifference(a!, b!) },
  {
    name: 'Activation gelu (exact erf form, as tf.nn.gelu)',
    make: () => new ActivationLayer({ activation: 'gelu' }),
    inputs: [[4, 6]],
    input: (_, n) => wide(n, 98),
    refFn: ([x]) => geluRef(x!),
  },
  { name: 'Activation log_sigmoid', make: () => new ActivationLayer({ activation: 'log_sigmoid' }), inputs: [[3, 6]], refFn: ([x]) => tf.logSigmoid(x!) },
];
