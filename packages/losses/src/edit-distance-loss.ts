import { ops, type Tensor, type TensorData } from '@strata/backend';
import { type LayerOptions, option, schemas } from '@strata/core';
import { z } from 'zod';
import { safeLog } from './ce.js';
import { ctcBeamSearchDecode } from './ctc-decode.js';
import { editDistance } from './edit-distance.js';
import { editDistanceOps } from './edit-distance-ops.js';
import { LossArgumentError, LossShapeError } from './errors.js';
import { type HostError, Loss, LOSS_OPTIONS, type LossInput, type LossOptions } from './loss.js';
import { seqLensOrFull, targetFrameCount } from './sequence-mask.js';

/** Options of {@link EditDistanceLoss}: the base ones and RETURNN's `EditDistanceLoss` options. */
export interface EditDistanceLossOptions extends LossOptions {
  /** RETURNN `debug_print` (`tf.Print` of the first sequence): Strata cannot print from a graph; `true` is an error. */
  debugPrint?: boolean;
  /** RETURNN `label_map`: labels of output and target mapped (`{from: to}`) before the distance. JSON keys are strings of ints. */
  labelMap?: Record<string, number> | null;
  /** RETURNN `ctc_decode`: the output is dense scores with a blank (last class), decoded by TF's beam search (width 100). Default false. */
  ctcDecode?: boolean;
  /** RETURNN `output_in_log_space` (with `ctc_decode`): the output holds log-probabilities; else probabilities (or the layer's logits). */
  outputInLogSpace?: boolean;
}

/**
 * The edit distance of an output label sequence to the target sequence
 * (RETURNN `edit_distance`, `EditDistanceLoss`): a report-only loss.
 *
 * - {@link EditDistanceLoss.computeSum} is the constant 0: the edit distance
 *   has no gradient, so the loss adds nothing to the objective.
 * - The error: the Levenshtein distances summed over the batch, of the output
 *   labels (`output` int32 `[batch, time]`, a sparse output as RETURNN
 *   requires) or, with `ctcDecode`, of the labels TF's CTC beam search
 *   (`tf.nn.ctc_beam_search_decoder`, width 100, in training and evaluation as
 *   RETURNN) decodes from dense scores `[batch, time, classes]` on the host
 *   ({@link EditDistanceLoss.computeHostError}); `labelMap` applied to both sides first.
 * - {@link EditDistanceLoss.numFrames}: `sum(targetSeqLens)`, so the reported
 *   error rate is the label error rate (edits per reference label).
 *
 * Shape: `output` int32 `[batch, time]` (or float32 `[batch, time, classes]`
 * with `ctcDecode`); `input.seqLens` int32 `[batch]`; `target` int32
 * `[batch, targetTime]`, `targetSeqLens` int32 `[batch]`; returns float32 `[]`.
 *
 * @throws LossArgumentError for `debugPrint: true`.
 * @throws LossShapeError for shapes that do not pair up, and for dense scores without `ctcDecode` (RETURNN asserts).
 */
export class EditDistanceLoss extends Loss {
  static override readonly className: string = 'edit_distance';

  readonly labelMap: ReadonlyMap<number, number>;
  readonly ctcDecode: boolean;
  readonly outputInLogSpace: boolean;

  /** The base options and RETURNN's `EditDistanceLoss` options with its defaults. */
  static override readonly options: LayerOptions = {
    ...LOSS_OPTIONS,
    debugPrint: option(schemas.boolean(), { default: false, returnn: 'debug_print' }),
    labelMap: option(z.record(z.string().regex(/^-?\d+$/, { error: 'keys must be integers' }), z.number().int({ error: 'must map to integers' })).nullable().optional(), { returnn: 'label_map' }),
    ctcDecode: option(schemas.boolean(), { default: false, returnn: 'ctc_decode' }),
    outputInLogSpace: option(schemas.boolean(), { default: false, returnn: 'output_in_log_space' }),
  };

