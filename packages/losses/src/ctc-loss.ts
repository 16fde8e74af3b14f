import { ops, type Tensor, type TensorData } from '@strata/backend';
import { type LayerOptions, option, schemas } from '@strata/core';
import { z } from 'zod';
import { safeLog } from './ce.js';
import { ctcLossSum, type CtcLossOptions } from './ctc.js';
import { ctcBeamSearchDecode, ctcGreedyDecode } from './ctc-decode.js';
import { autoClipTargetLens, collapseRepeatedLabels } from './ctc-labels.js';
import { editDistance } from './edit-distance.js';
import { editDistanceOps } from './edit-distance-ops.js';
import { LossArgumentError, LossShapeError } from './errors.js';
import { type HostError, Loss, LOSS_OPTIONS, type LossInput, type LossOptions } from './loss.js';
import { seqLensOrFull, targetFrameCount } from './sequence-mask.js';

/** The `tf.compat.v1.nn.ctc_loss` keyword arguments RETURNN's `ctc_opts` forwards (others are a TypeError there). */
export interface CtcOpts {
  /** Merge repeated target labels before the loss (default false). */
  preprocess_collapse_repeated?: boolean;
  /** Repeated labels over adjacent frames are one label (default true); see {@link CtcLossOptions.mergeRepeated}. */
  ctc_merge_repeated?: boolean;
  /** Loss 0 for a label longer than its input (default false). */
  ignore_longer_outputs_than_inputs?: boolean;
}

/** Options of {@link CtcLoss}: those of every loss, `blankIndex` and `zeroInfinity` of {@link ctcLoss}, and RETURNN's `CtcLoss` options. */
export interface CtcLossArgs extends LossOptions, Pick<CtcLossOptions, 'blankIndex' | 'zeroInfinity'> {
  /** RETURNN `target_collapse_repeated`: merge repeated target labels (loss and error). Default false. */
  targetCollapseRepeated?: boolean;
  /** RETURNN `auto_clip_target_len`: target lengths clipped to `max(outputLen - 1, 0)` (loss and error). Default false. */
  autoClipTargetLen?: boolean;
  /** RETURNN `output_in_log_space`: the output holds log-probabilities (or logits); used as they are. Default false. */
  outputInLogSpace?: boolean;
  /** RETURNN `beam_width`: the evaluation error decodes with a beam search of this width (`<= 1`: greedy). Default 100. */
  beamWidth?: number;
  /** RETURNN `ctc_opts`: the `tf.nn.ctc_loss` keyword arguments of {@link CtcOpts}. */
  ctcOpts?: CtcOpts | null;
  /** RETURNN `use_native`: RETURNN's own CTC op; the same full-sum loss, greedy error only (`beam_width <= 1`). Default false. */
  useNative?: boolean;
  /** RETURNN `use_viterbi`: best-path (Viterbi) loss instead of the full sum. Default false. */
  useViterbi?: boolean;
}

const CTC_OPTS_SCHEMA = z.strictObject({
  preprocess_collapse_repeated: z.boolean({ error: 'must be true or false' }).optional(),
  ctc_merge_repeated: z.boolean({ error: 'must be true or false' }).optional(),
  ignore_longer_outputs_than_inputs: z.boolean({ error: 'must be true or false' }).optional(),
}, { error: (i) => (i.code === 'unrecognized_keys'
  ? `takes only the tf.nn.ctc_loss arguments RETURNN forwards (preprocess_collapse_repeated, ctc_merge_repeated, ignore_longer_outputs_than_inputs); unknown: ${(i as { keys: string[] }).keys.join(', ')}`
  : 'must be a dict of tf.nn.ctc_loss arguments or None') }).nullable().optional();

