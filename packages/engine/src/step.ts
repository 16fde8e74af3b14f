import { type Backend, getBackend, ops, type Tensor, type TensorData } from '@strata/backend';
import { type CallContext, INFERENCE, type Variable } from '@strata/core';
import type { Model } from '@strata/network';
import { EngineConfigError } from './errors.js';
import type { Optimizer } from './optimizers/optimizer.js';

/** Sums over one batch, per loss: what the epoch summary accumulates. */
export interface StepMetrics {
  /** The objective the optimizer minimised on this batch (normalised, scaled, plus constraints). */
  objective: number;
  /** Per loss name: summed loss, summed errors, frames. */
  losses: Record<string, { sum: number; error: number; frames: number }>;
}

/**
 * Every loss of the model on one batch (`model.computeLosses`: forward pass,
 * each LossHolder on its output and target, with the target's lengths for
 * sequence data). Returns the objective and, as auxiliary outputs in the
 * order of `model.lossNames`, each loss's sum, error and frame count.
 */
function lossesOf(model: Model, batch: Record<string, Tensor>, ctx: CallContext) {
  const c = model.computeLosses(batch, ctx);
  const aux: Tensor[] = [...c.losses.values()].flatMap((h) => [h.values.sum, h.values.error ?? ops.scalar(0), h.values.numFrames]);
  // Errors only the host can compute (CTC beam search in evaluation): their inputs are read back after the step.
  const host = [...c.losses.values()].map((h, i) => ({ i, err: h.values.hostError })).filter((x) => x.err !== undefined);
  return { objective: c.objective, aux, host: host.map(({ i, err }) => ({ i, finish: err!.finish, tensors: err!.tensors })) };
}

function readMetrics(names: string[], objective: Tensor, aux: Tensor[]): StepMetrics {
  const losses: StepMetrics['losses'] = {};
  names.forEach((name, i) => {
    losses[name] = {
      sum: ops.item(aux[3 * i]!),
      error: ops.item(aux[3 * i + 1]!),
      frames: ops.item(aux[3 * i + 2]!),
    };
  });
  return { objective: ops.item(objective), losses };
}

/** The context of one training step: the call context plus the state updates layers add (batch-norm statistics). */
export type TrainContext = CallContext & { updates: [Variable, Tensor][] };

/** A training step: one batch in, the batch's metrics out; variables and optimizer state updated. */
export type TrainStepFn = (batch: Record<string, Tensor>, ctx: TrainContext) => StepMetrics;

/**
 * Makes the training step of `model` with `optimizer`: forward, losses,
 * backward, optimizer update and state updates (batch-norm statistics),
 * written once against the backend contract.
 *
 * With `compiled` (the default) the step goes through `backend.compile`:
 * on onnxruntime the whole step (backward pass and Adam/SGD update of every
 * variable and slot included) is traced into one ONNX graph per batch shape
 * and run once per batch; on tfjs it is the plain function. Batch keys are
 * passed in sorted order, so the compiled signature is stable. The context's
 * random seeds (dropout) are read when a graph is traced: later runs of the
 * same graph draw fresh samples from them and the run number (see the
 * onnxruntime backend's `randomUniform`).
 * @throws EngineConfigError if `model` has no trainable variables.
 */
