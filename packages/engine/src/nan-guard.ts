import { ops, type Tensor, type TensorData } from '@strata/backend';
import type { Model } from '@strata/network';
import { NonFiniteLossError } from './errors.js';
import type { Optimizer, OptimizerState } from './optimizers/optimizer.js';
import type { TrainContext, TrainStepFn } from './step.js';

/**
 * The training state at the start of an epoch, on the host: every network
 * weight and the optimizer's state with its slots. Taken once per epoch, so
 * that after a non-finite loss the guard can go back to it and replay the
 * epoch's steps up to the failing one (training is deterministic).
 */
export interface TrainingSnapshot {
  weights: TensorData[];
  optimizer: OptimizerState;
}

/** Reads the weights and the optimizer state (with slots) back to the host. */
export function snapshotTraining(model: Model, optimizer: Optimizer): TrainingSnapshot {
  return { weights: model.variables.map((v) => v.readSync().slice()), optimizer: optimizer.getState({ slots: true }) };
}

/** Puts the weights of a {@link snapshotTraining} back. */
function restoreWeights(model: Model, weights: TensorData[]): void {
  model.variables.forEach((v, i) => {
    const t = ops.tensor(weights[i]!, v.shape, v.dtype);
    v.assign(t);
    ops.dispose(t);
  });
}

/** Where non-finite values first appear in a training step, found by {@link diagnoseNonFiniteLoss}. */
export interface NonFiniteSite {
  /** The layer: the first (in execution order) whose weights or output hold NaN/Inf. */
  layer: string;
  /**
   * `weights`: the layer's weights were already non-finite before the step;
   * `output`: its output is, with finite inputs and weights; `regularization`:
   * every output is finite, and this layer's regularization term (`L2`) is not;
   * `loss`: every output and regularization term is finite, and the loss of this layer is not.
   */
  where: 'weights' | 'output' | 'regularization' | 'loss';
  /** The first non-finite value met (NaN, Infinity or -Infinity), and how many of the values are non-finite. */
  value: number;
  count: number;
  total: number;
}

/** What the engine hands the guard about the step whose loss was not finite. */
export interface FailedStep {
  model: Model;
  optimizer: Optimizer;
  /** The state at the start of the failing epoch ({@link snapshotTraining}). */
  snapshot: TrainingSnapshot;
  /** The learning rate of the failing epoch (the snapshot holds the one it was taken with). */
  learningRate: number;
  /** 1-based epoch, 0-based batch index in the epoch, and the objective that was not finite. */
  epoch: number;
  batch: number;
  objective: number;
  /** Uploads batch `b` of the failing epoch with its training context (the same dropout seeds as in training). The guard disposes the inputs. */
  batchAt: (b: number) => { inputs: Record<string, Tensor>; ctx: TrainContext };
  /** The last checkpoint that was written (kept, never overwritten), or null. */
  lastGoodCheckpoint: string | null;
  /**
   * The training step the epoch ran with, to replay it identically (a compiled
   * step draws its dropout masks differently from an eager one on a graph backend).
   */
  step: TrainStepFn;
}

function countNonFinite(values: ArrayLike<number>): { value: number; count: number } {
  let first = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      if (count === 0) first = v;
      count++;
    }
  }
  return { value: first, count };
}

/**
 * Finds where non-finite values first appear in the step that made the loss
 * non-finite (in the spirit of the seed's `help_on_tf_exception`, which
 * names the op and layer of a failure): the weights are put back to the
 * epoch's start, the epoch's batches before the failing one are replayed
 * with the same seeds (so the weights are those the failing step began
 * with), then the failing batch is run forward in training mode layer by
 * layer and the first layer whose weights or output hold NaN/Inf is named.
 *
 * Afterwards the network and optimizer hold the state before the failing
 * step (all finite, unless an earlier step already broke the weights).
 * Nothing is written to disk. On a backend whose ops cannot run outside a
 * compiled function, or if the replay does not reproduce the failure, the
 * site is null.
 */
export function diagnoseNonFiniteLoss(f: FailedStep): NonFiniteSite | null {
  const { model, optimizer } = f;
  restoreWeights(model, f.snapshot.weights);
  optimizer.setState(f.snapshot.optimizer);
  optimizer.learningRate = f.learningRate;
  for (let b = 0; b < f.batch; b++) {
    const { inputs, ctx } = f.batchAt(b);
    try {
      f.step(inputs, ctx);
    } finally {
      ops.dispose(Object.values(inputs));
    }
  }
  const { inputs, ctx } = f.batchAt(f.batch);
  try {
    return ops.tidy(() => {
      const outs = model.forward(inputs, ctx);
      for (const [name, out] of outs) {
        for (const w of model.layerOf?.(name)?.weights ?? []) {
          const values = w.readSync();
          const bad = countNonFinite(values);
          if (bad.count > 0) return { layer: name, where: 'weights', ...bad, total: values.length } as NonFiniteSite;
        }
        const values = ops.readSync(out.value);
        const bad = countNonFinite(values);
        if (bad.count > 0) return { layer: name, where: 'output', ...bad, total: values.length } as NonFiniteSite;
      }
      // Every output is finite: a regularization term (L2 of a layer's weights) can still overflow.
      for (const name of outs.keys()) {
        for (const t of model.layerOf?.(name)?.losses ?? []) {
          const values = ops.readSync(t);
          const bad = countNonFinite(values);
          if (bad.count > 0) return { layer: name, where: 'regularization', ...bad, total: values.length } as NonFiniteSite;
        }
      }
      const loss = model.lossNames('train')[0];
      return loss !== undefined ? ({ layer: loss, where: 'loss', value: f.objective, count: 1, total: 1 } as NonFiniteSite) : null;
    });
  } catch {
    return null;
  } finally {
    ctx.updates.length = 0;
    ops.dispose(Object.values(inputs));
  }
}

/**
 * Diagnoses a step whose loss was not finite ({@link diagnoseNonFiniteLoss})
 * and returns the error the engine throws: it names the layer where NaN/Inf
 * first appear, the epoch and batch, and the checkpoint that is kept.
 */
export function nonFiniteLossError(f: FailedStep): NonFiniteLossError {
  let site: NonFiniteSite | null;
  try {
    site = diagnoseNonFiniteLoss(f);
  } catch {
    site = null;
  }
  const where = !site
    ? 'The layer where non-finite values first appear could not be determined.'
    : site.where === 'loss'
      ? `Every layer output and regularization term is finite; the loss of layer '${site.layer}' is not.`
      : `Non-finite values first appear in the ${site.where} of layer '${site.layer}' ` +
        `(${site.count} of ${site.total} values, the first is ${site.value}).`;
  return new NonFiniteLossError({
    message:
      `The training objective became ${f.objective} in epoch ${f.epoch}, batch ${f.batch + 1}. ${where} ` +
      `${f.lastGoodCheckpoint ? `The last good checkpoint ${f.lastGoodCheckpoint} is kept` : 'No checkpoint was written'} ` +
      `(the broken state is not saved). Lower the learning rate, or check the data for extreme values.`,
    layer: site?.layer ?? null,
    epoch: f.epoch,
    batch: f.batch,
  });
}
