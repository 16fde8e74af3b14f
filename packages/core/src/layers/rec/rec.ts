import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import type { CallContext, LayerConfig, SymbolicShape } from '../../layer.js';
import { type LayerCheck, type LayerOptions, type LayerSpec, option } from '../../layer-spec.js';
import { sequenceMask } from '../../sequence-mask.js';
import { xShapeOf } from '../seq/seq-inputs.js';
import type { Variable } from '../../variable.js';
import { many } from '../util.js';
import { type HasEpochState, KeptRecStates } from './keep-over-epoch.js';
import { addInitialStateWeights, INITIAL_STATE_OPTION, initialStateConfig, type InitialStateValue, initialStates, initialStateValues, type RecInitialState } from './initial-state.js';
import { recInput, recInputShape, recSparseInputDim, SPARSE_INPUT_DIM_OPTION } from './sparse-input.js';
import { checkUnitOpts, deriveUnitOpts, type RecUnitOpts, recurrentMatrix, UNIT_OPTS_OPTION } from './unit-opts.js';
import { STATE_OPTION } from './state-option.js';
import { stepResult } from './cell.js';
import { RECURRENT_CHECKS, RECURRENT_OPTIONS, RecurrentLayer, type RecurrentArgs } from './recurrent-layer.js';

/** Arguments of {@link Rec}. */
export interface RecArgs extends RecurrentArgs {
  /** 1: forward in time; -1: backward, each sequence from its own last valid frame (RETURNN `direction`). Default 1. */
  direction?: 1 | -1;
  /** RETURNN `unroll`: unroll the loop where possible, an implementation detail with no effect on the numbers. Accepted, not used. Default false. */
  unroll?: boolean;
  /**
   * RETURNN `max_seq_len` with `unroll`: the number of frames RETURNN unrolls the cell for
   * (`RecLayer._get_output_cell`: inputs padded to it, `static_rnn`, outputs cut back), so a
   * batch must have at most this many frames (RETURNN asserts "max_seq_len >= seq_len"). No
   * effect on the numbers. Positive integer; only with `unroll: true` (RETURNN asserts it is
   * None for a cell run without unrolling). Default none.
   */
  maxSeqLen?: number | null;
  /** The initial state of every state part (RETURNN `initial_state`, see {@link RecInitialState}). Default `'zeros'`. */
  initialState?: RecInitialState;
  /** Input of int32 class indices `[batch, time]` in `[0, sparseInputDim)`, run as their one-hot vectors (RETURNN's native LSTMs on sparse data). Default: dense input. */
  sparseInputDim?: number;
  /** RETURNN `unit_opts`: the cell's options Strata runs (see {@link RecUnitOpts}). Default none. */
  unitOpts?: RecUnitOpts;
}

/** Rec's arguments: the recurrent ones, and the direction. */
const REC_OPTIONS = {
  ...RECURRENT_OPTIONS,
  direction: option(z.union([z.literal(1), z.literal(-1)], { error: 'must be 1 (forward) or -1 (backward)' }), { default: 1, returnn: 'direction' }),
  initialState: INITIAL_STATE_OPTION,
  sparseInputDim: SPARSE_INPUT_DIM_OPTION,
  unitOpts: UNIT_OPTS_OPTION,
  state: STATE_OPTION,
  unroll: option(z.boolean({ error: 'must be true or false' }), { default: false, returnn: 'unroll' }),
  maxSeqLen: option(z.number({ error: 'must be a positive integer' }).int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' }).nullable().optional(), {
    returnn: 'max_seq_len',
  }),
} satisfies LayerOptions;

/** `max_seq_len` is the unroll length: RETURNN asserts it is None without `unroll`. */
const REC_CHECKS: readonly LayerCheck[] = [
  ...RECURRENT_CHECKS,
  (a, name) =>
    a.maxSeqLen != null && !a.unroll
      ? `${name('maxSeqLen')} is the number of frames an unrolled cell runs for; RETURNN asserts it is None unless ${name('unroll')} is true (it applies to a unit net dict, which is another layer). Set ${name('unroll')}: true or remove ${name('maxSeqLen')}. Received: ${name('maxSeqLen')}=${a.maxSeqLen}.`
      : undefined,
];

