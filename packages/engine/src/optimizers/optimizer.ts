import { getBackend, ops, shapesEqual, type Tensor } from '@strata/backend';
import type { Variable } from '@strata/core';
import { OptimizerArgumentError, OptimizerStateError } from './errors.js';
import { checkGradientClipOptions, clipGradients, type GradientClipOptions } from './gradient-clipping.js';

/** The slot holding a variable's gradient summed over the steps of an accumulation window. */
export const ACCUM_GRAD_SLOT = 'accum_grad';

/** Options every optimizer takes (gradient post-processing: {@link GradientClipOptions}). */
export interface OptimizerOptions extends GradientClipOptions {
  /**
   * RETURNN's `accum_grad_multiple_step` (`returnn/tf/updater.py`, `accum_grad_multiple_step`
   * and `_apply_gradients`): sum the gradients of `n` consecutive steps (the sum, not the mean)
   * and apply one update with it on the last of them; the steps in between change no
   * weight and no slot, and {@link Optimizer.iterations} (Adam's bias-correction step) counts
   * applied updates only. Post-processing ({@link GradientClipOptions}) acts on the sum, the
   * global norm being that of the current step's own gradients, as in RETURNN. Windows run
   * over every {@link Optimizer.apply} call, across epochs (RETURNN's `global_train_step mod n`).
   * The running sum is a slot (`accum_grad`), saved in checkpoints. Default 1 (off); an integer ≥ 1.
   */
  accumGradMultipleStep?: number;
  /** Step size. Settable later through {@link Optimizer.learningRate} (schedules). */
  learningRate?: number;
  /**
   * Decoupled weight decay (Keras 3 / AdamW): before each update,
   * `w ← w - learningRate · weightDecay · w`. Default 0 (off). Applied to
   * every variable given to {@link Optimizer.apply}.
   */
  weightDecay?: number;
}

/**
 * Options of {@link Optimizer}'s constructor, what a subclass passes to
 * `super`: the user's {@link OptimizerOptions} (any subclass options may ride
 * along) and the subclass's default learning rate.
 */
export interface OptimizerBaseOptions extends OptimizerOptions {
  /** The step size when `learningRate` is not given (Keras' defaults: 0.001 for Adam, 0.01 for SGD). Non-negative. */
  defaultLearningRate: number;
}

/** One slot's values in a saved {@link OptimizerState}. */
export interface SlotState {
  /** `${variable.path}/${slotName}`, e.g. `net/dense/kernel/momentum`. */
  name: string;
  shape: number[];
  /** float32 values, row-major (a plain array after a JSON round trip). */
  values: Float32Array | number[];
}

/**
 * What an optimizer needs to continue exactly where it stopped. Without
 * `slots` it is small and JSON-safe (checkpoints store the slot tensors
 * themselves, through {@link Optimizer.slots}).
 */
export interface OptimizerState {
  /** Number of updates applied so far (Keras' `iterations`). */
  iterations: number;
  /** With `accumGradMultipleStep` n > 1: steps taken in the current window, in `[0, n)` (RETURNN's `global_train_step mod n`). */
  accumGradPhase?: number;
  learningRate: number;
  /** Every slot's values; absent unless asked for (`getState({ slots: true })`). */
  slots?: SlotState[];
}

/** What {@link Optimizer.update} gets for one variable. All tensors float32. */
export interface UpdateArgs {
  /** Current value of the variable (after weight decay). */
  value: Tensor;
  /** `d objective / d value`, same shape. */
  grad: Tensor;
  /** Learning rate, scalar `[]`. */
  lr: Tensor;
  /** 1-based number of this update, scalar `[]` (Keras' `iterations + 1`; applied updates only, see `accumGradMultipleStep`). */
  step: Tensor;
  /** The current value of one of this variable's slots. */
  slot(name: string): Tensor;
  /** Writes a slot's new value. */
  setSlot(name: string, value: Tensor): void;
}

/**
 * The base class of optimizers, written in backend ops only (RETURNN's
 * Updater, Keras 3's `Optimizer`).
 *
 * State lives in backend variables, so that a graph backend can compile a whole
 * training step into one graph: one int32 step counter (`iterations`), the
 * learning rate as a float32 scalar (so a schedule changes it without
 * recompiling), and per trained variable its slots (momenta, ...), created
 * lazily as zeros on the first {@link Optimizer.apply} (or eagerly with
 * {@link Optimizer.build}, which graph backends need before compiling) and
 * named `${variable.path}/${slotName}` for checkpoints.
 */
export abstract class Optimizer {
  /** Registry name (`adam`, `sgd`); subclasses set it. */
  static readonly className: string = 'optimizer';

