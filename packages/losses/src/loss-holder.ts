import { ops, type Tensor } from '@strata/backend';
import type { Data } from '@strata/core';
import { LossArgumentError, LossError } from './errors.js';
import type { HostError, Loss, LossInput } from './loss.js';

/** The raw values of one loss on one batch, all float32 scalars `[]`. */
export interface LossValues {
  /** Loss summed over all frames. */
  sum: Tensor;
  /** Error summed over all frames (e.g. wrong frames), or `null` if the loss has none. */
  error: Tensor | null;
  /** Number of frames the sums run over. */
  numFrames: Tensor;
  /**
   * The error computed on the host instead of `error` ({@link Loss.computeHostError},
   * e.g. CTC beam search in evaluation), to be finished on the read-back
   * tensors; absent when `error` is the error.
   */
  hostError?: HostError;
}

/** Options of {@link LossHolder} (seed 003 `LossHolder(name, loss, layer_output, reduce_func, layer, loss_value, error_value, norm_factor, only_on_eval, network)`). */
export interface LossHolderOptions {
  /** Unique name of the loss, e.g. `output` or `output/sub`. Default: `layerName`. */
  name?: string;
  /**
   * The layer the loss is computed on. May be left out and given later with
   * {@link LossHolder.init} (RETURNN: "call init() before usage").
   */
  layerName?: string;
  loss: Loss;
  /** Factor in the objective; default `loss.scale` (RETURNN's `loss_scale`). */
  scale?: number;
  /** Template of the layer output the loss reads (RETURNN `layer_output`). */
  layerOutput?: Data;
  /**
   * Replaces the reduction of {@link LossHolder.lossValue} and
   * {@link LossHolder.errorValue}: it gets the per-frame values
   * `[batch, ...frames]` ({@link Loss.computeFrameValues}); `(x) => x` gives
   * the unreduced tensor (RETURNN `reduce_func=TFUtil.identity`). Default: sum.
   */
  reduceFunc?: (perFrame: Tensor) => Tensor;
  /** A loss value computed elsewhere (RETURNN `loss_value`): used instead of {@link LossHolder.compute}. */
  lossValue?: Tensor;
  /** An error value computed elsewhere (RETURNN `error_value`). */
  errorValue?: Tensor;
  /** Norm factor, float32 `[]` or a number: `1 / frames` (RETURNN `norm_factor`); default from the loss. */
  normFactor?: Tensor | number;
  /** Loss only counted in evaluation, not in training (RETURNN `only_on_eval`). Default: set by `init`, else false. */
  onlyOnEval?: boolean;
  /** The network the holder belongs to (RETURNN `network`); only passed on by {@link LossHolder.copyNewBase}. */
  network?: { readonly name: string };
}

/** What {@link LossHolder.compute} got, kept for the per-frame values. */
interface ComputeInputs {
  output: LossInput;
  target: Tensor;
  targetSeqLens?: Tensor;
}

/**
 * One loss of a network and the normalisation logic (RETURNN's
 * `TFNetwork.LossHolder`).
 *
 * {@link LossHolder.compute} evaluates the loss on one batch and keeps the
 * values; the getters derive, without further reduction:
 *
 * - {@link LossHolder.lossForObjective}: `sum · scale` (divided by `numFrames`
 *   with `useNormalizedLoss`), what the optimizer minimises (RETURNN's
 *   `get_loss_value_for_objective`);
 * - {@link LossHolder.lossForReport}: `sum / numFrames`, unscaled, the
 *   `cost:<name>` value RETURNN prints (`get_loss_value_for_fetch` normalised);
 * - {@link LossHolder.errorRate}: `error / numFrames`, e.g. the frame error rate;
 * - the seed's getters under their camelCase names: {@link LossHolder.lossValue},
 *   {@link LossHolder.lossValueForFetch}, {@link LossHolder.lossValueForObjective},
 *   {@link LossHolder.errorValue}, {@link LossHolder.normFactor}, per sequence
 *   ({@link LossHolder.normalizedLossValuePerSeq}) and per position
 *   ({@link LossHolder.lossValuePerPos}).
 *
 * The kept tensors belong to the memory scope `compute` ran in (the training
 * step's `tidy`/`valueAndGrads`); read them before that scope ends.
 */