export function makeTrainStep(model: Model, optimizer: Optimizer, compiled = true): TrainStepFn {
  const backend = getBackend();
  const names = model.lossNames('train');
  const trainable = model.trainableVariables;
  if (trainable.length === 0) {
    throw new EngineConfigError(
      `The model has no trainable variables, so training has nothing to update (as PyTorch's "optimizer got an empty parameter list"). ` +
        `Give it layers with weights that an output or a loss needs (a net dict's layers nobody needs hold no params, as in RETURNN), ` +
        `or set "trainable": true where it is false. Received: ${model.variables.length} variable(s), none trainable.`,
    );
  }
  // Slots and counters are variables: a graph backend cannot create them inside a trace.
  optimizer.createSlots(trainable);
  let keys: string[] = [];
  let ctx: TrainContext | undefined;
  // Host-side errors (edit_distance with ctc_decode): their tensors follow the aux outputs, finished after the run.
  let host: { i: number; finish: (v: readonly TensorData[]) => number; n: number }[] = [];
  const step = (...tensors: Tensor[]): Tensor[] => {
    const batch = Object.fromEntries(keys.map((k, i) => [k, tensors[i]!]));
    const c = ctx!;
    let nAux = 0;
    const { value, grads, aux } = backend.valueAndGrads(() => {
      const r = lossesOf(model, batch, c);
      host = r.host.map(({ i, finish, tensors: t }) => ({ i, finish, n: t.length }));
      const hostTensors = r.host.flatMap((h) => h.tensors);
      nAux = r.aux.length + hostTensors.length;
      // State updates are extra outputs of the differentiated function; applied after the gradient step.
      return { value: r.objective, aux: [...r.aux, ...hostTensors, ...c.updates.map(([, t]) => t)] };
    }, trainable.map((v) => v.value));
    // The context gives gradient noise its seeds, as it gives dropout (read when a graph is traced).
    optimizer.apply(trainable, grads, { nextSeed: c.nextSeed });
    c.updates.forEach(([v], i) => v.assign(aux[nAux + i]!));
    c.updates.length = 0;
    // valueAndGrads keeps its results out of enclosing memory scopes: release them here.
    backend.dispose([...grads, ...aux.slice(nAux)]);
    return [value, ...aux.slice(0, nAux)];
  };
  const run = compiled ? backend.compile(step) : step;
  return (batch, stepCtx) => {
    keys = Object.keys(batch).sort();
    ctx = stepCtx;
    try {
      return ops.tidy(() => {
        const out = run(...keys.map((k) => batch[k]!));
        const metrics = readMetrics(names, out[0]!, out.slice(1, 1 + 3 * names.length));
        let at = 1 + 3 * names.length;
        for (const h of host) {
          const values = out.slice(at, at + h.n).map((t) => ops.readSync(t));
          at += h.n;
          metrics.losses[names[h.i]!]!.error = h.finish(values);
        }
        backend.dispose(out);
        // RETURNN's post-control dependencies: host functions registered on the network, run after each step.
        model.afterStep?.();
        return metrics;
      });
    } finally {
      ctx = undefined;
    }
  };
}

/**
 * Keeps the (compiled) train step of a model across `Engine.train` calls
 * while the backend and the trained variables stay the same, so that a
 * graph backend traces and compiles it once.
 */
export class TrainStepCache {
  private cached: { backend: Backend; trainable: Variable[]; fn: TrainStepFn } | undefined;

  get(model: Model, optimizer: Optimizer): TrainStepFn {
    const backend = getBackend();
    const trainable = model.trainableVariables;
    const c = this.cached;
    if (!c || c.backend !== backend || c.trainable.length !== trainable.length || c.trainable.some((v, i) => v !== trainable[i])) {
      this.cached = { backend, trainable, fn: makeTrainStep(model, optimizer) };
    }
    return this.cached!.fn;
  }
}

/** One training step, not compiled (eager on every backend): see {@link makeTrainStep}. */
export function trainStep(model: Model, optimizer: Optimizer, batch: Record<string, Tensor>, ctx: TrainContext): StepMetrics {
  return makeTrainStep(model, optimizer, false)(batch, ctx);
}

/** A compiled evaluation step: losses and errors of one batch in inference mode. */
export type EvalStepFn = (batch: Record<string, Tensor>) => StepMetrics;

/**
 * Compiles the inference pass and the losses of `model` with the active
 * backend (`backend.compile`: one ONNX graph per batch shape on onnxruntime,
 * the plain function on tfjs) and returns a function that evaluates one
 * batch (no dropout, moving statistics). Batch keys are passed in sorted
 * order so the compiled signature is stable.
 */
export function makeEvalStep(model: Model): EvalStepFn {
  const names = model.lossNames('eval');
  let keys: string[] = [];
  // The host errors' layout of the traced graph: loss index, finish, number of tensors (fixed per trace).
  let host: { i: number; finish: (v: readonly TensorData[]) => number; n: number }[] = [];
  const compiled = getBackend().compile((...tensors: Tensor[]) => {
    const batch = Object.fromEntries(keys.map((k, i) => [k, tensors[i]!]));
    const r = lossesOf(model, batch, INFERENCE);
    host = r.host.map(({ i, finish, tensors: t }) => ({ i, finish, n: t.length }));
    return [r.objective, ...r.aux, ...r.host.flatMap((h) => h.tensors)];
  });
  return (batch) => {
    keys = Object.keys(batch).sort();
    return ops.tidy(() => {
      const [objective, ...rest] = compiled(...keys.map((k) => batch[k]!));
      const aux = rest.slice(0, 3 * names.length);
      const metrics = readMetrics(names, objective!, aux);
      let at = aux.length;
      for (const h of host) {
        const values = rest.slice(at, at + h.n).map((t) => ops.readSync(t));
        at += h.n;
        metrics.losses[names[h.i]!]!.error = h.finish(values);
      }
      return metrics;
    });
  };
}
