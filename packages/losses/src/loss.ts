import { ops, type Tensor, type TensorData } from '@strata/backend';
import { LayerArgumentError, type LayerOptions, option, resolveArgs, schemas } from '@strata/core';
import { z } from 'zod';
import { LossArgumentError } from './errors.js';

/**
 * What a layer hands to a loss: its output, its logits when it has them, and
 * its sequence lengths when it has a time axis.
 *
 * - `output`: float32 `[batch, classes]` (or `[batch, ..., classes]`), e.g. softmax probabilities.
 * - `logits`: float32, same shape as `output`, the values before the final
 *   softmax (RETURNN's `output_before_softmax`). Losses that can use them
 *   (cross entropy) do, for numerical stability.
 * - `seqLens`: int32 `[batch]`, the valid frames of the output's time axis
 *   (axis 1, RETURNN's batch-major `[batch, time, ...]`); frames
 *   `t >= seqLens[b]` are padding. Absent: no padding. Used by losses whose
 *   output and target lengths differ (`ctc`, `edit_distance`).
 */
export interface LossInput {
  output: Tensor;
  logits?: Tensor;
  seqLens?: Tensor;
}

/**
 * An error that only the host can compute (e.g. CTC beam-search decoding,
 * RETURNN's `tf.nn.ctc_beam_search_decoder`, which has no backend-op form):
 * the tensors to read back, and the error sum from their values. A compiled
 * evaluation step returns `tensors` as extra outputs and calls `finish` on
 * their data; the result replaces the in-graph {@link Loss.computeError}.
 */
export interface HostError {
  /** Tensors to read back, in the order `finish` takes their data. */
  tensors: Tensor[];
  /** The error summed over the batch (same units as {@link Loss.computeError}) from the tensors' data. */
  finish(values: readonly TensorData[]): number;
}

/** Options every loss takes. */
export interface LossOptions {
  /** Factor of this loss in the objective (RETURNN's `loss_scale`). Default 1. */
  scale?: number;
  /** Name used in reports (`cost:ce`); default: the registry name of the class. */
  name?: string;
  /**
   * What the sums are divided by: `frames` (default, RETURNN's per-frame
   * normalisation over the sum of target lengths) or `sequences` (per
   * sequence: the batch size, RETURNN's `use_normalized_loss: false` style
   * of a sum per sequence averaged over the batch).
   */
  normalization?: 'frames' | 'sequences';
  /**
   * RETURNN `use_normalized_loss`: the objective (what the optimizer
   * minimises) is the loss divided by its frames; default `false`, as in
   * RETURNN: the objective is the summed loss times `scale`. Reports
   * (`cost:`, `error:`) are normalised either way.
   */
  useNormalizedLoss?: boolean;
  /** RETURNN `custom_norm_factor`: the norm factor (`1 / frames` by default) replaced by this number. */
  customNormFactor?: number | null;
  /** RETURNN `custom_inv_norm_factor` (a layer whose summed output is the frame count): not supported, an error when given. */
  customInvNormFactor?: unknown;
  /** RETURNN `use_flatten_frames` (default true): how RETURNN lays out frames internally; the sums are the same either way. */
  useFlattenFrames?: boolean;
  /**
   * RETURNN `_check_output_before_softmax`: `false` ignores the layer's logits
   * (the loss sees only the output). Default: the class's (true; `ce` with
   * `input_type: 'logits'` false).
   */
  checkOutputBeforeSoftmax?: boolean | null;
}