/**
 * CTC as a loss of the objective (RETURNN `ctc`, `CtcLoss`): the sum over
 * sequences of `-log p(target | output)` ({@link ctcLossSum}, `tf.nn.ctc_loss`),
 * normalised by the {@link LossHolder} per target label:
 * `numFrames = sum(targetSeqLens)` (the lengths before clipping or collapsing), as RETURNN does.
 *
 * Scores (RETURNN `get_output_logits`): with `outputInLogSpace` the output
 * itself; else `input.logits` when given (a `softmax` layer's logits),
 * otherwise `log(max(output, 1e-20))` of the probabilities.
 *
 * Target labels: clipped to `max(outputLen - 1, 0)` with `autoClipTargetLen`,
 * then collapsed (`a a b` → `a b`) with `targetCollapseRepeated`; the loss
 * also collapses with `ctcOpts.preprocess_collapse_repeated`.
 *
 * Error (RETURNN `get_error`): the Levenshtein distance of the decoded labels
 * to the (clipped, collapsed) target, summed over the batch; `errorRate` is
 * the label error rate. In training and with `beamWidth <= 1`, greedy
 * decoding in backend ops ({@link CtcLoss.computeError}, `tf.nn.ctc_greedy_decoder`);
 * in evaluation with `beamWidth > 1`, TF's prefix beam search on the host
 * ({@link CtcLoss.computeHostError}, `tf.nn.ctc_beam_search_decoder`).
 *
 * Shape:
 * - `output` / `logits`: float32 `[batch, time, classes]`, the blank included in the classes
 * - `input.seqLens`: int32 `[batch]` (absent: all `time` frames valid)
 * - `target`: int32 `[batch, maxLabelLength]` label indices other than the blank
 * - `targetSeqLens`: int32 `[batch]` (absent: all valid)
 * - `computeSum`, `computeError`, `numFrames`: float32 `[]`
 *
 * Blank: `blankIndex` (a Strata option, not RETURNN's), default the last class
 * (`classes - 1`, RETURNN and TensorFlow).
 *
 * @throws LossArgumentError for bad options, and for the combinations RETURNN
 *   rejects: `use_viterbi` with `ctc_opts`, `use_native` with `beam_width > 1`;
 *   and `use_native` with `ctc_opts` (the native op's own kwargs are not supported).
 * @throws LossShapeError for shapes that do not pair up.
 */
export class CtcLoss extends Loss {
  static override readonly className: string = 'ctc';

  /** The blank's class index; `undefined`: the last class. */
  readonly blankIndex: number | undefined;
  /** Replace the loss of impossible sequences by 0 (PyTorch's `zero_infinity`). */
  readonly zeroInfinity: boolean;
  readonly targetCollapseRepeated: boolean;
  readonly autoClipTargetLen: boolean;
  readonly outputInLogSpace: boolean;
  readonly beamWidth: number;
  readonly ctcOpts: Readonly<CtcOpts>;
  readonly useNative: boolean;
  readonly useViterbi: boolean;