export class LossHolder {
  readonly name: string;
  readonly loss: Loss;
  readonly scale: number;
  readonly layerOutput: Data | undefined;
  readonly reduceFunc: ((perFrame: Tensor) => Tensor) | undefined;
  readonly network: { readonly name: string } | undefined;
  private layerNameValue: string | undefined;
  private onlyOnEvalValue: boolean | undefined;
  private readonly givenNormFactor: Tensor | number | undefined;
  private last: LossValues | null = null;
  private inputs: ComputeInputs | null = null;

  constructor(opts: LossHolderOptions) {
    this.layerNameValue = opts.layerName;
    const name = opts.name ?? opts.layerName;
    if (!name) {
      throw new LossArgumentError('LossHolder needs a name or a layerName, e.g. new LossHolder({ layerName: "output", loss }).');
    }
    this.name = name;
    this.loss = opts.loss;
    this.scale = opts.scale ?? opts.loss.scale;
    this.layerOutput = opts.layerOutput;
    this.reduceFunc = opts.reduceFunc;
    this.network = opts.network;
    this.onlyOnEvalValue = opts.onlyOnEval;
    this.givenNormFactor = opts.normFactor;
    if (opts.lossValue !== undefined || opts.errorValue !== undefined) {
      const norm = opts.normFactor ?? 1;
      this.last = {
        sum: opts.lossValue ?? ops.scalar(0),
        error: opts.errorValue ?? null,
        numFrames: typeof norm === 'number' ? ops.scalar(1 / norm) : ops.div(1, norm),
      };
    }
  }

  /**
   * Sets the layer (RETURNN `init(layer)`): the holder is initialised once it
   * has one. `onlyOnEval` is taken over unless the constructor set it.
   * @returns this
   */
  init(layerName: string, opts: { onlyOnEval?: boolean } = {}): this {
    this.layerNameValue = layerName;
    if (this.onlyOnEvalValue === undefined) this.onlyOnEvalValue = opts.onlyOnEval ?? false;
    return this;
  }

  /** The layer the loss is computed on (RETURNN `get_layer`). @throws LossError before `init`. */
  get layerName(): string {
    if (this.layerNameValue === undefined) {
      throw new LossError(`LossHolder ${JSON.stringify(this.name)} has no layer yet; call init(layerName) first.`);
    }
    return this.layerNameValue;
  }

  /** True if the loss counts in evaluation only (RETURNN `get_only_on_eval`); false unless set. */
  get onlyOnEval(): boolean {
    return this.onlyOnEvalValue ?? false;
  }

  /**
   * The name as an op/graph name (RETURNN `get_tf_name`): `/` and every
   * character outside `[A-Za-z0-9_.-]` become `_`, e.g. `dec/output:ce` → `dec_output_ce`.
   */
  get opName(): string {
    return this.name.replace(/[^A-Za-z0-9_.-]/g, '_');
  }

  /**
   * Computes sum, error and frame count of the loss for one batch and keeps them.
   *
   * @param output the layer output (and logits), float32 `[batch, ..., classes]`.
   *   For sequences, `output.seqLens` holds the output's lengths (int32 `[batch]`).
   * @param target the target, as the loss expects it (see the loss class).
   * @param targetSeqLens int32 `[batch]`, the target's lengths when it is a
   *   padded sequence `[batch, time, ...]` (the target's time Dim sizes; the batch key `<target>:size1`).
   * @param opts `training` (default true): false in evaluation. Losses with a
   *   host-side error for this kind of step ({@link Loss.computeHostError}: `ctc`
   *   in evaluation, `edit_distance` with `ctc_decode`) add `hostError` to the values.
   */
  compute(output: LossInput, target: Tensor, targetSeqLens?: Tensor, opts: { training?: boolean } = {}): LossValues {
    this.inputs = { output, target, targetSeqLens };
    // RETURNN's `_check_output_before_softmax = False`: the loss sees the output only.
    if (!this.loss.checkOutputBeforeSoftmax && output.logits) output = { output: output.output, seqLens: output.seqLens };
    const hostError = this.loss.computeHostError(output, target, targetSeqLens, opts.training ?? true);
    this.last = {
      ...(hostError ? { hostError } : {}),
      sum: this.loss.computeSum(output, target, targetSeqLens),
      error: this.loss.computeError(output, target, targetSeqLens),
      numFrames: this.loss.customNormFactor !== null
        ? ops.scalar(1 / this.loss.customNormFactor)
        : this.loss.normalization === 'sequences' ? ops.scalar(target.shape[0] ?? 1) : this.loss.numFrames(target, targetSeqLens),
    };
    return this.last;
  }