  constructor(opts: EditDistanceLossOptions = {}) {
    super(opts);
    if (opts.debugPrint) {
      throw new LossArgumentError('edit_distance: debug_print prints the first sequence with tf.Print inside the graph; Strata cannot. Received: debug_print=true; remove it.');
    }
    this.labelMap = new Map(Object.entries(opts.labelMap ?? {}).map(([k, v]) => [Number(k), v]));
    this.ctcDecode = opts.ctcDecode ?? false;
    this.outputInLogSpace = opts.outputInLogSpace ?? false;
  }

  /** 0: not differentiable, so nothing enters the objective. */
  computeSum(_input: LossInput, _target: Tensor, _targetSeqLens?: Tensor): Tensor {
    return ops.scalar(0);
  }

  /** Without `ctcDecode`: the summed Levenshtein distances of the (mapped) output labels, backend ops. With it: 0 here; the error is {@link EditDistanceLoss.computeHostError}'s. */
  override computeError(input: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor {
    this.checkShapes(input.output, target);
    if (this.ctcDecode) return ops.scalar(0);
    const labels = this.mapLabels(input.output);
    return ops.stopGradient(ops.sum(editDistanceOps(labels, seqLensOrFull(input.seqLens, labels), this.mapLabels(target), seqLensOrFull(targetSeqLens, target))));
  }

  /** With `ctcDecode`: beam-search decoding (width 100) and the distances on the host, in every step. */
  override computeHostError(input: LossInput, target: Tensor, targetSeqLens?: Tensor): HostError | null {
    if (!this.ctcDecode) return null;
    this.checkShapes(input.output, target);
    const scores = this.outputInLogSpace ? input.output : input.logits ?? safeLog(input.output);
    const shape = scores.shape as [number, number, number];
    const maxLen = target.shape[1]!;
    const map = (k: number): number => this.labelMap.get(k) ?? k;
    return {
      tensors: [ops.stopGradient(scores), seqLensOrFull(input.seqLens, scores), target, seqLensOrFull(targetSeqLens, target)],
      finish: (v: readonly TensorData[]) =>
        ctcBeamSearchDecode({ logits: v[0]!, shape, seqLens: v[1]! }, { beamWidth: 100 }).paths.reduce((sum, hyp, b) => {
          const ref = Array.from(v[2]!.subarray(b * maxLen, b * maxLen + Math.min(maxLen, v[3]![b]!)), map);
          return sum + editDistance(ref, hyp.map(map));
        }, 0),
    };
  }

  /** `sum(targetSeqLens)`: the number of reference labels, float32 `[]`. */
  override numFrames(target: Tensor, targetSeqLens?: Tensor): Tensor {
    return targetFrameCount(target, targetSeqLens);
  }

  /** `labels` with `labelMap` applied, int32, same shape. */
  private mapLabels(labels: Tensor): Tensor {
    let out = labels;
    for (const [from, to] of this.labelMap) out = ops.where(ops.equal(labels, ops.scalar(from, 'int32')), ops.scalar(to, 'int32'), out);
    return out;
  }

  private checkShapes(output: Tensor, target: Tensor): void {
    const ok = this.ctcDecode ? output.dtype === 'float32' && output.shape.length === 3 : output.dtype === 'int32' && output.shape.length === 2;
    if (!ok || target.shape.length !== 2 || target.dtype !== 'int32') {
      throw new LossShapeError({
        lossName: this.name,
        outputShape: output.shape,
        targetShape: target.shape,
        expected: this.ctcDecode
          ? 'edit_distance with ctc_decode pairs dense scores float32 [batch, time, classes] (blank last) with int32 target labels [batch, targetTime]'
          : 'edit_distance pairs sparse output labels int32 [batch, time] with int32 target labels [batch, targetTime]; for dense scores set ctc_decode: true (RETURNN asserts it)',
      });
    }
  }
}