/** The options of every loss, in both vocabularies (the `loss_opts` keys are RETURNN's where RETURNN has them). */
export const LOSS_OPTIONS = {
  scale: option(schemas.number(), { default: 1, returnn: 'scale' }),
  name: option(z.string({ error: 'must be a string' }).optional()),
  normalization: option(schemas.oneOf(['frames', 'sequences']), { default: 'frames', returnn: 'normalization' }),
  useNormalizedLoss: option(schemas.boolean(), { default: false, returnn: 'use_normalized_loss' }),
  customNormFactor: option(schemas.number().nullable().optional(), { returnn: 'custom_norm_factor' }),
  customInvNormFactor: option(z.unknown(), { returnn: 'custom_inv_norm_factor' }),
  useFlattenFrames: option(schemas.boolean(), { default: true, returnn: 'use_flatten_frames' }),
  checkOutputBeforeSoftmax: option(schemas.boolean().nullable().optional(), { returnn: '_check_output_before_softmax' }),
} satisfies LayerOptions;

/**
 * The base class of all losses (RETURNN's `TFNetworkLayer.Loss`).
 *
 * A loss returns **sums** over all frames (examples, or time frames of all
 * sequences): {@link Loss.computeSum} and {@link Loss.computeError}. The
 * normalisation is done by the {@link LossHolder}: RETURNN divides by the
 * number of frames ({@link Loss.numFrames}) the reported `cost:`/`error:`
 * values, so they do not depend on the batch size, and the objective only
 * with `use_normalized_loss` (else the objective is the sum times `scale`).
 *
 * All math goes through `ops.*` of `@strata/backend`, so a loss runs on every
 * backend, eager or graph.
 */
export abstract class Loss {
  /** Registry name (`ce`, `mse`, ...); subclasses set it. */
  static readonly className: string = 'loss';

  /** Factor in the objective (RETURNN's `loss_scale`). */
  readonly scale: number;
  /** Name used in reports. */
  readonly name: string;
  /** `frames` or `sequences`, see {@link LossOptions.normalization}. */
  readonly normalization: 'frames' | 'sequences';
  /** See {@link LossOptions.useNormalizedLoss}. */
  readonly useNormalizedLoss: boolean;
  /** See {@link LossOptions.customNormFactor}; `null`: `1 / frames`. */
  readonly customNormFactor: number | null;
  /** See {@link LossOptions.useFlattenFrames}. */
  readonly useFlattenFrames: boolean;
  /** Whether the loss reads the layer's logits (RETURNN `_check_output_before_softmax`); the {@link LossHolder} drops them when false. */
  readonly checkOutputBeforeSoftmax: boolean;

  /**
   * The loss's options in both vocabularies: the constructor's (camelCase)
   * and RETURNN's `loss_opts` keys (`returnn`), with schemas and defaults.
   * Subclasses extend it with their own; net dicts check `loss_opts` against it.
   */
  static readonly options: LayerOptions = LOSS_OPTIONS;

  constructor(opts: LossOptions = {}) {
    const cls = this.constructor as typeof Loss;
    let a: Required<Pick<LossOptions, 'scale' | 'normalization'>> & LossOptions;
    try {
      a = resolveArgs(cls.className, cls.options, opts) as typeof a;
    } catch (e) {
      if (e instanceof LayerArgumentError) throw new LossArgumentError(e.message);
      throw e;
    }
    this.scale = a.scale;
    this.name = a.name ?? cls.className;
    this.normalization = a.normalization;
    if (opts.customInvNormFactor !== undefined && opts.customInvNormFactor !== null) {
      throw new LossArgumentError(
        `${cls.className}: custom_inv_norm_factor names a layer whose output is summed into the frame count; Strata's losses cannot read other layers. ` +
          `Received: custom_inv_norm_factor=${JSON.stringify(opts.customInvNormFactor)}; use custom_norm_factor (a number) instead.`,
      );
    }
    if (opts.customNormFactor !== undefined && opts.customNormFactor !== null && opts.normalization === 'sequences') {
      throw new LossArgumentError(`${cls.className}: custom_norm_factor and normalization: 'sequences' both set the norm factor; give one.`);
    }
    this.useNormalizedLoss = a.useNormalizedLoss ?? false;
    this.customNormFactor = a.customNormFactor ?? null;
    this.useFlattenFrames = a.useFlattenFrames ?? true;
    this.checkOutputBeforeSoftmax = a.checkOutputBeforeSoftmax ?? this.defaultCheckOutputBeforeSoftmax(opts);
  }

