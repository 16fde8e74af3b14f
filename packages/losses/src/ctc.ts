import { formatShape, ops, type Tensor } from '@strata/backend';
import { LossArgumentError, LossShapeError } from './errors.js';

/** Options of {@link ctcLoss} and {@link ctcLossSum}. */
export interface CtcLossOptions {
  /**
   * Class index of the CTC blank, in `[0, classes)`. Default `classes - 1`
   * (TensorFlow's `tf.nn.ctc_loss` and RETURNN); PyTorch and Keras 3 use 0.
   */
  blankIndex?: number;
  /**
   * Replace the loss of sequences that have no valid alignment (see
   * "Impossible alignments" on {@link ctcLoss}) by 0, with zero gradient
   * (PyTorch's `zero_infinity`). Decided from the lengths and labels:
   * `min(logitLength, time) < labelLength + adjacent repeats`, or
   * `labelLength > maxLabelLength`. Default `false`.
   */
  zeroInfinity?: boolean;
  /**
   * TF's `ctc_merge_repeated` (`tf.compat.v1.nn.ctc_loss`), default `true`:
   * a label repeated over adjacent frames is one label. `false`: each frame
   * that emits a label is one label (no label self-loops in the topology; two
   * equal adjacent labels need no blank between them).
   */
  mergeRepeated?: boolean;
  /**
   * Best path instead of the full sum (RETURNN's `use_viterbi`, `ctc_loss_viterbi`):
   * `-max over alignments log p(alignment | x)`. Default `false`.
   */
  viterbi?: boolean;
  /**
   * TF's `ignore_longer_outputs_than_inputs`: a sequence whose label is longer
   * than its input (`labelLength > logitLength`) gets loss 0 and zero gradient.
   * Default `false` (TF then fails at run time; here the loss is about `1e30`).
   */
  ignoreLongerOutputsThanInputs?: boolean;
}

/**
 * Stand-in for `log 0`. Finite, so that `x - max` and the backward pass of
 * `exp`/`log` never meet `-Infinity - (-Infinity) = NaN`; `exp(NEG - m)` is
 * exactly 0 for every reachable `m`.
 */
const NEG = -1e30;

/**
 * Connectionist Temporal Classification loss: the per-sequence negative
 * log-likelihood `-log p(labels | x)` of a label sequence under all
 * frame-level alignments that collapse to it (merge repeated classes, then
 * drop blanks). Source: A. Graves, S. Fernández, F. Gomez, J. Schmidhuber,
 * "Connectionist Temporal Classification: Labelling Unsegmented Sequence Data
 * with Recurrent Neural Networks", ICML 2006: §4.1 (the forward variables
 * α over the extended label sequence) and §4.2 (the objective `-ln p(l|x)`
 * and its gradient).
 *
 * `log softmax` over classes is applied here, so pass unnormalised scores
 * (logits). The forward recursion runs in log space over the extended label
 * sequence `l'` (a blank before, between and after the labels; length
 * `2·labelLength + 1`), with the skip transition `s-2 → s` allowed only where
 * `l'[s]` is not blank and differs from `l'[s-2]`. Time is looped in
 * JavaScript (the time axis is a static shape), about 30 small backend ops
 * per frame, so the cost grows about linearly with `time` (forward and backward of
 * batch 8, time 400, 30 classes, labels of 80: about 2.7 s on tfjs-cpu, 1.1 s
 * on tfjs-wasm, 2 cores). All math uses `ops.*`;
 * gradients come from the backend's autodiff and equal, per frame,
 * `softmax(logits) - γ` (§4.2, γ the posterior class occupation).
 *
 * Padding: frames `t >= logitLengths[b]` leave α unchanged and are replaced
 * by zeros before the softmax, so their values (even NaN or ±Infinity) change
 * nothing and get exactly zero gradient. Label entries at positions
 * `>= labelLengths[b]` are ignored. In valid frames, `-Infinity` logits
 * (masked classes) are allowed; `+Infinity` and NaN are not.
 *
 * Impossible alignments: if a sequence has no alignment, e.g. a label longer
 * than its input (`logitLengths[b] < labelLengths[b] + number of adjacent
 * repeats`), or `labelLengths[b] > maxLabelLength`, `log p` is represented by
 * about `-1e30`, so the loss is a huge finite number (about `1e30`) instead of
 * `+Infinity`, and its gradient is finite (and meaningless). Set
 * `zeroInfinity` to get 0 with zero gradient instead. Lengths are tensors, so
 * this is not checked on the host.
 *
 * Shape:
 * - `logits`: float32 `[batch, time, classes]`
 * - `logitLengths`: int32 `[batch]`, valid frames per sequence, in `[0, time]`
 * - `labels`: int32 `[batch, maxLabelLength]`, label indices in
 *   `[0, classes)` other than `blankIndex`, padded with any value
 * - `labelLengths`: int32 `[batch]`, in `[0, maxLabelLength]`
 * - returns: float32 `[batch]`, `-log p(labels[b] | logits[b])` in nats
 *
 * Label values outside `[0, classes)` are not checked (they are tensors);
 * they give an emission probability of 1 and a wrong loss.
 *
 * @throws LossShapeError if the ranks or the batch sizes do not match.
 * @throws LossArgumentError if `blankIndex` is not an integer in `[0, classes)`.
 */
