import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs, schemas } from '../../layer-spec.js';

/** Arguments of {@link GenericAttention}. */
export interface GenericAttentionArgs extends LayerArgs {
  /**
   * Net dicts only: the layer giving the attention weights (RETURNN `weights`), the layer's
   * first input. The layer itself ignores it: it takes `[weights, base]` as inputs.
   */
  weights?: string;
  /** Net dicts only: the layer attended over (RETURNN `base`), the layer's second input. */
  base?: string;
  /**
   * Drop the weights' size-1 axes that match no axis of base (RETURNN `auto_squeeze`,
   * e.g. the 1 of energies `[batch, time, 1]`); with false they stay in the output. Default true.
   */
  autoSqueeze?: boolean;
  /**
   * The weights' axis summed over, with base's time axis (a net dict sets the weights' time
   * axis, RETURNN's `_weights_time_axis_to_reduce`; e.g. 2 for weights `[batch, heads, time]`). Default 1.
   */
  weightsTimeAxis?: number;
}

const LAYER_NAME = 'must be the name of a layer (e.g. "att_weights", or "base:encoder" in a rec unit)';

/** GenericAttention's arguments: only the net-dict references (RETURNN `weights`, `base`). */
const GENERIC_ATTENTION_OPTIONS = {
  weights: option(z.string({ error: LAYER_NAME }).optional(), { returnn: 'weights' }),
  base: option(z.string({ error: LAYER_NAME }).optional(), { returnn: 'base' }),
  autoSqueeze: option(schemas.boolean(), { default: true, returnn: 'auto_squeeze' }),
  weightsTimeAxis: option(schemas.positiveInt(), { default: 1 }),
} satisfies LayerOptions;

/** `shape` with axis `axis` moved to 1 (the order of the others kept). */
const timeToOne = <T>(shape: readonly T[], axis: number): T[] => (axis === 1 ? [...shape] : [shape[0]!, shape[axis]!, ...shape.slice(1).filter((_, i) => i + 1 !== axis)]);

/**
 * How the weights' axes after batch and time pair with base's (RETURNN
 * `GenericAttentionLayer._weights_remaining_axes`): from the last one back,
 * an axis of base's size (base's axes between time and features, from the
 * last) is a common axis; else a size-1 axis is dropped (`autoSqueeze`);
 * else it is kept (a "var" axis of the output). Indices are of the weights' shape.
 */
interface WeightAxes {
  readonly common: number[];
  readonly squeezed: number[];
  readonly kept: number[];
}

function weightAxes(weights: SymbolicShape, base: SymbolicShape, autoSqueeze: boolean): WeightAxes | undefined {
  const baseRem = base.slice(2, -1);
  const common: number[] = [];
  const squeezed: number[] = [];
  const kept: number[] = [];
  for (let i = weights.length - 1; i >= 2; i--) {
    if (baseRem.length > 0 && weights[i] === baseRem[baseRem.length - 1]) {
      common.unshift(i);
      baseRem.pop();
    } else if (autoSqueeze && weights[i] === 1) squeezed.unshift(i);
    else kept.unshift(i);
  }
  return baseRem.length > 0 ? undefined : { common, squeezed, kept };
}

/**
 * The weighted sum of `base` over its time axis with given weights (RETURNN
 * `GenericAttentionLayer`, e.g. after `softmax_over_spatial`):
 * `y[b, c..., k..., f] = Σ_t weights[b, t, c..., k...] * base[b, t, c..., f]`.
 * The weights' axes after time pair with base's axes between time and
 * features from the last one back, by size (`c`, e.g. attention heads); a
 * weights axis of another size is kept in the output (`k`, RETURNN's DotLayer
 * `var1`), except size-1 axes, which `autoSqueeze` drops (the 1 of energies
 * `[batch, time, 1]`). No masking: padded frames must have weight 0 (as
 * `softmax_over_spatial` gives them). No weights.
 *
 * Inputs: `[weights, base]`: `weights` float32 `[batch, time, ...]`, `base` float32 `[batch, time, ..., features]`.
 * Shape: `[batch, c..., k..., features]`, float32.
 * @throws InputShapeError if the inputs are not `[weights, base]`, their batch or time differ,
 *   or an axis of base between time and features has no axis of the weights' size (RETURNN's assertion).
 */
export class GenericAttention extends Layer {
  static override readonly className: string = 'GenericAttention';
  readonly autoSqueeze: boolean;
  readonly weightsTimeAxis: number;