  /** The values of the last {@link LossHolder.compute}; throws if there was none. */
  get values(): LossValues {
    if (!this.last) {
      throw new LossError(`LossHolder ${JSON.stringify(this.name)}: no values yet; call compute(output, target) first.`);
    }
    return this.last;
  }

  /**
   * The term of this loss in the objective, float32 `[]`: `sum · scale`, divided
   * by `numFrames` when the loss has `useNormalizedLoss` (RETURNN's
   * `get_loss_value_for_objective`; `use_normalized_loss` defaults to false).
   */
  get lossForObjective(): Tensor {
    const { sum, numFrames } = this.values;
    const scaled = this.scale === 1 ? sum : ops.mul(sum, this.scale);
    return this.loss.useNormalizedLoss ? ops.div(scaled, numFrames) : scaled;
  }

  /** `sum / numFrames`, float32 `[]`, unscaled: the reported `cost:` value. */
  get lossForReport(): Tensor {
    const { sum, numFrames } = this.values;
    return ops.div(sum, numFrames);
  }

  /** `error / numFrames`, float32 `[]`, or `null` if the loss has no error. A host error is finished here (eager values only). */
  get errorRate(): Tensor | null {
    const { numFrames } = this.values;
    const error = this.errorSum();
    return error ? ops.div(error, numFrames) : null;
  }

  /**
   * The error sum: `values.error`, or the host error ({@link LossValues.hostError})
   * finished on its tensors' values, read back now (so not inside a compiled
   * graph; the engine's steps finish it themselves).
   */
  private errorSum(): Tensor | null {
    const { error, hostError } = this.values;
    if (!hostError) return error;
    return ops.scalar(hostError.finish(hostError.tensors.map((t) => ops.readSync(t))));
  }

  /**
   * The loss value (RETURNN `get_loss_value`): the sum over all frames, float32
   * `[]`, or `reduceFunc(perFrame)` when a `reduceFunc` is set.
   */
  get lossValue(): Tensor {
    return this.reduceFunc ? this.reduceFunc(this.perFrame('loss')) : this.values.sum;
  }

  /**
   * The value fetched for reports (RETURNN `get_loss_value_for_fetch`): the
   * loss value; the report divides by {@link LossHolder.normFactor}'s inverse.
   * @throws LossError naming the loss if the value is NaN or infinite (RETURNN's check_numerics).
   */
  get lossValueForFetch(): Tensor {
    const v = this.lossValue;
    if (v.shape.length === 0 && !Number.isFinite(ops.item(v))) {
      throw new LossError(`LossHolder ${JSON.stringify(this.name)}: loss value is ${ops.item(v)}; check the layer output and target of this loss.`);
    }
    return v;
  }

  /**
   * The value in the objective (RETURNN `get_loss_value_for_objective`):
   * `lossValue · scale · normFactor`; `null` when `scale` is 0 ("scale 0 means
   * to not use this loss"). Without `reduceFunc` equal to {@link LossHolder.lossForObjective}.
   */
  get lossValueForObjective(): Tensor | null {
    if (this.scale === 0) return null;
    const v = this.scale === 1 ? this.lossValue : ops.mul(this.lossValue, this.scale);
    return this.loss.useNormalizedLoss ? ops.mul(v, this.normFactor) : v;
  }

  /** The error value (RETURNN `get_error_value`): the error sum, or `reduceFunc(perFrame)`; `null` if the loss has no error. */
  get errorValue(): Tensor | null {
    if (this.values.error === null) return null;
    return this.reduceFunc ? this.reduceFunc(this.perFrame('error')) : this.errorSum();
  }

  /** `1 / numFrames`, float32 `[]` (RETURNN `get_norm_factor`), or the constructor's `normFactor`. */
  get normFactor(): Tensor {
    const given = this.givenNormFactor;
    if (given !== undefined) return typeof given === 'number' ? ops.scalar(given) : given;
    return ops.div(1, this.values.numFrames);
  }