export function ctcLoss(
  logits: Tensor,
  logitLengths: Tensor,
  labels: Tensor,
  labelLengths: Tensor,
  options: CtcLossOptions = {},
): Tensor {
  checkShapes(logits, logitLengths, labels, labelLengths);
  const [batch, time, classes] = logits.shape as [number, number, number];
  const blank = options.blankIndex ?? classes - 1;
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes) {
    throw new LossArgumentError(
      `ctc: blankIndex must be an integer in [0, ${classes}) for ${classes} classes. Received: blankIndex=${blank}`,
    );
  }
  const logitLen = ops.reshape(asInt32(logitLengths), [batch, 1]);
  const labelLen = ops.reshape(asInt32(labelLengths), [batch, 1]);

  // Padded frames become zeros before the softmax: they must not create NaN
  // that the zero gradient of `where` below would multiply.
  const frameValid = lengthMask(logitLen, time); // [batch, time] bool
  const clean = ops.where(ops.reshape(frameValid, [batch, time, 1]), logits, 0);
  // Clamped so that -Infinity logits (masked classes) give NEG, not -Infinity · 0 = NaN in the one-hot product.
  const logProbs = ops.maximum(ops.logSoftmax(clean, -1), NEG);

  const ext = extendedLabels(asInt32(labels), labelLen, blank); // [batch, S] int32
  const S = ext.shape[1]!;
  // emit[b, t, s] = logProbs[b, t, l'[b, s]], by a one-hot product (gather has no batch axis).
  const emit = unstackTime(ops.transpose(ops.matMul(logProbs, ops.oneHot(ext, classes), false, true), [1, 0, 2]));
  const merge = options.mergeRepeated ?? true;
  const { skip, repeats, selfLoop } = labelTopology(ext, blank, merge);
  const combine = options.viterbi ? max3 : logSumExp3;

  // α_{-1} = log [1, 0, 0, ...]: one step of the recursion from it gives Graves' α_1.
  let alpha = ops.pad(ops.fill([batch, 1], 0), [[0, 0], [0, S - 1]], NEG);
  for (let t = 0; t < time; t++) {
    const fromSame = selfLoop ? ops.where(selfLoop, alpha, NEG) : alpha;
    const fromPrev = shiftRight(alpha, 1);
    const fromSkip = ops.where(skip, shiftRight(alpha, 2), NEG);
    const next = ops.add(combine(fromSame, fromPrev, fromSkip), emit[t]!);
    alpha = ops.where(ops.slice(frameValid, [0, t], [batch, 1]), next, alpha);
  }

  // p(l|x) = α_T(|l'|) + α_T(|l'| - 1) (§4.1), 1-based; 0-based: 2L and 2L - 1.
  const pos = ops.tensor(Array.from({ length: S }, (_, s) => s), [1, S], 'int32');
  const twiceLen = ops.add(labelLen, labelLen);
  const isEnd = ops.greater(
    ops.add(ops.cast(ops.equal(pos, twiceLen), 'float32'), ops.cast(ops.equal(ops.add(pos, ops.scalar(1, 'int32')), twiceLen), 'float32')),
    0.5,
  );
  const ends = ops.where(isEnd, alpha, NEG);
  const logLik = options.viterbi ? ops.max(ends, [1]) : logSumExpRows(ends); // [batch]
  let loss = ops.sub(0, logLik); // not neg: -log 1 is +0
  // Decided from the lengths, not from logLik: comparisons have no gradient on tfjs, even after stopGradient.
  const frames = ops.minimum(logitLen, ops.scalar(time, 'int32'));
  if (options.ignoreLongerOutputsThanInputs) loss = ops.where(ops.reshape(ops.greater(labelLen, frames), [batch]), 0, loss);
  if (!options.zeroInfinity) return loss;
  const needed = merge ? ops.add(labelLen, repeats) : labelLen; // a label per frame, plus a blank between merged repeats
  const maxLen = ops.scalar(labels.shape[1]!, 'int32');
  const impossible = ops.add(ops.cast(ops.less(frames, needed), 'float32'), ops.cast(ops.greater(labelLen, maxLen), 'float32'));
  return ops.where(ops.reshape(ops.greater(impossible, 0.5), [batch]), 0, loss);
}

