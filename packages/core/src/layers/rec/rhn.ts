import { ops, type Shape, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import { type Initializer, type InitializerSpec, serializeInitializer } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { sequenceMask } from '../../sequence-mask.js';
import type { Variable } from '../../variable.js';
import { applyDropout } from '../dropout.js';
import { xShapeOf } from '../seq/seq-inputs.js';
import { many } from '../util.js';
import { type HasEpochState, KeptRecStates } from './keep-over-epoch.js';
import { addInitialStateWeights, INITIAL_STATE_OPTION, initialStateConfig, type InitialStateValue, initialStates, initialStateValues, type RecInitialState } from './initial-state.js';
import { recInitializer } from './orthogonal.js';
import { RECURRENT_OPTIONS } from './recurrent-layer.js';

/** RETURNN's `RHNCell` options (`unit_opts`, the cell's constructor keywords) that Strata runs. */
export interface RhnUnitOpts {
  /** Highway layers per frame (RETURNN `depth`). Positive integer. Default 5. */
  depth?: number;
  /** Dropout on the state before each highway layer, in training only, one mask per sequence for all frames and layers (RETURNN `dropout`). In [0, 1). Default 0. */
  dropout?: number;
  /**
   * RETURNN `dropout_seed`: the TF op seed of that mask. Accepted; Strata's masks are drawn from the
   * call's seed (`ctx.nextSeed()`), so a given value does not reproduce TF's mask.
   */
  dropout_seed?: number | null;
  /** Initial value of the transform-gate half of `b` (RETURNN `transform_bias`, `None` = 0). Default 0. */
  transform_bias?: number | null;
}

const UNIT_OPTS = z.strictObject(
  {
    depth: z.number().int().positive({ error: 'depth must be a positive integer' }).optional(),
    dropout: z.number().min(0).lt(1, { error: 'dropout must be in [0, 1)' }).optional(),
    dropout_seed: z.number().int().nullable().optional(),
    transform_bias: z.number().nullable().optional(),
  },
  { error: "must be RHNCell's options: depth, dropout, dropout_seed, transform_bias (RETURNN passes unit_opts to RHNCell's constructor)" },
);

/**
 * RHNCell's bias init `[2 * units]`: zeros for the candidate half, `transformBias` for the transform-gate half
 * (RETURNN: `tf.constant_initializer([0.0] * n + [transform_bias] * n)`).
 */
export class TransformBias implements Initializer {
  readonly className = 'rhn_transform_bias';
  constructor(readonly transformBias: number) {}
  generate(shape: Shape): Float32Array {
    const n = shape[0]!;
    return new Float32Array(n).fill(this.transformBias, n / 2);
  }
  getConfig(): Record<string, unknown> {
    return { transformBias: this.transformBias };
  }
}

/** Arguments of {@link Rhn}. */
export interface RhnArgs extends LayerArgs {
  /** State and output features (RETURNN `n_out`). Positive integer. */
  units: number;
  /** 1: forward in time; -1: backward, each sequence from its own last valid frame (RETURNN `direction`). Default 1. */
  direction?: 1 | -1;
  /** The initial state (RETURNN `initial_state`: `zeros`, `ones`, `var` → `rec/initial_var`). Default `'zeros'`. */
  initialState?: RecInitialState;
  /** RETURNN `unit_opts` of the cell: see {@link RhnUnitOpts}. */
  unitOpts?: RhnUnitOpts;
  /** Initializer of `rec/W` (RETURNN `forward_weights_init`). Default `glorot_uniform` (RETURNN's xavier). */
  kernelInitializer?: InitializerSpec;
  /** Initializer of `rec/rhn_cell/depth_<i>/W` (RETURNN `recurrent_weights_init`, else `forward_weights_init`). Default `glorot_uniform`. */
  recurrentInitializer?: InitializerSpec;
}

const RHN_OPTIONS = {
  unit: option(z.literal('rhn').optional(), { returnn: 'unit', returnnSchema: z.string().refine((u) => u.toLowerCase() === 'rhn', { error: 'must be "rhn"' }), fromReturnn: () => 'rhn' }),
  units: option(schemas.positiveInt(), { returnn: 'n_out' }),
  direction: option(z.union([z.literal(1), z.literal(-1)], { error: 'must be 1 (forward) or -1 (backward)' }), { default: 1, returnn: 'direction' }),
  initialState: INITIAL_STATE_OPTION,
  unitOpts: option(UNIT_OPTS, { default: {}, returnn: 'unit_opts', returnnSchema: UNIT_OPTS.nullable(), fromReturnn: (v) => v ?? {} }),
  kernelInitializer: RECURRENT_OPTIONS.kernelInitializer,
  // RETURNN: the cell's variable scope initializer is recurrent_weights_init, else forward_weights_init, else xavier.
  recurrentInitializer: option(RECURRENT_OPTIONS.recurrentInitializer.schema.optional(), { returnn: 'recurrent_weights_init' }),
} satisfies LayerOptions;

/**
 * A recurrent highway network over the time axis (Zilly et al. 2017,
 * https://arxiv.org/abs/1607.03474; RETURNN's `RHNCell`, `rec` layer with
 * `unit: "rhn"`, returnn/tf/layers/rec.py), with the carry gate coupled to
 * the transform gate (`C = 1 - T`). Per frame, from the state `s`:
 *
 * ```
 * xp = x_t · W + b                                         [batch, 2 * units]   (rec/W, rec/b)
 * for l in 0 .. depth-1:
 *   z = (s * mask) · W_l  (+ xp for l = 0)                 (rec/rhn_cell/depth_<l>/W)
 *   h = tanh(z[:, :units])   t = σ(z[:, units:])
 *   s = s + t * (h - s)
 * output_t = s
 * ```
 *
 * `mask` is the dropout mask (training only; ones in evaluation), drawn once
 * per call `[batch, units]` and scaled by `1 / (1 - dropout)`; it applies to
 * the input of the highway layers, not to the carried state (as RETURNN).
 * Frames `t >= seqLens[b]` output zeros and keep the state (TF's
 * `dynamic_rnn` with `sequence_length`); `direction: -1` reads each sequence
 * backwards from its last valid frame, outputs aligned with the input.
 *
 * Inputs: `x` float32 `[batch, time, inFeatures]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `[batch, time, inFeatures]` → `[batch, time, units]`, float32.
 * Weights (RETURNN's names): `rec/W` `[inFeatures, 2 * units]`, `rec/b` `[2 * units]` (zeros, the transform half
 * `transform_bias`), `rec/rhn_cell/depth_<l>/W` `[units, 2 * units]` for each layer, `rec/initial_var` `[units]` with
 * `initial_state: "var"`.
 * @throws LayerArgumentError for non-positive `units`, a bad `direction`, unknown or invalid `unit_opts`, a bad `initial_state`.
 * @throws InputShapeError if `x` is not rank 3 with a known feature axis, or `seqLens` is not `[batch]`.
 */
export class Rhn extends Layer implements HasEpochState {
  static override readonly className: string = 'Rhn';
  readonly units: number;
  readonly direction: 1 | -1;
  readonly depth: number;
  readonly dropout: number;
  readonly transformBias: number;
  readonly unitOpts: RhnUnitOpts;
  readonly initialState: InitialStateValue[];
  private readonly kernelInit: Initializer;
  private readonly recurrentInit: Initializer;
  kernel!: Variable;
  bias!: Variable;
  depthKernels: Variable[] = [];
  private initialStateVars: (Variable | undefined)[] = [];
  /** The last state kept for the next call (`initial_state: "keep_over_epoch"`). */
  private readonly kept: KeptRecStates;

  constructor(args: RhnArgs) {
    super(args);
    const a = resolveArgs('Rhn', RHN_OPTIONS, args) as Required<RhnArgs>;
    this.units = a.units;
    this.direction = a.direction;
    this.unitOpts = { ...a.unitOpts };
    this.depth = a.unitOpts.depth ?? 5;
    this.dropout = a.unitOpts.dropout ?? 0;
    this.transformBias = a.unitOpts.transform_bias ?? 0;
    this.initialState = initialStateValues(a.initialState ?? 'zeros', 'rhn', this.name);
    this.kept = new KeptRecStates(this.initialState, this.name);
    const fwd = (args.kernelInitializer ?? 'glorot_uniform') as InitializerSpec;
    this.kernelInit = recInitializer(fwd);
    this.recurrentInit = recInitializer((args.recurrentInitializer ?? args.kernelInitializer ?? 'glorot_uniform') as InitializerSpec);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const xShape = xShapeOf(inputShape);
    const features = xShape[2];
    if (xShape.length !== 3 || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'expected x of rank 3 [batch, time, features] with a known feature axis', received: xShape });
    }
    const u = this.units;
    this.kernel = this.addWeight('rec/W', { shape: [features, 2 * u], initializer: this.kernelInit });
    this.bias = this.addWeight('rec/b', { shape: [2 * u], initializer: new TransformBias(this.transformBias) });
    this.depthKernels = Array.from({ length: this.depth }, (_, l) => this.addWeight(`rec/rhn_cell/depth_${l}/W`, { shape: [u, 2 * u], initializer: this.recurrentInit }));
    this.initialStateVars = addInitialStateWeights(this, this.initialState, 'rhn', u);
    super.build(inputShape);
  }

  /** One frame: the state after the `depth` highway layers, from this frame's input projection `xp` `[batch, 2 * units]`. */
  private step(xp: Tensor, s0: Tensor, mask: Tensor | undefined, kernels: Tensor[]): Tensor {
    const u = this.units;
    let s = s0;
    kernels.forEach((w, l) => {
      let z = ops.matMul(mask ? ops.mul(s, mask) : s, w);
      if (l === 0) z = ops.add(z, xp);
      const h = ops.tanh(ops.slice(z, [0, 0], [-1, u]));
      const t = ops.sigmoid(ops.slice(z, [0, u], [-1, u]));
      s = ops.add(s, ops.mul(t, ops.sub(h, s)));
    });
    return s;
  }

  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const [x, seqLens] = many(inputs);
    const [batch, time, features] = x!.shape;
    if (x!.shape.length !== 3 || features !== this.kernel.shape[0] || !(time! > 0)) {
      throw new InputShapeError({ layer: this.name, expected: `expected x [batch, time >= 1, ${this.kernel.shape[0]}]`, received: x!.shape });
    }
    if (seqLens && (seqLens.shape.length !== 1 || seqLens.shape[0] !== batch)) {
      throw new InputShapeError({ layer: this.name, expected: `expected seqLens of shape [${batch}] (one length per sequence)`, received: seqLens.shape });
    }
    const u = this.units;
    const xp = ops.reshape(ops.add(ops.matMul(ops.reshape(x!, [-1, features!]), this.kernel.value), this.bias.value), [batch!, time!, 2 * u]);
    const mask = this.dropout > 0 && ctx.training ? applyDropout(ops.ones([batch!, u]), this.dropout, ctx) : undefined;
    const kernels = this.depthKernels.map((w) => w.value);
    const frames = ops.unstack(xp, 1);
    const valid = seqLens ? ops.unstack(ops.reshape(sequenceMask(seqLens, time!), [batch!, time!, 1]), 1) : undefined;
    let [s] = initialStates(this.initialState, this.initialStateVars, batch!, u, this.kept);
    const outputs: Tensor[] = new Array<Tensor>(time!);
    for (let k = 0; k < time!; k++) {
      const t = this.direction === 1 ? k : time! - 1 - k;
      let next = this.step(frames[t]!, s!, mask, kernels);
      if (valid) {
        const m = valid[t]!;
        next = ops.add(ops.mul(m, next), ops.mul(ops.sub(1, m), s!));
        outputs[t] = ops.reshape(ops.mul(m, next), [batch!, 1, u]);
      } else outputs[t] = ops.reshape(next, [batch!, 1, u]);
      s = next;
    }
    if (this.kept.active) this.kept.update([s!]);
    return ops.concat(outputs, 1);
  }

  /** Epoch start: a `keep_over_epoch` state starts from zeros again (see {@link KeptRecStates}). */
  resetEpochState(): void {
    this.kept.reset();
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [...xShapeOf(inputShape).slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      direction: this.direction,
      initialState: initialStateConfig(this.initialState, 'rhn'),
      unitOpts: { ...this.unitOpts },
      kernelInitializer: serializeInitializer(this.kernelInit),
      recurrentInitializer: serializeInitializer(this.recurrentInit),
    };
  }
}

/** Whether `unit` names RETURNN's RHN cell (any case). */
export function isRhnUnit(unit: unknown): boolean {
  return typeof unit === 'string' && unit.toLowerCase() === 'rhn';
}

/** RETURNN's `rec` with `unit: "rhn"` (RHNCell over time): see {@link Rhn}. */
export const rhnLayer: LayerSpec = {
  cls: Rhn,
  options: RHN_OPTIONS,
  netDict: { names: ['rec'], when: (entry) => isRhnUnit(entry.unit), sources: 'concat', seqLens: true },
};