  constructor(args: GenericAttentionArgs = {}) {
    super(args);
    const a = resolveArgs('GenericAttention', GENERIC_ATTENTION_OPTIONS, args);
    this.autoSqueeze = a.autoSqueeze ?? true;
    this.weightsTimeAxis = a.weightsTimeAxis ?? 1;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    this.computeOutputShape(list.map((t) => t.shape));
    const [w0, base] = list as [Tensor, Tensor];
    const w = this.weightsTimeAxis === 1 ? w0 : ops.transpose(w0, timeToOne(w0.shape.map((_, i) => i), this.weightsTimeAxis));
    const { common, kept } = weightAxes(w.shape, base.shape, this.autoSqueeze)!;
    // weights [b, t, c..., k..., 1] * base [b, t, c..., 1 (per k)..., f], summed over t; the squeezed size-1 axes go last and are reshaped away.
    const squeezed = w.shape.map((_, i) => i).filter((i) => i >= 2 && !common.includes(i) && !kept.includes(i));
    const ws = ops.transpose(w, [0, 1, ...common, ...kept, ...squeezed]);
    const wk = ops.reshape(ws, [w.shape[0]!, w.shape[1]!, ...common.map((i) => w.shape[i]!), ...kept.map((i) => w.shape[i]!), 1]);
    const bk = ops.reshape(base, [...base.shape.slice(0, -1), ...kept.map(() => 1), base.shape[base.shape.length - 1]!]);
    return ops.sum(ops.mul(wk, bk), [1]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape];
    const [w0, base] = shapes;
    const weights = w0 && w0.length > this.weightsTimeAxis ? timeToOne(w0, this.weightsTimeAxis) : w0;
    if (shapes.length !== 2 || !weights || !base) {
      throw new InputShapeError({ layer: this.name, expected: `expected the inputs [weights, base], got ${shapes.length}; the first has shape`, received: shapes[0] ?? [] });
    }
    const fits = (a: number | null | undefined, b: number | null | undefined) => a === null || b === null || a === b;
    const axes = base.length >= 3 && weights.length >= 2 && fits(weights[0], base[0]) && fits(weights[1], base[1]) ? weightAxes(weights, base, this.autoSqueeze) : undefined;
    if (!axes) {
      throw new InputShapeError({
        layer: this.name,
        expected:
          `expected weights [batch, time, ...] and base [batch, time, ..., features] with the same batch and time, ` +
          `each axis of base between time and features matched (from the last) by a weights axis of its size; base is [${base.join(', ')}], weights`,
        received: weights,
      });
    }
    return [base[0]!, ...axes.common.map((i) => weights[i]!), ...axes.kept.map((i) => weights[i]!), base[base.length - 1]!];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), autoSqueeze: this.autoSqueeze, weightsTimeAxis: this.weightsTimeAxis };
  }
}

/**
 * Checks that a net-dict entry names the layers of its reference keys (RETURNN
 * requires them; the class takes the tensors as inputs): for a spec's `derive`.
 * @throws LayerArgumentError `<returnn key> <error>. Received: <returnn key>=undefined.`
 */
export function requireRefs(args: Readonly<Record<string, unknown>>, keys: readonly [arg: string, returnn: string][], error: string): void {
  for (const [arg, returnn] of keys) if (args[arg] === undefined) throw new LayerArgumentError(`${returnn} ${error}. Received: ${returnn}=undefined.`);
}

/**
 * RETURNN's check of an attention's `n_out` (`AttentionBaseLayer`): the output
 * has base's features, so a given `n_out` (what `prev:` references of the layer
 * are built from) must equal them. `base` is the entry's last source.
 * @throws LayerArgumentError naming `n_out` and base's features.
 */
export function checkAttentionNOut(c: LayerBuildContext): void {
  const nOut = c.entry.n_out;
  const base = c.sources[c.sources.length - 1];
  const features = base?.dim;
  if (nOut === undefined || nOut === null || features === null || features === undefined || nOut === features) return;
  throw new LayerArgumentError(`n_out must equal the features of base '${base!.name}' (${features}), the attention's output. Received: n_out=${JSON.stringify(nOut)}.`);
}

/**
 * RETURNN's `generic_attention` (`GenericAttentionLayer`): no `from`; `weights`
 * and `base` name the layers of the weights and of what is attended over
 * (`base:<layer>` inside a rec unit); `n_out`, if given, must be base's features.
 */
export const genericAttentionLayer: LayerSpec = {
  cls: GenericAttention,
  options: GENERIC_ATTENTION_OPTIONS,
  netDict: {
    names: ['generic_attention'],
    sources: 'none',
    refKeys: ['weights', 'base'],
    // Optional for the class (TypeScript passes the tensors as inputs), required in a net dict.
    derive: (c, a) => {
      requireRefs(a, [['weights', 'weights'], ['base', 'base']], LAYER_NAME);
      checkAttentionNOut(c);
      // The weights' time axis (RETURNN: their time_dim_axis, e.g. last after softmax_over_spatial).
      const w = c.sources[0];
      const t = w?.timeDim ? w.dims.indexOf(w.timeDim) + (w.hasBatch ? 1 : 0) : -1;
      return t > 1 ? { weightsTimeAxis: t } : {};
    },
  },
};
