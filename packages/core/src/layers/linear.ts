import { type FusedActivation, ops, type Tensor } from '@strata/backend';
import { type Activation, fusedActivation, getActivation } from '../activations.js';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import { getInitializer, type Initializer, type InitializerSpec, serializeInitializer } from '../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../layer-spec.js';
import type { Variable } from '../variable.js';
import { type ReturnnAxes, returnnAxesSchema, returnnAxis } from './axes/returnn-axes.js';
import { Data } from '../data.js';
import { Dim } from '../dim.js';

/** Arguments of {@link Linear}. */
export interface LinearArgs extends LayerArgs {
  /** Output features (RETURNN `n_out`, Keras `units`). Positive integer. */
  units: number;
  /** Activation name applied to the output (default linear). */
  activation?: string | null;
  /** Whether to add a bias (RETURNN `with_bias`, Keras `use_bias`). Default true. */
  withBias?: boolean;
  /** Default `glorot_uniform`. */
  kernelInitializer?: InitializerSpec;
  /** Default `zeros`. */
  biasInitializer?: InitializerSpec;
  /**
   * Number of classes when the input is sparse: int32 class indices instead of
   * features (RETURNN `LinearLayer` on sparse data, an embedding). Positive integer.
   */
  sparseInputDim?: number;
  /**
   * The input axis the kernel contracts, as a RETURNN axis description (`"F"`, `"T"`, `"spatial:1"`), when it is
   * not the feature axis (RETURNN `in_dim` naming another axis: it becomes the feature axis, and the output has
   * the other axes in their order, then `units`). Default: the last axis.
   */
  inDim?: ReturnnAxes;
}

/** Linear's arguments in both vocabularies (Softmax shares them). */
export const LINEAR_OPTIONS = {
  units: option(schemas.positiveInt(), { returnn: 'n_out' }),
  activation: option(schemas.activation(), { default: null, returnn: 'activation' }),
  withBias: option(schemas.boolean(), { default: true, returnn: 'with_bias' }),
  kernelInitializer: option(schemas.initializer(), { default: 'glorot_uniform', returnn: 'forward_weights_init' }),
  biasInitializer: option(schemas.initializer(), { default: 'zeros', returnn: 'bias_init' }),
  sparseInputDim: option(schemas.positiveInt().optional()),
  inDim: option(returnnAxesSchema().optional(), { returnn: 'in_dim' }),
} satisfies LayerOptions;

/**
 * Fully connected layer: `y = activation(x · kernel + bias)` over the last axis
 * (RETURNN `LinearLayer`, Keras/tfjs `Dense`).
 *
 * Shape: input `[batch, ..., inFeatures]` → output `[batch, ..., units]`; with `inDim` naming axis `k`,
 * `[batch, ..., in_k, ...]` → `[batch, ... (without axis k), units]` (the axis moved last, then contracted).
 * Weights: `kernel` `[inFeatures, units]`, `bias` `[units]` (float32).
 *
 * Sparse input (with `sparseInputDim`): int32 class indices `[batch, ...]`
 * in `[0, sparseInputDim)` → `[batch, ..., units]`, computed as
 * `gather(kernel, x) + bias` with `kernel` `[sparseInputDim, units]`: the same
 * as a one-hot input times the kernel, without building the one-hot
 * (RETURNN `LinearLayer` on sparse data, Keras `Embedding` plus a bias).
 * Indices must lie in `[0, sparseInputDim)`; they are not checked on the device.
 * @throws LayerArgumentError if `units` or `sparseInputDim` is not a positive integer.
 * @throws InputShapeError if the last input axis is unknown (dense input), or the input's
 *   dtype does not match: int32 class indices need `sparseInputDim`, and `sparseInputDim` needs them.
 */
export class Linear extends Layer {
  static override readonly className: string = 'Dense';
  /** Acts on each frame alone, so an input mask passes through unchanged (seed `compute_mask`). */
  override readonly supportsMasking: boolean = true;
  readonly units: number;
  readonly withBias: boolean;
  readonly activationName: string | null;
  /** Number of classes of a sparse (int32 class index) input; undefined for dense input. */
  readonly sparseInputDim: number | undefined;
  /** The contracted axis when it is not the last one (see {@link LinearArgs.inDim}). */
  readonly inDim: ReturnnAxes | undefined;
  protected readonly activationFn: Activation;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Variable;
  bias: Variable | undefined;

  constructor(args: LinearArgs) {
    super(args);
    const a = resolveArgs('Linear', LINEAR_OPTIONS, args) as Required<Omit<LinearArgs, 'sparseInputDim'>> & LinearArgs;
    this.sparseInputDim = a.sparseInputDim ?? undefined;
    this.inDim = a.inDim ?? undefined;
    this.units = a.units;
    this.withBias = a.withBias;
    this.activationName = a.activation;
    this.activationFn = getActivation(this.activationName);
    this.kernelInit = getInitializer(a.kernelInitializer);
    this.biasInit = getInitializer(a.biasInitializer);
  }

