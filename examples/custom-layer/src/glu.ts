// A layer defined outside Strata's packages, as a user or a platform team
// writes one: a Layer subclass and its LayerSpec, from @strata/core's public
// entry point only. index.ts registers the spec.
import { ops, type Tensor } from '@strata/backend';
import {
  type Activation,
  type CallContext,
  getActivation,
  getInitializer,
  type Initializer,
  type InitializerSpec,
  InputShapeError,
  Layer,
  type LayerArgs,
  type LayerConfig,
  type LayerOptions,
  type LayerSpec,
  option,
  resolveArgs,
  schemas,
  serializeInitializer,
  type SymbolicShape,
  type Variable,
} from '@strata/core';

/** Arguments of {@link GatedLinearUnit}. */
export interface GatedLinearUnitArgs extends LayerArgs {
  /** Output features (RETURNN `n_out`). Positive integer. */
  units: number;
  /** Activation of the value half `x·W + b`. Default none (`null`): GLU; `tanh` gives the gated tanh unit (GTU). */
  activation?: string | null;
  /** Activation of the gate half `x·V + c`. Default `sigmoid` (GLU); `relu`, `gelu`, `swish` give ReGLU, GEGLU, SwiGLU; `null` the bilinear layer. */
  gateActivation?: string | null;
  /** Whether both halves add a bias (`b`, `c`). Default true. */
  withBias?: boolean;
  /** Initializer of both kernels `W` and `V`. Default `glorot_uniform`. */
  kernelInitializer?: InitializerSpec;
  /** Initializer of both biases `b` and `c`. Default `zeros`. */
  biasInitializer?: InitializerSpec;
}

/**
 * The arguments of {@link GatedLinearUnit} in both vocabularies: the
 * constructor's (the keys) and a net dict's (`returnn`). The schemas check
 * both, and their messages are the errors both print.
 */
export const GLU_OPTIONS = {
  units: option(schemas.positiveInt(), { returnn: 'n_out' }),
  activation: option(schemas.activation(), { default: null, returnn: 'activation' }),
  gateActivation: option(schemas.activation(), { default: 'sigmoid', returnn: 'gate_activation' }),
  withBias: option(schemas.boolean(), { default: true, returnn: 'with_bias' }),
  kernelInitializer: option(schemas.initializer(), { default: 'glorot_uniform', returnn: 'forward_weights_init' }),
  biasInitializer: option(schemas.initializer(), { default: 'zeros', returnn: 'bias_init' }),
} satisfies LayerOptions;

/**
 * Gated linear unit (Dauphin, Fan, Auli & Grangier 2017, "Language Modeling
 * with Gated Convolutional Networks", eq. 1), over the last axis:
 *
 * `y = act(x·W + b) ⊗ gate(x·V + c)`, with `act` the identity and `gate` the
 * logistic sigmoid σ by default: `GLU(x) = (x·W + b) ⊗ σ(x·V + c)`.
 *
 * Other activations give the variants of Shazeer 2020 ("GLU Variants Improve
 * Transformer"): `gateActivation: 'relu' | 'gelu' | 'swish'` (ReGLU, GEGLU,
 * SwiGLU), `null` (bilinear); `activation: 'tanh'` with the sigmoid gate is
 * the gated tanh unit of van den Oord et al. 2016. Neither Keras nor RETURNN
 * has this layer (RETURNN builds it from a `linear` of twice the width and a
 * `gating` layer).
 *
 * Shape: input `[batch, ..., inFeatures]` float32 → output `[batch, ..., units]`.
 * Weights: `kernel` `[inFeatures, units]` (W), `bias` `[units]` (b),
 * `gate_kernel` `[inFeatures, units]` (V), `gate_bias` `[units]` (c);
 * the biases only with `withBias`.
 *
 * Acts on each frame alone, so an input mask passes through unchanged.
 *
 * @throws LayerArgumentError if `units` is not a positive integer, an
 *   activation is unknown, or an initializer is not one.
 * @throws InputShapeError if the last input axis is unknown.
 */
export class GatedLinearUnit extends Layer {
  static override readonly className: string = 'GatedLinearUnit';
  override readonly supportsMasking: boolean = true;
  readonly units: number;
  readonly withBias: boolean;
  readonly activationName: string | null;
  readonly gateActivationName: string | null;
  private readonly activationFn: Activation;
  private readonly gateFn: Activation;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  kernel!: Variable;
  bias: Variable | undefined;
  gateKernel!: Variable;
  gateBias: Variable | undefined;

  constructor(args: GatedLinearUnitArgs) {
    super(args);
    const a = resolveArgs('GatedLinearUnit', GLU_OPTIONS, args) as Required<GatedLinearUnitArgs>;
    this.units = a.units;
    this.withBias = a.withBias;
    this.activationName = a.activation;
    this.gateActivationName = a.gateActivation;
    this.activationFn = getActivation(a.activation);
    this.gateFn = getActivation(a.gateActivation);
    this.kernelInit = getInitializer(a.kernelInitializer);
    this.biasInit = getInitializer(a.biasInitializer);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    const inFeatures = shape[shape.length - 1];
    if (inFeatures === null || inFeatures === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'the last (feature) axis must be known', received: shape });
    }
    this.kernel = this.addWeight('kernel', { shape: [inFeatures, this.units], initializer: this.kernelInit });
    if (this.withBias) this.bias = this.addWeight('bias', { shape: [this.units], initializer: this.biasInit });
    this.gateKernel = this.addWeight('gate_kernel', { shape: [inFeatures, this.units], initializer: this.kernelInit });
    if (this.withBias) this.gateBias = this.addWeight('gate_bias', { shape: [this.units], initializer: this.biasInit });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const rank = x.shape.length;
    // The products on a 2-D view (one matMul each, bias fused), reshaped back for [batch, time, ...] inputs.
    const flat = rank === 2 ? x : ops.reshape(x, [-1, x.shape[rank - 1]!]);
    const affine = (kernel: Variable, bias: Variable | undefined) => ops.matMul(flat, kernel.value, false, false, bias ? { bias: bias.value } : undefined);
    const y = ops.mul(this.activationFn(affine(this.kernel, this.bias)), this.gateFn(affine(this.gateKernel, this.gateBias)));
    return rank === 2 ? y : ops.reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activationName,
      gateActivation: this.gateActivationName,
      withBias: this.withBias,
      kernelInitializer: serializeInitializer(this.kernelInit),
      biasInitializer: serializeInitializer(this.biasInit),
    };
  }
}

/**
 * The one vocabulary of {@link GatedLinearUnit}: its class (`layerFromConfig`
 * finds it by `className`), its options (constructor and net-dict names), and
 * its net-dict class `glu`, whose sources are concatenated on the feature axis
 * as RETURNN's `linear` does. `n_out` defaults to the target's dimension.
 */
export const gluLayer: LayerSpec = {
  cls: GatedLinearUnit,
  options: GLU_OPTIONS,
  netDict: { names: ['glu'], sources: 'concat' },
};