/**
 * A recurrent layer over the time axis (RETURNN `rec` layer with
 * `unit: "lstm" | "gru" | "rnn"`; Keras/tfjs-layers `LSTM`, `GRU`,
 * `SimpleRNN` with `returnSequences: true`). The cell runs frame by frame in
 * JavaScript, so the time axis must be static; the input projection of all
 * frames is one matMul before the loop. Initial states are zeros.
 *
 * Inputs: `x` float32 `[batch, time, inFeatures]`, or `[x, seqLens]` with
 * `seqLens` int32 `[batch]` (values in `[0, time]`). Frames `t >= seqLens[b]`
 * output zeros and leave the state unchanged, so padding never leaks into
 * valid frames or their gradients.
 *
 * With `direction: -1` each sequence is read backwards from its own last
 * valid frame (TF's `reverse_sequence` within the length, as RETURNN does);
 * the output stays aligned with the input time axis: `out[b, t]` has seen
 * frames `t .. seqLens[b] - 1`. (tfjs-layers' `goBackwards` instead returns
 * the outputs in processing order, i.e. reversed, and ignores lengths.)
 *
 * Shape: `[batch, time, inFeatures]` → `[batch, time, units]`, float32.
 * Weights, in Keras' order and layout so that they copy 1:1:
 * `kernel` `[inFeatures, gates * units]`, `recurrent_kernel`
 * `[units, gates * units]`, `bias` `[gates * units]` (`[2, 3 * units]` for a
 * GRU with `resetAfter`); gates: LSTM 4 (i, f, c, o), GRU 3 (z, r, h), rnn 1.
 * @throws LayerArgumentError for an unknown `unit`, non-positive `units`, a `direction` other than 1/-1,
 *   `maxSeqLen` without `unroll`,
 *   or `resetAfter` with a unit other than `gru`.
 * @throws InputShapeError if `x` is not rank 3 with known time and feature axes, has more frames than `maxSeqLen`, or `seqLens` is not `[batch]`.
 */
export class Rec extends RecurrentLayer implements HasEpochState {
  static override readonly className: string = 'Rec';
  readonly direction: 1 | -1;
  /** RETURNN `max_seq_len` with `unroll`: the most frames a batch may have, or undefined. */
  readonly maxSeqLen: number | undefined;
  /** RETURNN `initial_state`: the initial value of each state part, in the cell's order (h first). */
  readonly initialState: InitialStateValue[];
  private initialStateVars: (Variable | undefined)[] = [];
  /** The last states kept for the next call (`initial_state: "keep_over_epoch"`). */
  private readonly kept: KeptRecStates;
  readonly sparseInputDim: number | undefined;
  readonly unitOpts: RecUnitOpts;

