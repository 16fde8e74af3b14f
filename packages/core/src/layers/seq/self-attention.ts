import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import type { Data } from '../../data.js';
import { InputShapeError } from '../../errors.js';
import { getInitializer, type Initializer, type InitializerSpec, serializeInitializer } from '../../initializers/index.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerCheck, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import type { Variable } from '../../variable.js';
import { keyMask, maskedAttention, mergeHeads, splitHeads } from './attention.js';
import { seqInput, xShapeOf } from './seq-inputs.js';

/** Arguments of {@link SelfAttention}. */
export interface SelfAttentionArgs extends LayerArgs {
  /** Attention heads (RETURNN `num_heads`). Positive integer dividing `totalKeyDim` and `units`. */
  numHeads: number;
  /** Query/key features over all heads (RETURNN `total_key_dim`); each head has `totalKeyDim / numHeads`. */
  totalKeyDim: number;
  /** Value features over all heads, the output features (RETURNN `n_out`). */
  units: number;
  /** Each frame attends only to itself and earlier frames (RETURNN `attention_left_only`). Default false. */
  attentionLeftOnly?: boolean;
  /** Initializer of `QKV` (RETURNN `forward_weights_init`). Default `glorot_uniform`. */
  kernelInitializer?: InitializerSpec;
  /**
   * The layer takes a second input, `keyShift` `[time, time, totalKeyDim / numHeads]`
   * (RETURNN `key_shift`, e.g. a `relative_positional_encoding`), added to
   * every head's keys per query: the inputs are `[x, keyShift]` or `[x, keyShift, seqLens]`.
   * Set by net dicts when the entry has `key_shift`. Default false.
   */
  withKeyShift?: boolean;
}

/** SelfAttention's arguments in both vocabularies. */
const SELF_ATTENTION_OPTIONS = {
  numHeads: option(schemas.positiveInt(), { returnn: 'num_heads' }),
  totalKeyDim: option(schemas.positiveInt(), { returnn: 'total_key_dim' }),
  // A net dict without n_out gets null here, and `derive` picks the value (the target's class count, else the source's features).
  units: option(schemas.positiveInt(), { returnn: 'n_out', returnnDefault: null, returnnSchema: schemas.positiveInt().nullable() }),
  attentionLeftOnly: option(schemas.boolean(), { default: false, returnn: 'attention_left_only' }),
  kernelInitializer: option(schemas.initializer(), { default: 'glorot_uniform', returnn: 'forward_weights_init' }),
  withKeyShift: option(schemas.boolean(), { default: false }),
} satisfies LayerOptions;

/** The heads split the key and the value features evenly. */
const SELF_ATTENTION_CHECKS: readonly LayerCheck[] = [
  (a, name) => {
    const { numHeads: h, totalKeyDim: k, units: v } = a as { numHeads?: number; totalKeyDim?: number; units?: number };
    // Missing ones are their options' own errors.
    if (h === undefined || k === undefined || v === undefined || (k % h === 0 && v % h === 0)) return undefined;
    return `${name('numHeads')} must divide ${name('totalKeyDim')} and ${name('units')}. Received: ${name('numHeads')}=${h}, ${name('totalKeyDim')}=${k}, ${name('units')}=${v}.`;
  },
];

/**
 * Multi-head scaled dot-product self-attention over time (RETURNN
 * `SelfAttentionLayer` outside a rec loop; Vaswani et al. 2017, "Attention Is
 * All You Need", sec. 3.2). One fused projection without bias gives queries,
 * keys and values of every head; per head `h`,
 * `out_h = softmax(q_h k_hᵀ / sqrt(keyDim)) v_h`, and the heads are
 * concatenated (no output projection: that is a separate `Linear`, as in RETURNN).
 *
 * Masking (inputs `[x, seqLens]`): keys `t >= seqLens[b]` get weight exactly
 * 0; padded query frames output zeros. With `attentionLeftOnly`, frame `t`
 * also ignores keys after `t`. So padded frames never change valid outputs
 * and get zero gradient. With `withKeyShift` (RETURNN `key_shift`, Shaw et
 * al. 2018's relative keys as in Tensor2Tensor's `_relative_attention_inner`),
 * the energy of query `i` and key `j` gains `q_h[i] · keyShift[i, j]`.
 *
 * Inputs: `x` float32 `[batch, time, inFeatures]`, or `[x, seqLens]` with `seqLens` int32 `[batch]`.
 * Shape: `[batch, time, inFeatures]` → `[batch, time, units]`, float32.
 * Weight: `QKV` `[inFeatures, 2 * totalKeyDim + units]`, RETURNN's layout: the
 * columns are split into `numHeads` blocks, each `[q (keyDim), k (keyDim), v (units / numHeads)]`.
 * @throws LayerArgumentError if `numHeads`, `totalKeyDim` or `units` is not a positive integer,
 *   or `numHeads` does not divide `totalKeyDim` and `units`
 *   (`SelfAttention: numHeads must divide totalKeyDim and units. Received: numHeads=3, totalKeyDim=4, units=6.`).
 * @throws InputShapeError if `x` is not rank 3 with a known feature axis, or `seqLens` is not int32 `[batch]`.
 */
export class SelfAttention extends Layer {
  static override readonly className: string = 'SelfAttention';
  readonly numHeads: number;
  readonly totalKeyDim: number;
  readonly units: number;
  readonly attentionLeftOnly: boolean;
  readonly withKeyShift: boolean;
  private readonly kernelInit: Initializer;
  qkv!: Variable;

