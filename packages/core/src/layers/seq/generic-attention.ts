import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';

/** Arguments of {@link GenericAttention}. */
export interface GenericAttentionArgs extends LayerArgs {
  /**
   * Net dicts only: the layer giving the attention weights (RETURNN `weights`), the layer's
   * first input. The layer itself ignores it: it takes `[weights, base]` as inputs.
   */
  weights?: string;
  /** Net dicts only: the layer attended over (RETURNN `base`), the layer's second input. */
  base?: string;
}

const LAYER_NAME = 'must be the name of a layer (e.g. "att_weights", or "base:encoder" in a rec unit)';

/** GenericAttention's arguments: only the net-dict references (RETURNN `weights`, `base`). */
const GENERIC_ATTENTION_OPTIONS = {
  weights: option(z.string({ error: LAYER_NAME }).optional(), { returnn: 'weights' }),
  base: option(z.string({ error: LAYER_NAME }).optional(), { returnn: 'base' }),
} satisfies LayerOptions;

/**
 * The weighted sum of `base` over its time axis with given weights (RETURNN
 * `GenericAttentionLayer`, e.g. after `softmax_over_spatial`):
 * `y[b, ...] = Σ_t weights[b, t, ...] * base[b, t, ...]`. The weights' axes
 * after time broadcast against base's (size-1 axes, such as the 1 of energies
 * `[batch, time, 1]`, are RETURNN's auto-squeezed ones). No masking: padded
 * frames must have weight 0 (as `softmax_over_spatial` gives them). No weights.
 *
 * Inputs: `[weights, base]`: `weights` float32 `[batch, time]` or `[batch, time, ...]`
 * (at most base's rank), `base` float32 `[batch, time, ..., features]`.
 * Shape: `[batch, ..., features]` (base without its time axis), float32.
 * @throws InputShapeError if the inputs are not `[weights, base]`, or their batch, time or
 *   other axes do not fit.
 */
export class GenericAttention extends Layer {
  static override readonly className: string = 'GenericAttention';

  constructor(args: GenericAttentionArgs = {}) {
    super(args);
    resolveArgs('GenericAttention', GENERIC_ATTENTION_OPTIONS, args);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    this.computeOutputShape(list.map((t) => t.shape));
    const [w, base] = list as [Tensor, Tensor];
    const weights = w.shape.length === base.shape.length ? w : ops.reshape(w, [...w.shape, ...new Array<number>(base.shape.length - w.shape.length).fill(1)]);
    return ops.sum(ops.mul(weights, base), [1]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape];
    const [weights, base] = shapes;
    if (shapes.length !== 2 || !weights || !base) {
      throw new InputShapeError({ layer: this.name, expected: `expected the inputs [weights, base], got ${shapes.length}; the first has shape`, received: shapes[0] ?? [] });
    }
    const fits = (a: number | null | undefined, b: number | null | undefined) => a === null || b === null || a === b;
    const ok =
      base.length >= 3 &&
      weights.length >= 2 &&
      weights.length <= base.length &&
      fits(weights[0], base[0]) &&
      fits(weights[1], base[1]) &&
      weights.slice(2).every((d, i) => d === 1 || fits(d, base[i + 2]));
    if (!ok) {
      throw new InputShapeError({
        layer: this.name,
        expected: `expected weights [batch, time, ...] (axes after time 1 or base's) and base [batch, time, ..., features] with the same batch and time; base is [${base.join(', ')}], weights`,
        received: weights,
      });
    }
    return [base[0]!, ...base.slice(2)];
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
      return {};
    },
  },
};
