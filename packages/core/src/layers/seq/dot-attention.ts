import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';
import { maskFrames } from '../../sequence-mask.js';
import { keyMask, maskedAttention, mergeHeads, splitHeads } from './attention.js';
import { checkAttentionNOut, requireRefs } from './generic-attention.js';
import { checkSeqLens } from './seq-inputs.js';

/** Arguments of {@link DotAttention}. */
export interface DotAttentionArgs extends LayerArgs {
  /** Heads: key and value features are split into this many equal parts, attended separately. Default 1. */
  numHeads?: number;
  /** Energies are multiplied by this (RETURNN `energy_factor`; `1 / sqrt(keyDim)` in Vaswani et al.). Default 1. */
  energyFactor?: number;
  /**
   * Net dicts only: the layer of the values (RETURNN `base`, the encoder),
   * the layer's third input. The layer itself ignores it: it takes `[query, keys, values]` as inputs.
   */
  base?: string;
  /** Net dicts only: the layer of the keys (RETURNN `base_ctx`), the layer's second input. */
  baseCtx?: string;
}

const LAYER_NAME = 'must be the name of a layer (e.g. "base:encoder" in a rec unit)';

/** DotAttention's arguments (RETURNN's `DotAttentionLayer` has `energy_factor`, `base` and `base_ctx`, no heads). */
const DOT_ATTENTION_OPTIONS = {
  numHeads: option(schemas.positiveInt(), { default: 1 }),
  energyFactor: option(schemas.number(), { default: 1, returnn: 'energy_factor' }),
  base: option(z.string({ error: LAYER_NAME }).optional(), { returnn: 'base' }),
  baseCtx: option(z.string({ error: LAYER_NAME }).optional(), { returnn: 'base_ctx' }),
} satisfies LayerOptions;

/**
 * Dot-product attention of queries over a sequence of keys and values
 * (RETURNN `DotAttentionLayer`: `base_ctx` = keys, `base` = values, source =
 * query; the "att" pattern of RETURNN's attention demos; Luong et al. 2015,
 * dot score): `energy[t] = energyFactor * q · keys[t]`, weights = softmax of
 * the energies over valid key frames, output = `Σ_t weights[t] * values[t]`.
 * With `numHeads > 1`, query, keys and values are split into heads along
 * their features and the heads' outputs concatenated (multi-head attention
 * without projections; project with `Linear` layers around it).
 *
 * Masking: key frames `t >= seqLens[b]` get weight exactly 0 (no gradient
 * reaches them); an empty key sequence outputs zeros. With a query sequence
 * and `querySeqLens`, padded query frames output zeros.
 *
 * Inputs: `[query, keys, values]`, `[query, keys, values, seqLens]` or
 * `[query, keys, values, seqLens, querySeqLens]`:
 * `query` float32 `[batch, keyDim]` or `[batch, queryTime, keyDim]`,
 * `keys` `[batch, time, keyDim]`, `values` `[batch, time, valueDim]`,
 * `seqLens` int32 `[batch]` (of keys/values), `querySeqLens` int32 `[batch]`.
 * Shape: `[batch, valueDim]` or `[batch, queryTime, valueDim]`, float32.
 * @throws LayerArgumentError if `numHeads` is not a positive integer or `energyFactor` not a finite number
 *   (`DotAttention: numHeads must be a positive integer. Received: numHeads=0.`).
 * @throws InputShapeError if the inputs' ranks, batch, time or feature sizes do not fit, `numHeads`
 *   does not divide `keyDim` and `valueDim`, or the lengths are not int32 `[batch]`.
 */
export class DotAttention extends Layer {
  static override readonly className: string = 'DotAttention';
  readonly numHeads: number;
  readonly energyFactor: number;

