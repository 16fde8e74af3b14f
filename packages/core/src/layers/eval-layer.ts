import { z } from 'zod';
import { type LayerOptions, type LayerSpec, option, schemas } from '../layer-spec.js';
import { Combine, type CombineArgs, combineOutput, EVAL_OPTIONS, evalArgsOf } from './combine.js';

/** Arguments of {@link EvalLayer}: {@link CombineArgs} without `kind`, `eval` required. */
export interface EvalLayerArgs extends Omit<CombineArgs, 'kind' | 'eval'> {
  /** The RETURNN eval string, e.g. `"tf.sigmoid(source(0)) * source(1)"`. */
  eval: string;
}

const EVAL_LAYER_OPTIONS = {
  ...EVAL_OPTIONS,
  eval: option(z.string({ error: 'must be a Python expression string, e.g. "source(0) * 2"' }), { returnn: 'eval' }),
  activation: option(schemas.activation(), { default: null, returnn: 'activation' }),
} satisfies LayerOptions;

/**
 * RETURNN's `EvalLayer` (`{"class": "eval", "eval": "...", "from": [...]}`):
 * evaluates a RETURNN eval string on its sources, e.g.
 * `"tf.sigmoid(source(2)) * source(3) + tf.sigmoid(source(0)) * tf.tanh(source(1))"`,
 * without Python: the string is parsed (@lezer/python) and mapped onto the
 * backend's ops through an allowlist (`EVAL_FUNCTIONS`, see `eval/functions.ts`);
 * anything else is an `EvalExpressionError` naming the function and the entry
 * (`network.<layer>.eval`). `source(i)` is the i-th source brought to the
 * output's axes; every source must be used (RETURNN's assertion).
 * `eval_locals` names numbers the string reads; `out_type` (`dtype`, `dim`,
 * `shape`) declares an output that differs from the sources' broadcast;
 * `self.network.get_config().typed_value("key")` reads the run config.
 * A {@link Combine} with `kind: 'eval'`, as in RETURNN. No weights.
 *
 * Shape: the sources' broadcast shape (`[batch, time, f]`), dtype of the first source, unless `out_type` says otherwise.
 * @throws EvalExpressionError for a string Strata cannot evaluate (at construction, or at the first call for operand types).
 */
export class EvalLayer extends Combine {
  static override readonly className: string = 'Eval';

  constructor(args: EvalLayerArgs) {
    super({ ...args, kind: 'eval' });
  }

  override getConfig() {
    const { kind: _kind, ...rest } = super.getConfig();
    return rest;
  }
}

/** RETURNN's `eval`. */
export const evalLayer: LayerSpec = {
  cls: EvalLayer,
  options: EVAL_LAYER_OPTIONS,
  netDict: { names: ['eval'], sources: 'list', acceptsSparse: true, outputData: combineOutput, derive: (c) => evalArgsOf(c, c.entry.eval) },
};
