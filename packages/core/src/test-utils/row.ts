// The row type of the layer table (layer-rows.ts) and what its tests do with a row.
import { ops, type Tensor } from '@strata/backend';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type CallContext, INFERENCE, type Layer } from '../layer.js';
import { randomValues } from './setup.js';

// The part of a tfjs-layers layer the table uses (tfjs-layers exports no common Layer type from its index).
export type RefLayer = Pick<ReturnType<typeof tfl.layers.dense>, 'apply' | 'setWeights' | 'trainableWeights'>;

export interface Row {
  name: string;
  make: () => Layer;
  /** Input shapes, batch first; one entry (and no `seqLens`) = a single-tensor input. float32 unless in `intInputs`. */
  inputs: number[][];
  /** Values of int32 inputs by index into `inputs` (class indices, positions); never differentiated. */
  intInputs?: Record<number, number[]>;
  /**
   * Sequence lengths: an int32 `[batch]` tensor passed after the inputs
   * (layers taking `[x, seqLens]`); never differentiated. The masking test
   * changes the padded frames of `paddedInputs` and expects no change.
   */
  seqLens?: number[];
  /** Float inputs (indices into `inputs`) whose axis 1 is the time axis `seqLens` pads. Default `[0]`. */
  paddedInputs?: number[];
  /** A tfjs-layers layer whose weights (same order as Strata's) are copied from the Strata layer. */
  refLayer?: () => RefLayer;
  /** Maps the row's inputs (int32 ones and seqLens included) to the reference layer's input. Default: all but seqLens. */
  refInput?: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  /**
   * Or a closed form in tfjs ops, of all the row's inputs (int32 ones and
   * seqLens included) and the layer's weights (Strata's order, as tfjs tensors).
   */
  refFn?: (xs: tf.Tensor[], weights: tf.Tensor[]) => tf.Tensor;
  /** Maps the reference layer's output to Strata's layout (e.g. time-reversed, or masked by `xs`' seqLens). */
  refOutput?: (y: tf.Tensor, xs: tf.Tensor[]) => tf.Tensor;
  /** No gradient to compare: the output is int32 (lengths) or depends on no float input and no weight. */
  forwardOnly?: boolean;
  /** Run in training mode (dropout masks seeded with SEED, batch statistics). */
  training?: boolean;
  /** Values of weight `i` of `shape` (default: uniform in [-1, 1)). */
  weight?: (i: number, shape: number[]) => Float32Array;
  /** Values of input `i` (default: uniform in [-1, 1)). */
  input?: (i: number, n: number) => Float32Array;
  /**
   * Gradients a tfjs backend cannot take (dilated conv2d on tfjs-cpu, gather
   * on tfjs-wasm): the forward is compared, and the gradient must throw this
   * error there (so the row notices when the backend is fixed).
   */
  noGrad?: { cpu?: RegExp; wasm?: RegExp };
  /**
   * Gradients the reference (tfjs-layers on tfjs's own kernels) cannot take,
   * or takes wrongly, on tfjs-cpu although Strata gets them right (dilated
   * conv2d: Strata computes the filter gradient from image patches; 'same'
   * average pooling: tfjs' AvgPoolGrad is wrong at the border): the forward
   * is compared with the reference, the gradients between Strata's tfjs-cpu
   * and tfjs-wasm (and, in onnxruntime-grads.test.ts, finite differences).
   */
  noRefGrad?: { cpu?: true };
  /**
   * Layers whose output size depends on input values (flatten_batch,
   * unflatten_nd read lengths or sizes on the host) cannot be traced into one
   * graph: compiled on onnxruntime with symbolic inputs they must throw this error.
   */
  compiledError?: RegExp;
}

// tfjs-backend-wasm 4.22's MaxPoolGrad drops the gradient of all-negative windows;
// @strata/backend-tfjs works around it (max-pool-grad.ts), and the max-pool rows below,
// with inputs in [-1, 1), check that on wasm.

export const SEED = 1234;
export const ctxOf = (row: Row): CallContext => (row.training ? { training: true, nextSeed: () => SEED } : INFERENCE);
export const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
export const inputValues = (row: Row): Float32Array[] => row.inputs.map((s, i) => row.input?.(i, size(s)) ?? randomValues(size(s), 11 + i));
export const positive = (n: number, seed: number): Float32Array => randomValues(n, seed).map((v) => Math.abs(v) + 0.5);
/** Values in {-1, -0.5, 0, 0.5, 1}: comparisons meet equal values. */
export const halves = (n: number, seed: number): Float32Array => randomValues(n, seed).map((v) => Math.round(v * 2) / 2);
/** The layer's argument: the one tensor, or the list (inputs, then seqLens). */
export const unwrap = <T>(row: Row, xs: T[]): T | T[] => (row.inputs.length === 1 && !row.seqLens ? xs[0]! : xs);
/** Indices (into the inputs) of the float32 inputs, the ones differentiated. */
export const floatInputs = (row: Row): number[] => row.inputs.map((_, i) => i).filter((i) => !row.intInputs?.[i]);

/** All the row's input tensors on the active backend: `inputs` (float32 or int32), then seqLens. */
export function rowTensors(row: Row): Tensor[] {
  const floats = inputValues(row);
  const xs = row.inputs.map((shape, i) => {
    const ints = row.intInputs?.[i];
    return ints ? ops.tensor(Int32Array.from(ints), shape, 'int32') : ops.tensor(floats[i]!, shape);
  });
  return row.seqLens ? [...xs, ops.tensor(Int32Array.from(row.seqLens), [row.seqLens.length], 'int32')] : xs;
}

/** The differentiated inputs of `xs`, and a function putting replacements for them back into the full list. */
export function splitInputs<T>(row: Row, xs: T[]): { diff: T[]; full: (ys: T[]) => T[] } {
  const idx = floatInputs(row);
  return { diff: idx.map((i) => xs[i]!), full: (ys) => xs.map((x, i) => (idx.includes(i) ? ys[idx.indexOf(i)]! : x)) };
}

/** Builds the Strata layer of `row` on the active backend, with the row's weights. */
export function buildOurs(row: Row): { layer: Layer; xs: Tensor[]; weights: Float32Array[] } {
  const layer = row.make();
  const xs = rowTensors(row);
  layer.apply(unwrap(row, xs), INFERENCE);
  const weights = layer.weights.map((w, i) => row.weight?.(i, w.shape) ?? randomValues(size(w.shape), 30 + i));
  layer.setWeights(weights);
  return { layer, xs, weights };
}
