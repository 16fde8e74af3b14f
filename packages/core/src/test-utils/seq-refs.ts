// Closed-form references (tfjs ops) of the sequence layers' rows (seq-rows.ts, attention-rows.ts).
import * as tf from '@tensorflow/tfjs-core';
import type { ReduceMode } from '../layers/seq/reduce.js';

/** `y` `[batch, time, ...]` with frames `t >= lens[b]` zeroed, by a mask built from the numbers. */
export function maskBy(y: tf.Tensor, lens: number[]): tf.Tensor {
  const [batch, time] = y.shape;
  const mask = Float32Array.from({ length: batch! * time! }, (_, i) => (i % time! < lens[Math.floor(i / time!)]! ? 1 : 0));
  return tf.mul(y, tf.tensor(mask, [batch!, time!, ...new Array<number>(y.shape.length - 2).fill(1)]));
}

/** `f` applied to each sequence `x[b, :lens[b]]` (features after), results stacked over the batch. */
export const perSeq = (x: tf.Tensor, lens: number[], f: (seq: tf.Tensor, b: number) => tf.Tensor): tf.Tensor =>
  tf.stack(lens.map((len, b) => f(tf.slice(tf.squeeze(tf.slice(x, [b], [1]), [0]), [0], [len]), b)));

/** Pads axis 0 of `seq` with zeros up to `time` entries. */
export const padTo = (seq: tf.Tensor, time: number): tf.Tensor => tf.pad(seq, seq.shape.map((s, i): [number, number] => (i === 0 ? [0, time - s] : [0, 0])));

export const reduceRef = (mode: ReduceMode, seq: tf.Tensor, axis: number, keepDims = false): tf.Tensor =>
  mode === 'sum' ? tf.sum(seq, axis, keepDims) : mode === 'mean' ? tf.mean(seq, axis, keepDims) : mode === 'max' ? tf.max(seq, axis, keepDims) : tf.min(seq, axis, keepDims);

/** Window reference: out[b, t, w] = x[b, t - left + w] inside the sequence, else 0; gathered by index from x plus a zero frame. */
export function windowRef(x: tf.Tensor, lens: number[], size: number, left: number, outTime: number, valid: boolean): tf.Tensor {
  const [, time, ...feat] = x.shape;
  return tf.stack(
    lens.map((len, b) => {
      const seq = tf.concat([tf.squeeze(tf.slice(x, [b], [1]), [0]), tf.zeros([1, ...feat])]);
      const idx: number[] = [];
      for (let t = 0; t < outTime; t++) {
        for (let w = 0; w < size; w++) {
          const src = valid ? t + w : t - left + w;
          const ok = src >= 0 && src < len && t < (valid ? len - size + 1 : len);
          idx.push(ok ? src : time!);
        }
      }
      return tf.reshape(tf.gather(seq, tf.tensor1d(idx, 'int32')), [outTime, size, ...feat]);
    }),
  );
}

/** Per-head attention with an explicit boolean mask [batch, queries, keys] and -inf energies, heads concatenated. */
export function attentionRef(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, heads: number, allowed: boolean[][][]): tf.Tensor {
  const dk = q.shape[2]! / heads;
  const dv = v.shape[2]! / heads;
  const mask = tf.tensor3d(allowed.map((m) => m.map((r) => r.map(Number))), undefined, 'bool');
  const out = Array.from({ length: heads }, (_, h) => {
    const head = (t: tf.Tensor, d: number) => tf.slice(t, [0, 0, h * d], [-1, -1, d]);
    const energy = tf.matMul(head(q, dk), head(k, dk), false, true);
    const weights = tf.softmax(tf.where(mask, energy, tf.fill(energy.shape, -Infinity)));
    return tf.matMul(weights, head(v, dv));
  });
  return tf.concat(out, -1);
}

export const keysAllowed = (lens: number[], queries: number, keys: number, causal = false): boolean[][][] =>
  lens.map((len) => Array.from({ length: queries }, (_, i) => Array.from({ length: keys }, (_, j) => j < len && (!causal || j <= i))));