  constructor(args: DotAttentionArgs = {}) {
    super(args);
    const a = resolveArgs('DotAttention', DOT_ATTENTION_OPTIONS, args) as Required<DotAttentionArgs>;
    this.numHeads = a.numHeads;
    this.energyFactor = a.energyFactor;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    this.checkShapes(list.map((t) => t.shape));
    const [query, keys, values, seqLens, querySeqLens] = list as [Tensor, Tensor, Tensor, Tensor?, Tensor?];
    const batch = keys.shape[0]!;
    if (seqLens) checkSeqLens(seqLens, batch, this.name);
    if (querySeqLens) checkSeqLens(querySeqLens, batch, this.name);
    const single = query.shape.length === 2;
    const q3 = single ? ops.reshape(query, [batch, 1, query.shape[1]!]) : query;
    const q = splitHeads(this.energyFactor === 1 ? q3 : ops.mul(q3, this.energyFactor), this.numHeads);
    const k = splitHeads(keys, this.numHeads);
    const v = splitHeads(values, this.numHeads);
    const context = mergeHeads(maskedAttention(q, k, v, seqLens && keyMask(seqLens, keys.shape[1]!)));
    if (single) return ops.reshape(context, [batch, values.shape[2]!]);
    return querySeqLens ? maskFrames(context, querySeqLens) : context;
  }

  private checkShapes(shapes: SymbolicShape[]): SymbolicShape {
    const [query, keys, values] = shapes;
    if (shapes.length < 3 || shapes.length > 5 || !query || !keys || !values) {
      throw new InputShapeError({
        layer: this.name,
        expected: `expected the inputs [query, keys, values, seqLens?, querySeqLens?], got ${shapes.length}; the first has shape`,
        received: shapes[0] ?? [],
      });
    }
    const keyDim = keys[2];
    if (keys.length !== 3 || values.length !== 3 || keys[1] !== values[1] || keys[0] !== values[0]) {
      throw new InputShapeError({
        layer: this.name,
        expected: `expected keys [batch, time, keyDim] and values [batch, time, valueDim] (same batch and time), got keys [${keys.join(', ')}] and values`,
        received: values,
      });
    }
    if ((query.length !== 2 && query.length !== 3) || query[query.length - 1] !== keyDim) {
      throw new InputShapeError({ layer: this.name, expected: `expected query [batch, ${keyDim}] or [batch, queryTime, ${keyDim}] (keyDim of keys)`, received: query });
    }
    if (shapes.length === 5 && query.length !== 3) {
      throw new InputShapeError({ layer: this.name, expected: 'querySeqLens needs a query sequence [batch, queryTime, keyDim]; query has shape', received: query });
    }
    const valueDim = values[2];
    if ((keyDim !== null && keyDim! % this.numHeads !== 0) || (valueDim !== null && valueDim! % this.numHeads !== 0)) {
      throw new InputShapeError({ layer: this.name, expected: `numHeads=${this.numHeads} must divide keyDim and valueDim; values have shape`, received: values });
    }
    return query.length === 2 ? [query[0]!, valueDim!] : [query[0]!, query[1]!, valueDim!];
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.checkShapes(Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape]);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), numHeads: this.numHeads, energyFactor: this.energyFactor };
  }
}

/**
 * RETURNN's `dot_attention` (`DotAttentionLayer`): the source is the query
 * (`[batch, keyDim]` in a rec unit's frame), `base_ctx` names the keys' layer
 * and `base` the values' (`base:<layer>` inside a rec unit), `energy_factor`
 * scales the energies (RETURNN's None: 1). The inputs are `[query, keys, values,
 * seqLens]`, the lengths those of `base`'s time axis, as RETURNN masks; `n_out`,
 * if given, must be base's features. One head.
 */
export const dotAttentionLayer: LayerSpec = {
  cls: DotAttention,
  options: DOT_ATTENTION_OPTIONS,
  netDict: {
    names: ['dot_attention'],
    sources: 'concat',
    refKeys: ['base_ctx', 'base'],
    seqLens: true,
    seqLensFrom: 'base',
    // Optional for the class (TypeScript passes the tensors as inputs), required in a net dict.
    derive: (c, a) => {
      requireRefs(a, [['baseCtx', 'base_ctx'], ['base', 'base']], LAYER_NAME);
      checkAttentionNOut(c);
      return {};
    },
  },
};