  constructor(args: SelfAttentionArgs) {
    super(args);
    const a = resolveArgs('SelfAttention', SELF_ATTENTION_OPTIONS, args, SELF_ATTENTION_CHECKS) as Required<SelfAttentionArgs>;
    this.numHeads = a.numHeads;
    this.totalKeyDim = a.totalKeyDim;
    this.units = a.units;
    this.attentionLeftOnly = a.attentionLeftOnly;
    this.kernelInit = getInitializer(a.kernelInitializer);
    this.withKeyShift = a.withKeyShift;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = xShapeOf(inputShape);
    const features = shape[2];
    if (shape.length !== 3 || features === null || features === undefined) {
      throw new InputShapeError({ layer: this.name, expected: 'expected x of rank 3 [batch, time, features] with a known feature axis', received: shape });
    }
    this.qkv = this.addWeight('QKV', { shape: [features, 2 * this.totalKeyDim + this.units], initializer: this.kernelInit });
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const keyShift = this.withKeyShift ? list[1] : undefined;
    const { x, seqLens } = seqInput(this.withKeyShift ? [list[0]!, ...list.slice(2)] : list, this.name);
    const [batch, time, features] = x.shape;
    if (x.shape.length !== 3 || features !== this.qkv.shape[0]) {
      throw new InputShapeError({ layer: this.name, expected: `expected x [batch, time, ${this.qkv.shape[0]}]`, received: x.shape });
    }
    const width = this.qkv.shape[1]!;
    const projected = ops.reshape(ops.matMul(ops.reshape(x, [-1, features]), this.qkv.value), [batch!, time!, width]);
    const heads = splitHeads(projected, this.numHeads); // [batch, heads, time, q|k|v]
    const keyDim = this.totalKeyDim / this.numHeads;
    const part = (begin: number, size: number): Tensor => ops.slice(heads, [0, 0, 0, begin], [-1, -1, -1, size]);
    const q = ops.mul(part(0, keyDim), keyDim ** -0.5);
    const k = part(keyDim, keyDim);
    const v = part(2 * keyDim, this.units / this.numHeads);
    let mask = seqLens ? keyMask(seqLens, time!) : undefined;
    if (this.attentionLeftOnly) {
      const causal = ops.tensor(Float32Array.from({ length: time! * time! }, (_, i) => (i % time! <= Math.floor(i / time!) ? 1 : 0)), [1, 1, time!, time!]);
      mask = mask ? ops.mul(mask, causal) : causal;
    }
    const y = mergeHeads(maskedAttention(q, k, v, mask, this.withKeyShift ? this.keyShiftEnergy(q, keyShift) : undefined));
    return seqLens ? maskFrames(y, seqLens) : y;
  }

  /** `q_h[b, i] · keyShift[i, j]` as `[batch, heads, queries, keys]` (RETURNN's extra matmul of `key_shift`). */
  private keyShiftEnergy(q: Tensor, keyShift: Tensor | undefined): Tensor {
    const [batch, heads, time, keyDim] = q.shape as number[];
    if (!keyShift || keyShift.shape.length !== 3 || keyShift.shape[0] !== time || keyShift.shape[1] !== time || keyShift.shape[2] !== keyDim) {
      throw new InputShapeError({ layer: this.name, expected: `key_shift [${time}, ${time}, ${keyDim}] (queries, keys, totalKeyDim / numHeads)`, received: keyShift?.shape ?? [] });
    }
    const qt = ops.reshape(ops.transpose(q, [2, 0, 1, 3]), [time!, batch! * heads!, keyDim!]);
    const e = ops.reshape(ops.matMul(qt, keyShift, false, true), [time!, batch!, heads!, time!]);
    return ops.transpose(e, [1, 2, 0, 3]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = xShapeOf(inputShape);
    return [shape[0]!, shape[1]!, this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      totalKeyDim: this.totalKeyDim,
      units: this.units,
      attentionLeftOnly: this.attentionLeftOnly,
      kernelInitializer: serializeInitializer(this.kernelInit),
      ...(this.withKeyShift ? { withKeyShift: true } : {}),
    };
  }
}

/** The features of sources joined along the feature axis, if all are known. */
function featuresOf(sources: readonly Data[]): number | undefined {
  const dims = sources.map((s) => s.dim);
  return dims.length > 0 && dims.every((d) => d !== null) ? (dims as number[]).reduce((x, y) => x + y, 0) : undefined;
}

/**
 * RETURNN's `self_attention` (`SelfAttentionLayer` outside a rec loop):
 * `num_heads`, `total_key_dim`, `n_out` (the value features; without it the
 * target's class count as RETURNN infers `n_out`, else the source's
 * features, where RETURNN requires it), `attention_left_only`,
 * `forward_weights_init`, `key_shift` (a layer `[T, T, total_key_dim /
 * num_heads]` added to the keys per query). The input's lengths mask padded keys and frames.
 */
export const selfAttentionLayer: LayerSpec = {
  cls: SelfAttention,
  options: {
    ...SELF_ATTENTION_OPTIONS,
    // The layer it names becomes an input of its own (refKeys); the layer gets `withKeyShift`.
    keyShift: option(z.string({ error: 'must name a layer giving [time, time, total_key_dim / num_heads]' }).optional(), { returnn: 'key_shift', fromReturnn: () => undefined }),
  },
  checks: SELF_ATTENTION_CHECKS,
  netDict: {
    names: ['self_attention'],
    sources: 'concat',
    seqLens: true,
    refKeys: ['key_shift'],
    derive: (c, a) => ({ ...(a.units === null ? { units: c.target?.dim ?? featuresOf(c.sources) } : {}), withKeyShift: typeof c.entry.key_shift === 'string' }),
  },
};