  /** The class's `_check_output_before_softmax` when the options leave it open (RETURNN: true; `ce` with `input_type: 'logits'`: false). */
  protected defaultCheckOutputBeforeSoftmax(_opts: LossOptions): boolean {
    return true;
  }

  /**
   * The loss summed over all frames: a float32 scalar `[]`.
   *
   * @param output the layer's output (and logits, if any), float32 `[batch, ..., classes]`.
   * @param target sparse int32 `[batch, ...]` or dense float32 `[batch, ..., classes]`, per loss.
   * @param targetSeqLens int32 `[batch]`, valid frames of the target's time
   *   axis (axis 1) for a sequence target; frames beyond are padding. Losses
   *   without sequence support (`mse`, `l1`) ignore it.
   */
  abstract computeSum(output: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor;

  /**
   * The error summed over all frames (e.g. the number of wrongly classified
   * frames), float32 scalar `[]`, or `null` if the loss defines no error.
   * Not differentiable; used for reporting only. Arguments as {@link Loss.computeSum}.
   * This base version sums {@link Loss.computeFrameErrors} (`null` when that is);
   * losses that score whole sequences override it.
   */
  computeError(output: LossInput, target: Tensor, targetSeqLens?: Tensor): Tensor | null {
    const perFrame = this.computeFrameErrors(output, target, targetSeqLens);
    return perFrame && ops.sum(perFrame);
  }

  /**
   * The loss of every frame before summing, float32 `[batch, ...frames]`
   * (e.g. `[batch]` for one frame per example, `[batch, time]` for
   * sequences), 0 at padded frames; `sum(computeFrameValues(...))` equals
   * {@link Loss.computeSum}. `null` when the loss has no per-frame form
   * (`ctc`, `edit_distance` score whole sequences). Used by
   * {@link LossHolder}'s per-position, per-sequence and `reduceFunc` values
   * (RETURNN's unreduced loss with `reduce_func=identity`).
   */
  computeFrameValues(_output: LossInput, _target: Tensor, _targetSeqLens?: Tensor): Tensor | null {
    return null;
  }

  /**
   * The error of a step when it must be computed on the host, or `null` (the
   * default) when {@link Loss.computeError} is the error. Arguments as
   * {@link Loss.computeSum}; `training` says which step (RETURNN's losses
   * may decode differently in training, `cond_on_train`).
   */
  computeHostError(_output: LossInput, _target: Tensor, _targetSeqLens?: Tensor, _training = false): HostError | null {
    return null;
  }

  /** Like {@link Loss.computeFrameValues} for the error (1 per wrong frame), or `null`. */
  computeFrameErrors(_output: LossInput, _target: Tensor, _targetSeqLens?: Tensor): Tensor | null {
    return null;
  }

  /**
   * The number of frames the sums run over, as a float32 scalar `[]` (a
   * tensor: sequence losses count frames from `targetSeqLens`, which a
   * compiled graph only knows at run time). Sparse (int32) targets: every
   * element is a frame; dense targets: every vector along the last
   * (class/feature) axis is one. This base version ignores `targetSeqLens`,
   * matching the unmasked sums of `mse` and `l1`; sequence losses override it.
   */
  numFrames(target: Tensor, _targetSeqLens?: Tensor): Tensor {
    return ops.scalar(frameCountOf(target));
  }
}

/** Frames in a target: its size, without the last axis when the target is dense. */
export function frameCountOf(target: Tensor): number {
  const axes = isSparse(target) ? target.shape : target.shape.slice(0, -1);
  return axes.reduce((a, d) => a * d, 1);
}

/** True for integer class-index targets (RETURNN's `sparse` Data). */
export function isSparse(target: Tensor): boolean {
  return target.dtype === 'int32';
}