  constructor(args: RecArgs) {
    super(args, REC_OPTIONS, REC_CHECKS);
    this.direction = args.direction ?? 1;
    this.maxSeqLen = args.maxSeqLen ?? undefined;
    this.initialState = initialStateValues(args.initialState ?? 'zeros', this.unit, this.name);
    this.kept = new KeptRecStates(this.initialState, this.name);
    this.sparseInputDim = args.sparseInputDim;
    this.unitOpts = checkUnitOpts(this.unit, (args.unitOpts ?? {}) as Record<string, unknown>, this.name);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const xShape = recInputShape(xShapeOf(inputShape), this.sparseInputDim);
    const features = xShape[2];
    if (xShape.length !== 3 || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'expected x of rank 3 [batch, time, features] with a known feature axis', received: xShape });
    }
    this.addCellWeights(features);
    this.initialStateVars = addInitialStateWeights(this, this.initialState, this.unit, this.units);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const [x0, seqLens] = many(inputs);
    const x = recInput(x0!, this.sparseInputDim);
    const [batch, time, features] = x!.shape;
    if (x!.shape.length !== 3 || features !== this.kernel.shape[0] || !(time! > 0)) {
      throw new InputShapeError({ layer: this.name, expected: `expected x [batch, time >= 1, ${this.kernel.shape[0]}]`, received: x!.shape });
    }
    if (this.maxSeqLen !== undefined && time! > this.maxSeqLen) {
      throw new InputShapeError({
        layer: this.name,
        expected: `expected at most max_seq_len=${this.maxSeqLen} frames (the unroll length; RETURNN asserts "required for unroll: max_seq_len >= seq_len")`,
        received: x!.shape,
      });
    }
    if (seqLens && (seqLens.shape.length !== 1 || seqLens.shape[0] !== batch)) {
      throw new InputShapeError({ layer: this.name, expected: `expected seqLens of shape [${batch}] (one length per sequence)`, received: seqLens.shape });
    }
    const width = this.cell.gates * this.units;
    const xp = ops.reshape(this.projectInput(ops.reshape(x!, [-1, features!])), [batch!, time!, width]);
    const step = this.cellStepper(recurrentMatrix(this.recurrentKernel.value, this.unitOpts, ctx), ctx);
    // mask[b, t] = 1 for valid frames (t < seqLens[b]), built on the device so graph backends can trace it.
    let mask: Tensor | undefined;
    let keep: Tensor | undefined;
    if (seqLens) {
      mask = sequenceMask(seqLens, time!);
      keep = ops.sub(1, mask);
    }
    let states = initialStates(this.initialState, this.initialStateVars, batch!, this.units, this.kept);
    const outputs: Tensor[] = new Array<Tensor>(time!);
    // One unstack, not a slice per frame: its gradient is one stack instead of a padded copy per frame.
    const frames = ops.unstack(xp, 1);
    const maskFrames = mask && keep ? { m: ops.unstack(ops.reshape(mask, [batch!, time!, 1]), 1), k: ops.unstack(ops.reshape(keep, [batch!, time!, 1]), 1) } : undefined;
    for (let k = 0; k < time!; k++) {
      const t = this.direction === 1 ? k : time! - 1 - k;
      const { states: next, output } = stepResult(this.cell, step(frames[t]!, states));
      let h = output;
      if (maskFrames) {
        // m * new + (1 - m) * old is exactly `new` or `old` for m in {0, 1}, and its gradient to `new` is 0 on padding.
        const m = maskFrames.m[t]!;
        const km = maskFrames.k[t]!;
        const prev = states;
        states = next.map((s, i) => ops.add(ops.mul(m, s), ops.mul(km, prev[i]!)));
        h = ops.mul(m, h);
      } else states = next;
      outputs[t] = ops.reshape(h, [batch!, 1, this.units]);
    }
    // Padded frames keep the state, so `states` is each sequence's last state (RETURNN's final state).
    if (this.kept.active) this.kept.update(states);
    return ops.concat(outputs, 1);
  }

  /** Epoch start: `keep_over_epoch` state parts start from zeros again (see {@link KeptRecStates}). */
  resetEpochState(): void {
    this.kept.reset();
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const xShape = recInputShape(xShapeOf(inputShape), this.sparseInputDim);
    return [...xShape.slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), direction: this.direction, initialState: initialStateConfig(this.initialState, this.unit), ...(this.sparseInputDim !== undefined ? { sparseInputDim: this.sparseInputDim } : {}), ...(Object.keys(this.unitOpts).length ? { unitOpts: { ...this.unitOpts } } : {}), ...(this.maxSeqLen !== undefined ? { maxSeqLen: this.maxSeqLen, unroll: true } : {}) };
  }
}

/**
 * RETURNN's `rec` with a cell `unit` name (`"lstm"`, `"nativelstm2"`, `"gru"`, ...):
 * the cell over time, masked by the input's lengths. A `unit` net dict is the
 * network's `rec` class (a sub-network per frame).
 */
export const recLayer: LayerSpec = {
  cls: Rec,
  options: REC_OPTIONS,
  checks: REC_CHECKS,
  netDict: { names: ['rec'], when: (entry) => typeof entry.unit === 'string', sources: 'concat', seqLens: true, acceptsSparse: true, derive: (c) => ({ ...recSparseInputDim(c), ...deriveUnitOpts(c) }) },
};