  override build(inputShape: SymbolicShape): void {
    const inFeatures = this.sparseInputDim ?? inputShape[this.inAxis(inputShape)];
    if (inFeatures === null || inFeatures === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'the last (feature) axis must be known', received: inputShape });
    }
    this.kernel = this.addWeight('kernel', { shape: [inFeatures, this.units], initializer: this.kernelInit });
    if (this.withBias) this.bias = this.addWeight('bias', { shape: [this.units], initializer: this.biasInit });
    super.build(inputShape);
  }

  /** The axis (batch axis 0) the kernel contracts: {@link LinearArgs.inDim}'s, else the last. */
  inAxis(shape: SymbolicShape): number {
    return this.inDim === undefined || this.sparseInputDim !== undefined ? shape.length - 1 : returnnAxis(this.inDim, shape, this.name);
  }

  /** The input with the contracted axis moved last (a copy only when it is not last). */
  private featureLast(x: Tensor): Tensor {
    const k = this.inAxis(x.shape);
    const last = x.shape.length - 1;
    if (k === last) return x;
    const perm = [...x.shape.keys()].filter((i) => i !== k);
    return ops.transpose(x, [...perm, k]);
  }

  /** `x · kernel + bias`, before the activation (the logits of a softmax output). */
  preActivation(x: Tensor): Tensor {
    return this.affine(x, 'linear');
  }

  /**
   * `act(x · kernel + bias)` for an activation the backend may fuse into the
   * product (one `tf.fused.matMul` kernel on tfjs, as tfjs-layers' `dense`).
   */
  private affine(input: Tensor, activation: FusedActivation): Tensor {
    const x = input.dtype === 'int32' ? input : this.featureLast(input);
    const rank = x.shape.length;
    const indices = x.dtype === 'int32';
    if (indices !== (this.sparseInputDim !== undefined)) {
      throw new InputShapeError({
        layer: this.name,
        expected: indices
          ? 'int32 input (class indices) needs sparseInputDim (the number of classes): new Linear({ units, sparseInputDim })'
          : `sparseInputDim=${this.sparseInputDim} expects int32 class indices, got a ${x.dtype} input`,
        received: x.shape,
      });
    }
    if (indices) {
      const y = ops.gather(this.kernel.value, x, 0);
      const biased = this.bias ? ops.add(y, this.bias.value) : y;
      return activation === 'relu' ? ops.relu(biased) : biased;
    }
    const fused = this.bias || activation !== 'linear' ? { ...(this.bias ? { bias: this.bias.value } : {}), activation } : undefined;
    if (rank === 2) return ops.matMul(x, this.kernel.value, false, false, fused);
    const lead = x.shape.slice(0, -1);
    const flat = ops.matMul(ops.reshape(x, [-1, x.shape[rank - 1]!]), this.kernel.value, false, false, fused);
    return ops.reshape(flat, [...lead, this.units]);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    // relu and none go into the product's fused epilogue; other activations (softmax: see callWithLogits) follow it.
    const fusable = fusedActivation(this.activationName);
    return fusable ? this.affine(x, fusable) : this.activationFn(this.preActivation(x));
  }

  /** With a softmax activation, the logits are {@link Linear.preActivation}, computed once. */
  protected override callWithLogits(inputs: Tensor | Tensor[], ctx: CallContext): { value: Tensor; logits?: Tensor } {
    if (this.activationName !== 'softmax') return super.callWithLogits(inputs, ctx);
    const logits = this.preActivation(Array.isArray(inputs) ? inputs[0]! : inputs);
    return { value: ops.softmax(logits, -1), logits };
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    if (this.sparseInputDim !== undefined) return [...inputShape, this.units];
    const k = this.inAxis(inputShape);
    return [...inputShape.filter((_, i) => i !== k), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activationName,
      withBias: this.withBias,
      kernelInitializer: serializeInitializer(this.kernelInit),
      biasInitializer: serializeInitializer(this.biasInit),
      ...(this.sparseInputDim !== undefined ? { sparseInputDim: this.sparseInputDim } : {}),
      ...(this.inDim !== undefined ? { inDim: this.inDim } : {}),
    };
  }
}

/**
 * The number of classes of a sparse source (a `linear` layer on class
 * indices is an embedding, as in RETURNN).
 * @throws LayerArgumentError when a sparse source is not the only one.
 */
export function sparseInputDimOf(c: LayerBuildContext): { sparseInputDim?: number } {
  const sparse = c.sources.filter((s) => s.sparse);
  if (sparse.length === 0) return {};
  if (c.sources.length > 1) {
    throw new LayerArgumentError(`a sparse source (${sparse.map((s) => s.name).join(', ')}) must be the only source of a linear layer.`);
  }
  return { sparseInputDim: sparse[0]!.dim ?? undefined };
}

/**
 * The template of a `linear` entry whose `in_dim` names an axis other than the feature axis (RETURNN: that axis
 * becomes the feature axis and the output's feature dim replaces it): the source's other axes in their order, then
 * a new feature dim of `n_out`. Otherwise undefined (the default template).
 */
function linearOutput(c: LayerBuildContext & { layer: unknown }): Data | undefined {
  const l = c.layer as Linear;
  const src = c.sources[0];
  if (l.inDim === undefined || l.sparseInputDim !== undefined || !src || c.sources.length !== 1) return undefined;
  const k = l.inAxis(src.batchShape) - (src.hasBatch ? 1 : 0);
  if (k === src.dims.length - 1) return undefined;
  const dims = [...src.dims.filter((_, i) => i !== k), new Dim({ description: `${c.name}:feature`, size: l.units, kind: 'feature' })];
  return new Data({ name: c.name, dims, dtype: src.dtype, hasBatch: src.hasBatch });
}

/** RETURNN's `linear` (an embedding on sparse input). */
export const linearLayer: LayerSpec = {
  cls: Linear,
  options: LINEAR_OPTIONS,
  netDict: { names: ['linear'], sources: 'concat', acceptsSparse: true, derive: (c) => sparseInputDimOf(c), outputData: linearOutput },
};