  /** The base options, Strata's `blank_index`/`zero_infinity`, and RETURNN's `CtcLoss` options with its defaults. */
  static override readonly options: LayerOptions = {
    ...LOSS_OPTIONS,
    blankIndex: option(schemas.nonNegativeInt().optional(), { returnn: 'blank_index' }),
    zeroInfinity: option(schemas.boolean(), { default: false, returnn: 'zero_infinity' }),
    targetCollapseRepeated: option(schemas.boolean(), { default: false, returnn: 'target_collapse_repeated' }),
    autoClipTargetLen: option(schemas.boolean(), { default: false, returnn: 'auto_clip_target_len' }),
    outputInLogSpace: option(schemas.boolean(), { default: false, returnn: 'output_in_log_space' }),
    beamWidth: option(z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }), { default: 100, returnn: 'beam_width' }),
    ctcOpts: option(CTC_OPTS_SCHEMA, { returnn: 'ctc_opts' }),
    useNative: option(schemas.boolean(), { default: false, returnn: 'use_native' }),
    useViterbi: option(schemas.boolean(), { default: false, returnn: 'use_viterbi' }),
  };

  constructor(opts: CtcLossArgs = {}) {
    super(opts);
    this.blankIndex = opts.blankIndex;
    this.zeroInfinity = opts.zeroInfinity ?? false;
    this.targetCollapseRepeated = opts.targetCollapseRepeated ?? false;
    this.autoClipTargetLen = opts.autoClipTargetLen ?? false;
    this.outputInLogSpace = opts.outputInLogSpace ?? false;
    this.beamWidth = opts.beamWidth ?? 100;
    this.ctcOpts = opts.ctcOpts ?? {};
    this.useNative = opts.useNative ?? false;
    this.useViterbi = opts.useViterbi ?? false;
    const hasCtcOpts = Object.keys(this.ctcOpts).length > 0;
    if (this.useViterbi && hasCtcOpts) {
      throw new LossArgumentError(`ctc: use_viterbi takes no ctc_opts (RETURNN asserts it: ctc_loss_viterbi has none). Received: ctc_opts=${JSON.stringify(this.ctcOpts)}; remove ctc_opts or use_viterbi.`);
    }
    if (this.useNative && this.beamWidth > 1) {
      throw new LossArgumentError(`ctc: use_native needs beam_width <= 1 (RETURNN asserts "use beam_width=1 with use_native"). Received: beam_width=${this.beamWidth}; set beam_width: 1.`);
    }
    if (this.useNative && hasCtcOpts) {
      throw new LossArgumentError(`ctc: with use_native, ctc_opts are the keyword arguments of RETURNN's native ctc_loss op, which Strata does not implement. Received: ctc_opts=${JSON.stringify(this.ctcOpts)}; remove use_native to pass tf.nn.ctc_loss options.`);
    }
  }

  computeSum(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const x = this.prepare(input, target, targetSeqLens);
    let { labels, labelLens } = x;
    if (this.ctcOpts.preprocess_collapse_repeated) ({ labels, labelLens } = collapseRepeatedLabels(labels, labelLens));
    return ctcLossSum(x.logits, x.seqLens, labels, labelLens, {
      blankIndex: this.blankIndex,
      zeroInfinity: this.zeroInfinity,
      mergeRepeated: this.ctcOpts.ctc_merge_repeated ?? true,
      ignoreLongerOutputsThanInputs: this.ctcOpts.ignore_longer_outputs_than_inputs ?? false,
      viterbi: this.useViterbi,
    });
  }

  /** Label errors of greedy decoding (`tf.nn.ctc_greedy_decoder`) against the target, summed over the batch; backend ops. */
  override computeError(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    const x = this.prepare(input, target, targetSeqLens);
    const [batch, time, classes] = x.logits.shape as [number, number, number];
    const best = ops.argMax(x.logits, -1); // [batch, time] int32
    const previous = ops.slice(ops.pad(best, [[0, 0], [1, 0]], -1), [0, 0], [batch, time]);
    const blank = ops.scalar(this.blankIndex ?? classes - 1, 'int32');
    const notBlank = ops.sub(1, ops.cast(ops.equal(best, blank), 'float32'));
    const changed = ops.sub(1, ops.cast(ops.equal(best, previous), 'float32'));
    const kept = ops.mul(notBlank, changed);
    return ops.stopGradient(ops.sum(editDistanceOps(best, x.seqLens, x.labels, x.labelLens, kept)));
  }

  /**
   * The evaluation error with `beamWidth > 1` (RETURNN: `tf.nn.ctc_beam_search_decoder`
   * outside training): the scores, lengths and target are read back and decoded
   * by {@link ctcBeamSearchDecode}; `null` for `beamWidth <= 1` (greedy, {@link CtcLoss.computeError}).
   */
  override computeHostError(input: LossInput, target: Tensor, targetSeqLens?: Tensor, training = false): HostError | null {
    if (training || this.beamWidth <= 1) return null;
    const x = this.prepare(input, target, targetSeqLens);
    const shape = x.logits.shape as [number, number, number];
    const maxLen = x.labels.shape[1]!;
    return {
      tensors: [ops.stopGradient(x.logits), x.seqLens, x.labels, x.labelLens],
      finish: (v: readonly TensorData[]) => {
        const decoded = this.decode(v[0]!, shape, v[1]!);
        return decoded.reduce((sum, hyp, b) => {
          const ref = Array.from(v[2]!.subarray(b * maxLen, b * maxLen + Math.min(maxLen, v[3]![b]!)));
          return sum + editDistance(ref, hyp);
        }, 0);
      },
    };
  }

  /** `sum(targetSeqLens)`: the number of target labels, float32 `[]`. */
  override numFrames(target: Tensor, targetSeqLens?: Tensor): Tensor {
    return targetFrameCount(target, targetSeqLens);
  }

  /** The decoded label sequences of the evaluation error: beam search of `beamWidth`, or greedy for `<= 1`. */
  decode(logits: ArrayLike<number>, shape: readonly [number, number, number], seqLens: ArrayLike<number>): number[][] {
    const input = { logits, shape, seqLens };
    const opts = { blankIndex: this.blankIndex };
    return (this.beamWidth > 1 ? ctcBeamSearchDecode(input, { ...opts, beamWidth: this.beamWidth }) : ctcGreedyDecode(input, opts)).paths;
  }

  private prepare(input: LossInput, target: Tensor, targetSeqLens?: Tensor): { logits: Tensor; seqLens: Tensor; labels: Tensor; labelLens: Tensor } {
    const logits = this.outputInLogSpace ? input.output : input.logits ?? safeLog(input.output);
    if (logits.shape.length !== 3 || target.shape.length !== 2 || target.dtype !== 'int32') {
      throw new LossShapeError({
        lossName: this.name,
        outputShape: logits.shape,
        targetShape: target.shape,
        expected: 'ctc pairs an output [batch, time, classes] (blank included) with int32 labels [batch, maxLabelLength]',
      });
    }
    const seqLens = seqLensOrFull(input.seqLens, logits);
    let labels = target;
    let labelLens = seqLensOrFull(targetSeqLens, target);
    if (this.autoClipTargetLen) labelLens = autoClipTargetLens(labelLens, seqLens);
    if (this.targetCollapseRepeated) ({ labels, labelLens } = collapseRepeatedLabels(labels, labelLens));
    return { logits, seqLens, labels, labelLens };
  }
}