  /**
   * Loss per sequence, normalised by its frames (RETURNN
   * `get_normalized_loss_value_per_seq`): float32 `[batch]`,
   * `sum_t loss[b, t] / frames[b]`; `frames[b]` is the target length for a
   * sequence target, else the frames per example.
   */
  get normalizedLossValuePerSeq(): Tensor {
    return this.perSeq(this.perFrame('loss'));
  }

  /** Error per sequence, normalised by its frames (RETURNN `get_normalized_error_value_per_seq`), float32 `[batch]`; `null` without an error. */
  get normalizedErrorValuePerSeq(): Tensor | null {
    return this.values.error === null ? null : this.perSeq(this.perFrame('error'));
  }

  /** Loss per position (RETURNN `get_loss_value_per_pos`): float32 `[batch, time]`, 0 at padding. */
  get lossValuePerPos(): Tensor {
    return this.perPos(this.perFrame('loss'));
  }

  /** Error per position (RETURNN `get_error_value_per_pos`): float32 `[batch, time]` (1 = wrong), or `null`. */
  get errorValuePerPos(): Tensor | null {
    return this.values.error === null ? null : this.perPos(this.perFrame('error'));
  }

  /**
   * A new holder for the same loss under another name, layer, network or
   * `reduceFunc` (RETURNN `copy_new_base`). Values computed so far are kept,
   * except when `reduceFunc` changes (they must be recomputed, as in RETURNN).
   */
  copyNewBase(changes: { name?: string; layerName?: string; network?: { readonly name: string }; reduceFunc?: (perFrame: Tensor) => Tensor } = {}): LossHolder {
    const reduceFunc = changes.reduceFunc ?? this.reduceFunc;
    const copy = new LossHolder({
      name: changes.name ?? this.name,
      layerName: changes.layerName ?? this.layerNameValue,
      loss: this.loss,
      scale: this.scale,
      layerOutput: this.layerOutput,
      reduceFunc,
      normFactor: this.givenNormFactor,
      onlyOnEval: this.onlyOnEvalValue,
      network: changes.network ?? this.network,
    });
    if (reduceFunc === this.reduceFunc) {
      copy.last = this.last;
      copy.inputs = this.inputs;
    }
    return copy;
  }

  /** Per-frame loss or error `[batch, ...frames]` of the last compute. */
  private perFrame(kind: 'loss' | 'error'): Tensor {
    const inputs = this.inputs;
    if (!inputs) {
      throw new LossError(`LossHolder ${JSON.stringify(this.name)}: per-frame values need compute(output, target) on this holder (given values have no frames).`);
    }
    const { output, target, targetSeqLens } = inputs;
    const v = kind === 'loss' ? this.loss.computeFrameValues(output, target, targetSeqLens) : this.loss.computeFrameErrors(output, target, targetSeqLens);
    if (!v) {
      throw new LossError(`LossHolder ${JSON.stringify(this.name)}: loss '${this.loss.name}' has no per-frame ${kind} values (it scores whole sequences); use lossValue/errorValue.`);
    }
    return v;
  }

  private perSeq(frames: Tensor): Tensor {
    const [batch, ...rest] = frames.shape;
    const perExample = rest.reduce((a, d) => a * d, 1);
    const sums = ops.sum(ops.reshape(frames, [batch!, perExample]), [1]);
    const seqLens = this.inputs?.targetSeqLens;
    if (seqLens && rest.length >= 1) {
      const inner = rest.slice(1).reduce((a, d) => a * d, 1);
      return ops.div(sums, ops.mul(ops.cast(seqLens, 'float32'), inner));
    }
    return ops.div(sums, perExample);
  }

  private perPos(frames: Tensor): Tensor {
    const [batch, time, ...rest] = frames.shape;
    if (time === undefined) {
      throw new LossError(`LossHolder ${JSON.stringify(this.name)}: per-position values need a time axis; the frames have shape [${frames.shape.join(', ')}].`);
    }
    if (rest.length === 0) return frames;
    return ops.sum(ops.reshape(frames, [batch!, time, rest.reduce((a, d) => a * d, 1)]), [2]);
  }
}
