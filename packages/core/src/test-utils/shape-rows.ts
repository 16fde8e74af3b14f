// Rows of the layer table (layer-rows.ts) for RETURNN's shape and value
// classes (layers/shape/, layers/value/). References are closed forms in tfjs
// ops (tf.cumsum, tf.pad, tf.tile, tf.gather at explicit mirror indices, slices), written
// per sequence from the lengths as plain numbers where lengths matter.
import * as tf from '@tensorflow/tfjs-core';
import { Cumsum } from '../layers/shape/cumsum.js';
import { ExpandDims } from '../layers/shape/expand-dims.js';
import { Pad } from '../layers/shape/pad.js';
import { Repeat } from '../layers/shape/repeat.js';
import { ShiftAxis } from '../layers/shape/shift-axis.js';
import { Squeeze } from '../layers/shape/squeeze.js';
import { Tile } from '../layers/shape/tile.js';
import { ConstantLayer } from '../layers/value/constant.js';
import { Range } from '../layers/value/range.js';
import { RangeInAxis } from '../layers/value/range-in-axis.js';
import { Switch } from '../layers/value/switch.js';
import { VariableLayer } from '../layers/value/variable.js';
import type { Row } from './row.js';
import { padTo, perSeq } from './seq-refs.js';

/** `x` with entries of axis `axis` taken at `idx` (tf.gather, a reference independent of Strata's 0/1 matrices). */
const take = (x: tf.Tensor, idx: number[], axis: number): tf.Tensor => tf.gather(x, tf.tensor1d(idx, 'int32'), axis);

/** Edge replication of `x` along `axis`: `l` copies of the first entry, `r` of the last. */
function replicate(x: tf.Tensor, axis: number, l: number, r: number): tf.Tensor {
  const n = x.shape[axis]!;
  const edge = (i: number, k: number) => tf.concat(new Array<tf.Tensor>(k).fill(tf.slice(x, x.shape.map((_, a) => (a === axis ? i : 0)), x.shape.map((s, a) => (a === axis ? 1 : s!)))), axis);
  return tf.concat([...(l ? [edge(0, l)] : []), x, ...(r ? [edge(n - 1, r)] : [])], axis);
}