/** SelfAttention reference: projections written out per head from RETURNN's QKV layout. */
export function selfAttentionRef(x: tf.Tensor, w: tf.Tensor, lens: number[], heads: number, keyDim: number, valueDim: number, causal: boolean): tf.Tensor {
  const [batch, time, features] = x.shape as [number, number, number];
  const dk = keyDim / heads;
  const dv = valueDim / heads;
  const block = 2 * dk + dv;
  const proj = tf.reshape(tf.matMul(tf.reshape(x, [batch * time, features]), w), [batch, time, heads, block]);
  const part = (begin: number, size: number) => tf.reshape(tf.slice(proj, [0, 0, 0, begin], [-1, -1, -1, size]), [batch, time, heads * size]);
  const q = tf.div(part(0, dk), Math.sqrt(dk));
  const y = attentionRef(q, part(dk, dk), part(2 * dk, dv), heads, keysAllowed(lens, time, time, causal));
  return maskBy(y, lens);
}


/** Softmax of `seq` `[len, ...]` over its first axis (each feature on its own); an empty sequence stays empty. */
export const softmaxOverFirst = (seq: tf.Tensor): tf.Tensor => {
  if (seq.shape[0] === 0) return seq;
  const last = seq.shape.length - 1;
  const perm = seq.shape.map((_, i) => (i === 0 ? last : i === last ? 0 : i));
  return tf.transpose(tf.softmax(tf.transpose(seq, perm)), perm);
};

/** `x` `[batch, time, ...]` with frames gathered by index along time; index `time` is an extra frame of `fill`. */
export const framesAt = (x: tf.Tensor, idx: number[], fill = 0): tf.Tensor =>
  tf.gather(tf.concat([x, tf.fill([x.shape[0]!, 1, ...x.shape.slice(2)], fill)], 1), tf.tensor1d(idx, 'int32'), 1);

/** The sinusoids `[1, time, channels]` written from the paper's formula (sin block, then cos block; odd last channel 0). */
export function sinusoidsRef(time: number, channels: number): tf.Tensor {
  const half = Math.floor(channels / 2);
  const pos = tf.reshape(tf.range(0, time), [time, 1]);
  const inv = tf.exp(tf.mul(tf.range(0, half), -Math.log(10000) / Math.max(half - 1, 1)));
  const angles = tf.mul(pos, tf.reshape(inv, [1, half]));
  const parts = [tf.sin(angles), tf.cos(angles), ...(channels % 2 ? [tf.zeros([time, 1])] : [])];
  return tf.reshape(tf.concat(parts, 1), [1, time, channels]);
}


export const T5 = [2, 5, 4];
export const range = (start: number, end: number, step: number): number[] => Array.from({ length: Math.max(0, Math.ceil((end - start) / step)) }, (_, i) => start + i * step);

/**
 * A 1-D convolution from TF's definition, tap by tap: `y[t] = b + Σ_j x[t·s + j·d − before] · W[j]`
 * (frames outside `x` read 0), `t < outTime`. `x` `[batch, time, in]`, `W` `[k, in, out]`, `b` `[out]`.
 */
export function tapsConvRef(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, o: { k: number; s: number; d: number; before: number; outTime: number }): tf.Tensor {
  const [batch, time, cin] = x.shape as [number, number, number];
  const cout = w.shape[2]!;
  let y: tf.Tensor = tf.reshape(b, [1, 1, cout]);
  for (let j = 0; j < o.k; j++) {
    const idx = range(0, o.outTime, 1).map((t) => t * o.s + j * o.d - o.before).map((f) => (f >= 0 && f < time ? f : time));
    const frames = tf.reshape(framesAt(x, idx), [batch * o.outTime, cin]);
    y = tf.add(y, tf.reshape(tf.matMul(frames, tf.reshape(tf.slice(w, [j], [1]), [cin, cout])), [batch, o.outTime, cout]));
  }
  return y;
}