/**
 * {@link ctcLoss} summed over the batch: a float32 scalar `[]`, the form the
 * Strata objective adds up (losses return sums; see `Loss`).
 *
 * As a loss of a network (`"loss": "ctc"`), use `CtcLoss`, which calls this
 * with the output's and the target's lengths and normalises per target label.
 * Called directly, normalise by the number of sequences (or target labels)
 * yourself.
 *
 * Shapes, dtypes, options, padding, impossible alignments and errors: as
 * {@link ctcLoss}. Note that one impossible sequence makes the sum about
 * `1e30` unless `zeroInfinity` is set.
 */
export function ctcLossSum(
  logits: Tensor,
  logitLengths: Tensor,
  labels: Tensor,
  labelLengths: Tensor,
  options: CtcLossOptions = {},
): Tensor {
  return ops.sum(ctcLoss(logits, logitLengths, labels, labelLengths, options));
}

function checkShapes(logits: Tensor, logitLengths: Tensor, labels: Tensor, labelLengths: Tensor): void {
  const fail = (expected: string): never => {
    throw new LossShapeError({ lossName: 'ctc', outputShape: logits.shape, targetShape: labels.shape, expected });
  };
  if (logits.shape.length !== 3) {
    fail('logits are [batch, time, classes], e.g. a [batch, time, feature] output projected to classes; ' +
      'add a time axis with ops.reshape for a single frame');
  }
  const [batch, , classes] = logits.shape as [number, number, number];
  if (classes < 1) fail('logits need at least one class (the blank)');
  if (labels.shape.length !== 2 || labels.shape[0] !== batch) {
    fail(`labels are int32 [batch, maxLabelLength] with batch ${batch}, padded to the longest label sequence`);
  }
  for (const [name, lengths] of [['logitLengths', logitLengths], ['labelLengths', labelLengths]] as const) {
    if (lengths.shape.length !== 1 || lengths.shape[0] !== batch) {
      fail(`${name} is int32 [batch] = [${batch}]. Received: ${name}.shape=${formatShape(lengths.shape)}`);
    }
  }
}

const asInt32 = (x: Tensor): Tensor => (x.dtype === 'int32' ? x : ops.cast(x, 'int32'));

/** `[batch, n]` bool: `index < lengths[b]`, for lengths int32 `[batch, 1]`. */
function lengthMask(lengths: Tensor, n: number): Tensor {
  return ops.less(ops.tensor(Array.from({ length: n }, (_, i) => i), [1, n], 'int32'), lengths);
}

/**
 * `l'`, int32 `[batch, 2·maxLabelLength + 1]`: blank, l1, blank, l2, ..., blank.
 * Labels at positions `>= labelLength` become blanks, so out-of-range padding
 * values never reach `oneHot`.
 */