  readonly weightDecay: number;
  /** Gradient post-processing (noise, clipping, NaN filter) applied in {@link Optimizer.apply} before the update. */
  readonly clipping: GradientClipOptions;
  /** Steps whose gradients are summed into one update (RETURNN `accum_grad_multiple_step`); 1: every step updates. */
  readonly accumGradMultipleStep: number;
  private lr: number;
  private iterationsVar: Tensor | null = null;
  /** float32 scalar: steps taken in the current accumulation window (only with `accumGradMultipleStep` > 1). */
  private phaseVar: Tensor | null = null;
  private pendingPhase = 0;
  private lrVar: Tensor | null = null;
  private readonly slotVars = new Map<string, Tensor>();
  /** Restored slot values waiting for their variable's first update. */
  private readonly pending = new Map<string, SlotState>();
  private pendingIterations = 0;

  /** @throws OptimizerArgumentError for a negative `learningRate` or `weightDecay`. */
  constructor(options: OptimizerBaseOptions) {
    this.lr = options.learningRate ?? options.defaultLearningRate;
    checkNonNegative('learningRate', this.lr);
    this.weightDecay = options.weightDecay ?? 0;
    checkNonNegative('weightDecay', this.weightDecay);
    const { gradientNoise, clipValue, clipNorm, globalClipNorm, gradientNanInfFilter } = options;
    this.clipping = { gradientNoise, clipValue, clipNorm, globalClipNorm, gradientNanInfFilter };
    checkGradientClipOptions(this.clipping);
    this.accumGradMultipleStep = options.accumGradMultipleStep ?? 1;
    if (!Number.isInteger(this.accumGradMultipleStep) || this.accumGradMultipleStep < 1) {
      throw new OptimizerArgumentError(`accumGradMultipleStep must be an integer >= 1 (1 = update every step). Received: accumGradMultipleStep=${options.accumGradMultipleStep}`);
    }
  }

  /** The subclass's slots, plus `accum_grad` when gradients are accumulated. */
  private allSlotNames(): readonly string[] {
    return this.accumGradMultipleStep > 1 ? [...this.slotNames(), ACCUM_GRAD_SLOT] : this.slotNames();
  }

  /** Names of the slots each variable gets, e.g. `['momentum', 'velocity']`. */
  protected abstract slotNames(): readonly string[];

  /** The new value of one variable; writes its slots with `args.setSlot`. Runs inside `ops.tidy`. */
  protected abstract update(args: UpdateArgs): Tensor;

  /** The hyper-parameters, for configs and logs. */
  abstract getConfig(): Record<string, unknown>;

  /** The current learning rate. Setting it takes effect at the next {@link Optimizer.apply}. */
  get learningRate(): number {
    return this.lr;
  }
  set learningRate(value: number) {
    checkNonNegative('learningRate', value);
    this.lr = value;
    if (this.lrVar) assignScalar(this.lrVar, value, 'float32');
  }

  /** Number of updates applied so far. */
  get iterations(): number {
    return this.iterationsVar ? ops.item(this.iterationsVar) : this.pendingIterations;
  }

  /**
   * Creates the counters and the slots of `variables` now instead of at the
   * first update: before loading a checkpoint into {@link Optimizer.slots},
   * and before a graph backend compiles the training step.
   */
  createSlots(variables: readonly Variable[]): void {
    this.iterationsVar ??= newVariable(ops.scalar(this.pendingIterations, 'int32'));
    this.lrVar ??= newVariable(ops.scalar(this.lr));
    if (this.accumGradMultipleStep > 1) this.phaseVar ??= newVariable(ops.scalar(this.pendingPhase));
    for (const v of variables) {
      for (const slot of this.allSlotNames()) {
        const name = `${v.path}/${slot}`;
        if (this.slotVars.has(name)) continue;
        const saved = this.pending.get(name);
        if (saved) checkShape(saved, v.shape);
        this.pending.delete(name);
        this.slotVars.set(name, newVariable(saved ? ops.tensor(Float32Array.from(saved.values), saved.shape) : ops.zeros(v.shape)));
      }
    }
  }

