import { ops, type Tensor } from '@strata/backend';
import { Data, Dim } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { getInitializer, type InitializerSpec, serializeInitializer } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import type { Variable } from '../../variable.js';
import { sinusoidalEncoding } from './positional-encoding.js';
import { xShapeOf } from './seq-inputs.js';

/** Arguments of {@link RelativePositionalEncoding}. */
export interface RelativePositionalEncodingArgs extends LayerArgs {
  /** Channels of the encoding (RETURNN `n_out`). */
  units: number;
  /** Distances beyond ±clipping share the last encoding (RETURNN `clipping`). Default 16. */
  clipping?: number;
  /** Sinusoids (no weights) instead of a learned matrix (RETURNN `fixed`). Default false. */
  fixed?: boolean;
  /** Initializer of the learned matrix (RETURNN `forward_weights_init`). Default glorot_uniform. */
  kernelInitializer?: InitializerSpec;
}

const REL_POS_OPTIONS = {
  units: option(schemas.positiveInt(), { returnn: 'n_out' }),
  clipping: option(schemas.positiveInt(), { default: 16, returnn: 'clipping' }),
  fixed: option(schemas.boolean(), { default: false, returnn: 'fixed' }),
  kernelInitializer: option(schemas.initializer(), { default: 'glorot_uniform', returnn: 'forward_weights_init' }),
} satisfies LayerOptions;

/**
 * Relative positional encodings of every query/key pair of a sequence (Shaw
 * et al. 2018; RETURNN `RelativePositionalEncodingLayer` outside a rec loop):
 * `y[q, k] = E[clip(k - q, -clipping, clipping) + clipping]`, with `E`
 * `[2 * clipping + 1, units]` the learned `encoding_matrix` or, `fixed`, the
 * sinusoids of positions `0 .. 2 * clipping` ({@link sinusoidalEncoding}, RETURNN's `get_positional_encoding`).
 * Only the input's time length is used, not its values.
 *
 * Inputs: `x` `[batch, time, ...]`. Shape: `[time, time, units]`, no batch axis, float32.
 * Weights: `encoding_matrix` `[2 * clipping + 1, units]` (none when `fixed`).
 * @throws InputShapeError if `x` has no time axis (RETURNN's use inside a rec loop is not supported).
 */
export class RelativePositionalEncoding extends Layer {
  static override readonly className: string = 'RelativePositionalEncoding';
  readonly units: number;
  readonly clipping: number;
  readonly fixed: boolean;
  private readonly init: InitializerSpec;
  encodingMatrix: Variable | undefined;

  constructor(args: RelativePositionalEncodingArgs) {
    super(args);
    const a = resolveArgs('RelativePositionalEncoding', REL_POS_OPTIONS, args) as Required<RelativePositionalEncodingArgs>;
    this.units = a.units;
    this.clipping = a.clipping;
    this.fixed = a.fixed;
    this.init = a.kernelInitializer;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.computeOutputShape(inputShape);
    if (!this.fixed) this.encodingMatrix = this.addWeight('encoding_matrix', { shape: [2 * this.clipping + 1, this.units], initializer: getInitializer(this.init) });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const time = this.computeOutputShape(x.shape)[0] as number;
    const c = this.clipping;
    const table = this.encodingMatrix?.value ?? ops.tensor(sinusoidalEncoding(2 * c + 1, this.units), [2 * c + 1, this.units]);
    const idx = Int32Array.from({ length: time * time }, (_, i) => Math.min(Math.max((i % time) - Math.floor(i / time), -c), c) + c);
    return ops.reshape(ops.gather(table, ops.tensor(idx, [time * time], 'int32'), 0), [time, time, this.units]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    if (shape.length < 3) throw new InputShapeError({ layer: this.name, expected: 'expected x [batch, time, ...] with a time axis (inside a rec loop RETURNN relates the current step; Strata does not)', received: shape });
    return [shape[1]!, shape[1]!, this.units];
  }

  /** The output template: `[time, time, units]` over the input's time Dim, without a batch axis. */
  outputTemplate(name: string, input: Data): Data {
    const t = input.timeDim ?? input.dims[0]!;
    return new Data({ name, dims: [t, t, new Dim({ description: `${name}_rel_pos_enc_feat`, size: this.units, kind: 'feature' })], dtype: 'float32', hasBatch: false });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), units: this.units, clipping: this.clipping, fixed: this.fixed, kernelInitializer: serializeInitializer(getInitializer(this.init)) };
  }
}

/** RETURNN's `relative_positional_encoding` (outside a rec loop): `n_out`, `clipping`, `fixed`, `forward_weights_init`. */
export const relativePositionalEncodingLayer: LayerSpec = {
  cls: RelativePositionalEncoding,
  options: REL_POS_OPTIONS,
  netDict: {
    names: ['relative_positional_encoding'],
    sources: 'concat',
    outputData: ({ layer, sources, name }) => (layer as RelativePositionalEncoding).outputTemplate(name, sources[0]!),
  },
};