function extendedLabels(labels: Tensor, labelLen: Tensor, blank: number): Tensor {
  const [batch, maxLen] = labels.shape as [number, number];
  const blankCol = ops.fill([batch, 1], blank, 'int32');
  if (maxLen === 0) return blankCol;
  const blankInt = ops.scalar(blank, 'int32');
  const kept = ops.where(lengthMask(labelLen, maxLen), labels, blankInt);
  const pairs = ops.concat([ops.fill([batch, maxLen, 1], blank, 'int32'), ops.reshape(kept, [batch, maxLen, 1])], 2);
  return ops.concat([ops.reshape(pairs, [batch, 2 * maxLen]), blankCol], 1);
}

/**
 * What the label sequence allows, from `l'` `[batch, S]` alone:
 * - `skip`: `[batch, S]` bool, the transition `s-2 → s` is allowed (`l'[s] != blank`, `l'[s] != l'[s-2]`);
 * - `repeats`: int32 `[batch, 1]`, adjacent equal labels, each of which needs a blank frame between.
 */
function labelTopology(ext: Tensor, blank: number, merge: boolean): { skip: Tensor; repeats: Tensor; selfLoop: Tensor | null } {
  const [batch, S] = ext.shape as [number, number];
  // -1 is no class, so positions 0 and 1 compare unequal; their shifted α is NEG anyway.
  const twoBack = ops.slice(ops.pad(ext, [[0, 0], [2, 0]], -1), [0, 0], [batch, S]);
  const isBlank = ops.equal(ext, ops.scalar(blank, 'int32'));
  const notBlank = ops.sub(1, ops.cast(isBlank, 'float32'));
  const same = ops.cast(ops.equal(ext, twoBack), 'float32');
  return {
    // Without merging, equal adjacent labels are distinct labels: the skip is allowed (TF's `matching_labels_merge`).
    skip: ops.greater(merge ? ops.mul(notBlank, ops.sub(1, same)) : notBlank, 0.5),
    repeats: ops.cast(ops.sum(ops.mul(notBlank, same), [1], true), 'int32'),
    selfLoop: merge ? null : isBlank,
  };
}

/** `max(a, b, c)`: the Viterbi (best path) form of {@link logSumExp3}. */
function max3(a: Tensor, b: Tensor, c: Tensor): Tensor {
  return ops.maximum(ops.maximum(a, b), c);
}

/**
 * `[time, batch, S]` → `time` tensors `[batch, S]`, by halving. The gradient
 * of a slice is padded to the full input, so slicing each frame from the
 * whole tensor would cost `O(time²)` in the backward pass; halving costs
 * `O(time · log time)`.
 */
function unstackTime(x: Tensor): Tensor[] {
  const [time, batch, S] = x.shape as [number, number, number];
  if (time <= 1) return time === 0 ? [] : [ops.reshape(x, [batch, S])];
  const half = Math.floor(time / 2);
  return [
    ...unstackTime(ops.slice(x, [0, 0, 0], [half, batch, S])),
    ...unstackTime(ops.slice(x, [half, 0, 0], [time - half, batch, S])),
  ];
}

/** `x[:, s - k]`, with `NEG` where `s < k`. */
function shiftRight(x: Tensor, k: number): Tensor {
  const [batch, S] = x.shape as [number, number];
  return ops.slice(ops.pad(x, [[0, 0], [k, 0]], NEG), [0, 0], [batch, S]);
}

/**
 * `log(e^a + e^b + e^c)`, stable. The max is a constant for autodiff (the
 * result does not depend on it, so its backward pass is skipped); the sum is
 * at least 1, so `log` and its gradient stay finite even when all inputs are NEG.
 */
function logSumExp3(a: Tensor, b: Tensor, c: Tensor): Tensor {
  const m = ops.stopGradient(ops.maximum(ops.maximum(a, b), c));
  const s = ops.add(ops.add(ops.exp(ops.sub(a, m)), ops.exp(ops.sub(b, m))), ops.exp(ops.sub(c, m)));
  return ops.add(ops.log(s), m);
}

/** `log sum_s exp(x[b, s])`, float32 `[batch]`, stable as {@link logSumExp3}. */
function logSumExpRows(x: Tensor): Tensor {
  const m = ops.stopGradient(ops.max(x, [1], true));
  return ops.reshape(ops.add(ops.log(ops.sum(ops.exp(ops.sub(x, m)), [1], true)), m), [x.shape[0]!]);
}