  /**
   * Takes one training step: with `accumGradMultipleStep` n > 1, adds `grads` to the
   * running sums (see {@link OptimizerOptions.accumGradMultipleStep}) and updates only on the
   * n-th step of a window; then, for each variable, the post-processed gradient
   * ({@link clipGradients}), `update(value, grad)` and the variable's constraint if it has one,
   * assigned with `variable.assign`. Runs in `ops.tidy`; the caller keeps ownership of `grads`.
   * Backend ops only (the window's branch is a `where`), so it traces into a compiled step.
   *
   * @param variables the trained variables (float32).
   * @param grads `d objective / d variable`, one per variable, same shapes.
   * @param opts.nextSeed a fresh seed per call (the training context's `nextSeed`), for `gradientNoise`.
   * @throws OptimizerStateError if the lists differ in length, a gradient's shape
   *   differs from its variable's, two variables share a path (their slots would clash),
   *   or `gradientNoise` is on without `opts.nextSeed`.
   */
  apply(variables: readonly Variable[], grads: readonly Tensor[], opts: { nextSeed?: () => number } = {}): void {
    this.checkApplyArgs(variables, grads);
    if (this.clipping.gradientNoise && !opts.nextSeed) {
      throw new OptimizerStateError('gradientNoise needs random seeds: pass { nextSeed } (e.g. the training context\'s ctx.nextSeed) to Optimizer.apply.');
    }
    this.createSlots(variables);
    const iterationsVar = this.iterationsVar!;
    const lrVar = this.lrVar!;
    ops.tidy(() => {
      const b = getBackend();
      const next = ops.add(iterationsVar, ops.scalar(1, 'int32'));
      const step = ops.cast(next, 'float32');
      const { grads: summed, applyNow } = this.accumulate(variables, grads);
      // `x` on an applied step, `old` on the other steps of a window.
      const gate = (x: Tensor, old: Tensor): Tensor => (applyNow ? ops.where(applyNow, x, old) : x);
      const clipped = clipGradients(summed, this.clipping, { rawGrads: grads, nextSeed: opts.nextSeed });
      variables.forEach((variable, i) => {
        const slotName = (s: string): string => `${variable.path}/${s}`;
        let value = variable.value;
        if (this.weightDecay > 0) value = ops.sub(value, ops.mul(ops.mul(value, lrVar), this.weightDecay));
        let updated = this.update({
          value,
          grad: clipped[i]!,
          lr: lrVar,
          step,
          slot: (s) => this.slotVars.get(slotName(s))!,
          setSlot: (s, t) => {
            const slotVar = this.slotVars.get(slotName(s))!;
            b.assign(slotVar, gate(t, slotVar));
          },
        });
        if (variable.constraint) updated = variable.constraint.apply(updated);
        variable.assign(gate(updated, variable.value));
      });
      b.assign(iterationsVar, gate(next, iterationsVar));
    });
  }

  /**
   * RETURNN's `accum_grad_multiple_step(grad, var, train_step, n)`: on the first step of a
   * window the sum is the step's gradient, else the sum so far plus it; `applyNow` (bool
   * scalar) is true on the window's last step. Without accumulation: `grads` and null.
   */
  private accumulate(variables: readonly Variable[], grads: readonly Tensor[]): { grads: readonly Tensor[]; applyNow: Tensor | null } {
    const n = this.accumGradMultipleStep;
    if (n <= 1) return { grads, applyNow: null };
    const b = getBackend();
    const phase = this.phaseVar!;
    const first = ops.equal(phase, 0);
    const applyNow = ops.equal(phase, n - 1);
    const summed = variables.map((v, i) => {
      const acc = this.slotVars.get(`${v.path}/${ACCUM_GRAD_SLOT}`)!;
      const sum = ops.where(first, grads[i]!, ops.add(acc, grads[i]!));
      b.assign(acc, sum);
      return sum;
    });
    b.assign(phase, ops.where(applyNow, 0, ops.add(phase, 1)));
    return { grads: summed, applyNow };
  }

  /** Steps taken in the current accumulation window, in `[0, accumGradMultipleStep)`. */
  get accumGradPhase(): number {
    return this.phaseVar ? ops.item(this.phaseVar) : this.pendingPhase;
  }

  /** The slot variables with their checkpoint names (`net/dense/kernel/momentum`), in creation order. */
  slots(): { name: string; value: Tensor }[] {
    return [...this.slotVars].map(([name, value]) => ({ name, value }));
  }

  /**
   * A copy of the state: step count and learning rate, and with `{ slots: true }`
   * every slot's values (read back from the backend).
   */
  getState(opts: { slots?: boolean } = {}): OptimizerState {
    const state: OptimizerState = { iterations: this.iterations, learningRate: this.lr };
    if (this.accumGradMultipleStep > 1) state.accumGradPhase = this.accumGradPhase;
    if (!opts.slots) return state;
    const slots: SlotState[] = [...this.pending.values()].map((s) => ({ ...s, values: Float32Array.from(s.values) }));
    for (const [name, t] of this.slotVars) {
      slots.push({ name, shape: [...t.shape], values: Float32Array.from(ops.readSync(t)) });
    }
    return { ...state, slots };
  }

