import type { Tensor } from '@strata/backend';
import type { CallContext, Data, Layer, Variable } from '@strata/core';
import type { LossHolder } from '@strata/losses';
import type { ExternData } from './extern-data.js';

/**
 * One batch as the engine feeds a model: extern-data key → tensor
 * `[batch, ...shape]`; for a key with dynamic axes, their lengths under
 * `<key>:size<axis>` (`data:size1` for the time axis; `sizeKey` of
 * @strata/core), int32 `[batch]` (full length when absent). The model's
 * `forward` puts them into the key's Dims (`ExternData.assignBatch`).
 */
export type Batch = Readonly<Record<string, Tensor>>;

/**
 * A computed output of a model (or of one layer of a net dict): its value,
 * and its logits when it ends in a softmax (numerically stable
 * cross-entropy). The lengths of its time axis are the sizes of its
 * template's time Dim (`model.outputData(name).timeDim.dynSize`), set by the
 * same forward pass.
 */
export interface LayerOutput {
  value: Tensor;
  logits?: Tensor;
}

/** The losses of one batch (seed 003 `get_losses_initialized(with_total=True)`), float32 scalars `[]`. */
export interface ComputedLosses {
  /** Every output of the forward pass (for a net dict: every layer's). */
  outputs: Map<string, LayerOutput>;
  /** Loss name (`output`, `dec/output`, `extra.search:output`) → LossHolder, computed on this batch, in {@link Model.lossNames} order. */
  losses: Map<string, LossHolder>;
  /** Sum of the scaled, normalised losses (seed `get_total_loss`). */
  totalLoss: Tensor;
  /** Sum of the constraints: L2 and the layers' added losses (seed `get_total_constraints`). */
  totalConstraints: Tensor;
  /** `totalLoss + totalConstraints`, what the optimizer minimises (seed `get_objective`). */
  objective: Tensor;
}

/**
 * The model contract: what the engine (training, evaluation, prediction),
 * checkpoints, ONNX export and the CLI need of a model, whatever made it.
 * {@link NetDictNetwork} (a RETURNN net dict) implements it, and
 * {@link LayerModel} makes one of any {@link Layer} (a `Network` subclass, a
 * user's own layer) with its extern data and loss. It is small on purpose:
 *
 * * variables: every variable (what a checkpoint holds, keyed by
 *   `variable.path`) and the trainable ones (what the optimizer updates);
 * * a call with an explicit training flag: {@link Model.forward} takes the
 *   {@link CallContext} (`ctx.training`, dropout seeds, state updates);
 * * collected losses: {@link Model.computeLosses} runs the model and
 *   computes every loss into one objective;
 * * named outputs: {@link Model.outputNames}, with their {@link Data} templates,
 *   whose Dims hold the lengths of dynamic axes for the batch last run.
 */
export interface Model {
  /** The model's root scope (the first segment of its variables' paths, e.g. `network`). */
  readonly name: string;
  /** Every variable, trainable or not (a checkpoint's contents). */
  readonly variables: Variable[];
  /** The variables the optimizer updates. */
  readonly trainableVariables: Variable[];
  /** What the model reads: inputs and targets (RETURNN `extern_data`). */
  readonly externData: ExternData;
  /** Extern-data keys the outputs need (inference inputs; targets only losses read are left out). */
  inputKeys(): string[];
  /** Extern-data keys a training step reads: inputs and loss targets. */
  usedDataKeys(): string[];
  /** Names of the outputs, the default one first. */
  outputNames(): string[];
  /**
   * The template of output `name` (axes, dtype; its time axis is the first dynamic one).
   * @throws LayerNotFoundError for an unknown name.
   */
  outputData(name: string): Data;
  /** Names of the losses {@link Model.computeLosses} reports, in order: `train` (what training minimises) or `eval`. */
  lossNames(mode: 'train' | 'eval'): string[];
  /**
   * Runs the model on a batch and returns its outputs by name (a net dict:
   * every layer's). `ctx.training` decides dropout and batch statistics.
   */
  forward(batch: Batch, ctx: CallContext): Map<string, LayerOutput>;
  /** Runs the model and computes every loss of the mode `ctx.training` selects, and the objective. */
  computeLosses(batch: Batch, ctx: CallContext): ComputedLosses;
  /** Host work after each training step (RETURNN's post-control dependencies). */
  afterStep?(): void;
  /** The layer that computes output `name`, for diagnostics (which layer's weights or output went non-finite). */
  layerOf?(name: string): Layer | undefined;
}

/** True for an object implementing the {@link Model} contract. */
export function isModel(x: unknown): x is Model {
  const m = x as Partial<Model> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.forward === 'function' &&
    typeof m.computeLosses === 'function' &&
    typeof m.outputNames === 'function' &&
    typeof m.lossNames === 'function' &&
    typeof m.inputKeys === 'function' &&
    m.externData !== undefined
  );
}