export const shapeRows: Row[] = [
  // ---- Cumsum ----
  // Sums of prefixes (tfjs' own Cumsum gradient is wrong for a non-last axis).
  { name: 'Cumsum over T', make: () => new Cumsum({ axis: 'T' }), inputs: [[2, 5, 3]], refFn: ([x]) => tf.stack([...Array(5).keys()].map((t) => tf.sum(tf.slice(x!, [0, 0, 0], [-1, t + 1, -1]), 1)), 1) },
  {
    name: 'Cumsum reverse over F, additional left summand',
    make: () => new Cumsum({ axis: 'F', reverse: true, additionalLeftSummandPerElement: 0.5 }),
    inputs: [[2, 3, 4]],
    refFn: ([x]) => tf.cumsum(tf.add(x!, 0.5), 2, false, true),
  },
  // ---- Pad ----
  { name: 'Pad T constant (1, 2) value 0.5', make: () => new Pad({ axes: 'T', padding: [1, 2], value: 0.5 }), inputs: [[2, 4, 3]], refFn: ([x]) => tf.pad(x!, [[0, 0], [1, 2], [0, 0]], 0.5) },
  { name: 'Pad F reflect (2, 1)', make: () => new Pad({ axes: 'F', padding: [2, 1], mode: 'reflect' }), inputs: [[2, 3, 4]], refFn: ([x]) => take(x!, [2, 1, 0, 1, 2, 3, 2], 2) },
  { name: 'Pad F symmetric (3, 2)', make: () => new Pad({ axes: 'F', padding: [3, 2], mode: 'symmetric' }), inputs: [[2, 3, 4]], refFn: ([x]) => take(x!, [2, 1, 0, 0, 1, 2, 3, 3, 2], 2) },
  { name: 'Pad F replication (1, 3)', make: () => new Pad({ axes: 'F', padding: [1, 3], mode: 'replication' }), inputs: [[2, 3, 4]], refFn: ([x]) => replicate(x!, 2, 1, 3) },
  {
    name: 'Pad F (1, 2) with a scalar value input',
    make: () => new Pad({ axes: 'F', padding: [1, 2], value: 'v' }),
    inputs: [[2, 3, 4], []],
    refFn: ([x, v]) => tf.concat([tf.broadcastTo(v!, [2, 3, 1]), x!, tf.broadcastTo(v!, [2, 3, 2])], 2),
  },
  {
    name: 'Pad two axes, one pair each',
    make: () => new Pad({ axes: [2, 'F'], padding: [[1, 0], [0, 2]], value: -1 }),
    inputs: [[2, 3, 2, 4]],
    refFn: ([x]) => tf.pad(x!, [[0, 0], [0, 0], [1, 0], [0, 2]], -1),
  },
  {
    name: 'Pad T handleDynamicDims [x, seqLens] (value after each sequence)',
    make: () => new Pad({ axes: 'T', padding: [1, 2], value: 0.25, handleDynamicDims: true }),
    inputs: [[2, 4, 3]],
    seqLens: [4, 2],
    refFn: ([x]) => perSeq(x!, [4, 2], (seq) => tf.concat([tf.fill([1, 3], 0.25), seq, tf.fill([7 - 1 - seq.shape[0]!, 3], 0.25)])),
  },
  // ---- Repeat ----
  {
    name: 'Repeat T x2 [x, seqLens]',
    make: () => new Repeat({ repetitions: 2, axis: 'T' }),
    inputs: [[2, 4, 3]],
    seqLens: [4, 3],
    refFn: ([x]) => perSeq(x!, [4, 3], (seq) => padTo(take(seq, [...Array(seq.shape[0]! * 2).keys()].map((j) => Math.floor(j / 2)), 0), 8)),
  },
  {
    name: 'Repeat T by int32 counts [x, counts, seqLens] (host-read sizes)',
    make: () => new Repeat({ repetitions: 'counts', axis: 'T' }),
    inputs: [[2, 4, 3], [2, 4]],
    intInputs: { 1: [1, 0, 3, 2, 2, 1, 1, 5] },
    seqLens: [4, 3],
    // Sequence 0: frames 0, 2, 2, 2, 3, 3 (6); sequence 1: 0, 0, 1, 2 (counts of padded frame 3 ignored), then zeros.
    refFn: ([x]) => tf.stack([take(tf.squeeze(tf.slice(x!, [0], [1]), [0]), [0, 2, 2, 2, 3, 3], 0), padTo(take(tf.squeeze(tf.slice(x!, [1], [1]), [0]), [0, 0, 1, 2], 0), 6)]),
    compiledError: /cannot run 'readSync'/,
  },
  { name: 'Repeat F x3', make: () => new Repeat({ repetitions: 3, axis: 'F' }), inputs: [[2, 3, 4]], refFn: ([x]) => take(x!, [...Array(12).keys()].map((j) => Math.floor(j / 3)), 2) },
  // ---- Tile ----
  { name: 'Tile F x3', make: () => new Tile({ multiples: [['F', 3]] }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.tile(x!, [1, 1, 3]) },
  { name: 'Tile axis 2 x2', make: () => new Tile({ multiples: [[2, 2]] }), inputs: [[2, 3, 2, 4]], refFn: ([x]) => tf.tile(x!, [1, 1, 2, 1]) },
  // ---- ShiftAxis ----
  {
    name: 'ShiftAxis T right 2, pad value 1',
    make: () => new ShiftAxis({ axis: 'T', amount: 2, padValue: 1 }),
    inputs: [[2, 5, 3]],
    refFn: ([x]) => tf.pad(tf.slice(x!, [0, 0, 0], [-1, 3, -1]), [[0, 0], [2, 0], [0, 0]], 1),
  },
  { name: 'ShiftAxis F left 1', make: () => new ShiftAxis({ axis: 'F', amount: -1 }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.pad(tf.slice(x!, [0, 0, 1], [-1, -1, -1]), [[0, 0], [0, 0], [0, 1]]) },
  { name: 'ShiftAxis T left 2, no pad', make: () => new ShiftAxis({ axis: 'T', amount: -2, pad: false }), inputs: [[2, 5, 3]], refFn: ([x]) => tf.slice(x!, [0, 2, 0], [-1, -1, -1]) },
  // ---- ExpandDims / Squeeze ----
  { name: 'ExpandDims spatial dim 2', make: () => new ExpandDims({ axis: 'spatial', dim: 2 }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.tile(tf.expandDims(x!, 2), [1, 1, 2, 1]) },
  { name: 'ExpandDims F', make: () => new ExpandDims({ axis: 'F' }), inputs: [[2, 3, 4]], refFn: ([x]) => tf.expandDims(x!, 3) },
  { name: 'Squeeze axis 2', make: () => new Squeeze({ axis: 2 }), inputs: [[2, 3, 1, 4]], refFn: ([x]) => tf.squeeze(x!, [2]) },
  // ---- Constant / Range / RangeInAxis / Variable / Switch ----
  { name: 'Constant 1.5 shape [2, 3]', make: () => new ConstantLayer({ value: 1.5, shape: [2, 3] }), inputs: [], forwardOnly: true, refFn: () => tf.fill([2, 3], 1.5) },
  { name: 'Range 1..8 step 3 float32', make: () => new Range({ start: 1, limit: 8, delta: 3, dtype: 'float32' }), inputs: [], forwardOnly: true, refFn: () => tf.range(1, 8, 3) },
  { name: 'Range negative delta (int32)', make: () => new Range({ start: 4, limit: -3, delta: -2 }), inputs: [], forwardOnly: true, refFn: () => tf.range(4, -3, -2) },
  { name: 'RangeInAxis T', make: () => new RangeInAxis({ axis: 'T' }), inputs: [[2, 5, 3]], forwardOnly: true, refFn: ([x]) => tf.range(0, x!.shape[1]!) },
  { name: 'Variable [3, 4]', make: () => new VariableLayer({ shape: [3, 4] }), inputs: [], refFn: (_, [w]) => tf.mul(w!, 1) },
  { name: 'Variable [4] with time axis', make: () => new VariableLayer({ shape: [4], addTimeAxis: true }), inputs: [], refFn: (_, [w]) => tf.reshape(w!, [1, 4]) },
  {
    name: 'Variable [4] with time and batch axes (batch from an int32 input)',
    make: () => new VariableLayer({ shape: [4], addTimeAxis: true, addBatchAxis: true }),
    inputs: [[3]],
    intInputs: { 0: [0, 1, 2] },
    refFn: (_, [w]) => tf.tile(tf.reshape(w!, [1, 1, 4]), [3, 1, 1]),
  },
  { name: 'Constant with batch dim', make: () => new ConstantLayer({ value: -2, shape: [3], withBatchDim: true, dtype: 'float32' }), inputs: [[2]], intInputs: { 0: [0, 1] }, forwardOnly: true, refFn: () => tf.fill([2, 3], -2) },
  { name: 'Switch static false: falseFrom layer', make: () => new Switch({ condition: false, trueFrom: 2, falseFrom: 'x' }), inputs: [[2, 3]], refFn: ([x]) => tf.mul(x!, 1) },
];