  /**
   * Replaces the state with `state` (from {@link Optimizer.getState} or a
   * checkpoint). If `state.slots` is absent the slots are left as they are;
   * otherwise they are replaced: slots of variables not seen yet are kept
   * until their first update, existing slots missing from `state` are reset
   * to zeros. Everything is checked before anything changes.
   *
   * @throws OptimizerStateError for a bad step count or a slot whose shape differs from the existing one.
   */
  setState(state: OptimizerState): void {
    if (!Number.isInteger(state.iterations) || state.iterations < 0) {
      throw new OptimizerStateError(`iterations must be a non-negative integer. Received: iterations=${state.iterations}`);
    }
    checkNonNegative('learningRate', state.learningRate);
    const saved = state.accumGradPhase ?? 0;
    if (!Number.isInteger(saved) || saved < 0) {
      throw new OptimizerStateError(`accumGradPhase must be an integer >= 0. Received: accumGradPhase=${state.accumGradPhase}`);
    }
    // A state saved with another window length goes on as RETURNN would from its global step: modulo n.
    const phase = saved % this.accumGradMultipleStep;
    const given = state.slots;
    for (const s of given ?? []) {
      if (s.values.length !== s.shape.reduce((a, d) => a * d, 1)) {
        throw new OptimizerStateError(`Slot ${JSON.stringify(s.name)} has ${s.values.length} values for shape [${s.shape.join(', ')}].`);
      }
      const existing = this.slotVars.get(s.name);
      if (existing) checkShape(s, existing.shape);
    }
    this.learningRate = state.learningRate;
    this.pendingIterations = state.iterations;
    if (this.iterationsVar) assignScalar(this.iterationsVar, state.iterations, 'int32');
    this.pendingPhase = phase;
    if (this.phaseVar) assignScalar(this.phaseVar, phase, 'float32');
    if (!given) return;
    const byName = new Map(given.map((s) => [s.name, s]));
    this.pending.clear();
    ops.tidy(() => {
      for (const [name, t] of this.slotVars) {
        const s = byName.get(name);
        getBackend().assign(t, s ? ops.tensor(Float32Array.from(s.values), s.shape) : ops.zeros(t.shape));
        byName.delete(name);
      }
    });
    for (const [name, s] of byName) this.pending.set(name, { name, shape: [...s.shape], values: Float32Array.from(s.values) });
  }

  /** Releases the slot and counter variables; the optimizer starts afresh if used again. */
  dispose(): void {
    const all = [...this.slotVars.values(), ...[this.iterationsVar, this.lrVar, this.phaseVar].filter((v): v is Tensor => v !== null)];
    getBackend().dispose(all);
    this.slotVars.clear();
    this.pending.clear();
    this.iterationsVar = null;
    this.lrVar = null;
    this.phaseVar = null;
    this.pendingIterations = 0;
    this.pendingPhase = 0;
  }

  private checkApplyArgs(variables: readonly Variable[], grads: readonly Tensor[]): void {
    if (variables.length !== grads.length) {
      throw new OptimizerStateError(`apply got ${variables.length} variables but ${grads.length} gradients; pass one gradient per variable.`);
    }
    const seen = new Set<string>();
    variables.forEach((v, i) => {
      const g = grads[i]!;
      if (!shapesEqual(g.shape, v.shape)) {
        throw new OptimizerStateError(
          `Gradient ${i} has shape [${g.shape.join(', ')}] but variable ${JSON.stringify(v.path)} has shape [${v.shape.join(', ')}].`,
        );
      }
      if (seen.has(v.path)) {
        throw new OptimizerStateError(`Two variables share the path ${JSON.stringify(v.path)}; their optimizer slots would clash.`);
      }
      seen.add(v.path);
    });
  }
}

function checkNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new OptimizerArgumentError(`${name} must be a finite number >= 0. Received: ${name}=${value}`);
  }
}

function checkShape(saved: SlotState, shape: readonly number[]): void {
  if (!shapesEqual(saved.shape, shape)) {
    throw new OptimizerStateError(
      `Saved slot ${JSON.stringify(saved.name)} has shape [${saved.shape.join(', ')}] but the variable has shape [${shape.join(', ')}].`,
    );
  }
}

/** A non-trainable backend variable holding a copy of `init` (which is released). */
function newVariable(init: Tensor): Tensor {
  const v = getBackend().variable(init, false);
  getBackend().dispose(init);
  return v;
}

function assignScalar(v: Tensor, value: number, dtype: 'float32' | 'int32'): void {
  ops.tidy(() => getBackend().assign(v, ops.scalar(value, dtype)));
}

/** Checks a hyper-parameter in `[0, 1)` (momentum, beta). */
export function checkUnitInterval(name: string, value: number): void {
  if (!(value >= 0 && value < 1)) {
    throw new OptimizerArgumentError(`${name} must be in [0, 1). Received: ${name}=${value}`);
  }
}

/** Checks a positive hyper-parameter (epsilon). */
export function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new OptimizerArgumentError(`${name} must be a finite number > 0. Received: ${name}=${value}`);
  }
}
