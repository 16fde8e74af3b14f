import { BackendCapabilityError, getBackend, ops, type Tensor } from '@strata/backend';
import { InputShapeError } from '../../errors.js';

/** RETURNN's initial-state values that carry a batch's last state into the next batch. */
export const KEPT_STATE_VALUES = ['keep_over_epoch', 'keep_over_epoch_no_init'] as const;

/** Whether an initial-state value is one of {@link KEPT_STATE_VALUES}. */
export const isKeptState = (v: string): boolean => (KEPT_STATE_VALUES as readonly string[]).includes(v);

/** A layer holding state between calls that the training loop resets at epoch start (see {@link resetEpochState}). */
export interface HasEpochState {
  /** Forgets the state of the running epoch: the next call starts as at step 0 of an epoch. */
  resetEpochState(): void;
}

const hasEpochState = (x: unknown): x is HasEpochState => typeof (x as Partial<HasEpochState>).resetEpochState === 'function';

/**
 * Resets the kept state of every layer under `root` (its `layers`, recursively: rec units and
 * sub-networks included; a model's `layer`), as RETURNN's epoch step 0 does for `initial_state: "keep_over_epoch"`.
 * The engine calls it at the start of each training epoch and of each evaluation or prediction pass
 * (RETURNN's `Runner` feeds `epoch_step` from 0 for every run).
 */
export function resetEpochState(root: unknown): void {
  const seen = new Set<unknown>();
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (hasEpochState(x) && x !== root) x.resetEpochState();
    const layers = (x as { layers?: unknown }).layers;
    if (Array.isArray(layers)) layers.forEach(visit);
    // A model wrapping one layer (`LayerModel.layer`).
    visit((x as { layer?: unknown }).layer);
  };
  visit(root);
}

/**
 * The state a recurrent layer keeps between calls for the parts whose `initial_state` is
 * `keep_over_epoch` (RETURNN `RnnCellLayer.get_rec_initial_state_inner`: a non-trainable, non-saved
 * variable `keep_state_<part>` assigned each part's last state after every run; the initial state is
 * zeros at epoch step 0, else that variable) or `keep_over_epoch_no_init` (the variable without the
 * reset: zeros only before the first call). Held in memory, never a `Variable`: not in checkpoints
 * (RETURNN leaves it out of the saveable params) and not trained (no gradient flows into the previous batch).
 *
 * Runs on eager backends only: a compiled graph (onnxruntime) would bake one batch's state into the graph.
 */
export class KeptRecStates {
  private states: (Tensor | undefined)[] = [];
  /** Tensors replaced by the last update: still inputs of that call's gradient, disposed at the next update. */
  private stale: Tensor[] = [];

  constructor(
    /** Each state part's initial-state value, in the cell's order. */
    readonly values: readonly string[],
    /** The layer's name, for errors. */
    readonly layer: string,
  ) {}

  /** Whether any part keeps its state. */
  get active(): boolean {
    return this.values.some(isKeptState);
  }

  /**
   * The initial state of part `i`, `[batch, units]`: the kept last state of the previous call, or zeros after a reset.
   * @throws BackendCapabilityError on a graph backend (the compiled onnxruntime step cannot carry state between runs).
   * @throws InputShapeError when this batch has another batch size than the previous one (RETURNN's variable has the previous batch's shape).
   */
  initial(i: number, batch: number, units: number): Tensor {
    const backend = getBackend();
    if (backend.kind === 'graph') {
      throw new BackendCapabilityError({
        backend: backend.name,
        op: `initial_state "${this.values[i]}" of rec layer '${this.layer}'`,
        remedy: "A compiled graph cannot keep a batch's last state for the next batch. Run this net on an eager backend (tfjs-cpu, tfjs-wasm, tfjs-node), or use initial_state 'zeros' or 'var'.",
      });
    }
    const s = this.states[i];
    if (!s) return ops.zeros([batch, units]);
    if (s.shape[0] !== batch) {
      throw new InputShapeError({
        layer: this.layer,
        expected: `expected a batch of ${s.shape[0]} sequences, as the previous batch had: initial_state "${this.values[i]}" continues each sequence's state in the next batch (RETURNN's kept state has the previous batch's shape). Use a fixed batch size, or reset with resetEpochState()`,
        received: [batch],
      });
    }
    return s;
  }

  /** Keeps the last state of each kept part (`finals` in the cell's order) for the next call, cut from the gradient. */
  update(finals: readonly Tensor[]): void {
    ops.dispose(this.stale);
    this.stale = [];
    this.values.forEach((v, i) => {
      if (!isKeptState(v)) return;
      const old = this.states[i];
      if (old) this.stale.push(old);
      this.states[i] = ops.keep(ops.stopGradient(finals[i]!));
    });
  }

  /** Epoch start: `keep_over_epoch` parts start from zeros again; `keep_over_epoch_no_init` parts keep their state. */
  reset(): void {
    this.values.forEach((v, i) => {
      if (v !== 'keep_over_epoch') return;
      const old = this.states[i];
      if (old) this.stale.push(old);
      this.states[i] = undefined;
    });
  }
}
