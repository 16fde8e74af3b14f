import { z } from 'zod';
import { LayerArgumentError } from '../errors.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, schemas } from '../layer-spec.js';
import { EvalProgram } from './eval/program.js';
import { ALLOW_BROADCAST_ALL_SOURCES, Combine, type CombineArgs, combineOutput, EVAL_OPTIONS, evalArgsOf } from './combine.js';

/** Arguments of {@link EvalLayer}: {@link CombineArgs} without `kind`, `eval` required. */
export interface EvalLayerArgs extends Omit<CombineArgs, 'kind' | 'eval'> {
  /** The RETURNN eval string, e.g. `"tf.sigmoid(source(0)) * source(1)"`. */
  eval: string;
}

const EVAL_LAYER_OPTIONS = {
  ...EVAL_OPTIONS,
  ...ALLOW_BROADCAST_ALL_SOURCES,
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
  // "from": [] reaches derive (RETURNN accepts it with out_type), which names what Strata cannot run.
  netDict: { names: ['eval'], sources: 'list', broadcastSources: true, acceptsSparse: true, optionalSources: true, outputData: combineOutput, derive: deriveEval },
};

/**
 * The eval args a net dict derives ({@link evalArgsOf}). RETURNN's eval also
 * runs without sources (`"from": []`, its output from `out_type`, e.g. a
 * scalar of the train step); Strata's runs on at least one source: the
 * string is checked first (so an attribute Strata does not read is named),
 * then the missing sources.
 * @throws EvalExpressionError for a string Strata cannot evaluate; LayerArgumentError for an eval without sources.
 */
function deriveEval(c: LayerBuildContext): Record<string, unknown> {
  const args = evalArgsOf(c, c.entry.eval);
  if (c.sources.length > 0) return args;
  if (typeof c.entry.eval === 'string') new EvalProgram({ expression: c.entry.eval, entry: args.evalEntry ?? `network.${c.name}.eval`, config: args.evalConfig, locals: c.entry.eval_locals as never });
  throw new LayerArgumentError(
    `eval '${c.name}' has no sources ("from": []): RETURNN evaluates such a string on its own (its output from "out_type"); Strata's eval runs on at least one source. ` +
      'Give it a source, or use a "constant" layer for a fixed value.',
  );
}
