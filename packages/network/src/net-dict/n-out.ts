import { NetDictError } from '../errors.js';
import type { LayerCreateContext } from './net-dict-node.js';

/**
 * The output size of an entry: its `n_out`, else (as in RETURNN, for a layer
 * with a loss) the number of classes of its target, plus `extra` (1 for the
 * CTC blank).
 * @throws NetDictError naming the entry when there is neither; when the
 *   target exists but has no class count (a `dim_tags` entry without
 *   `sparse_dim`, or a dynamic last axis), the message names the target key too.
 */
export function nOutOf(ctx: LayerCreateContext, extra = 0): number {
  const given = ctx.entry.n_out;
  if (given !== undefined && given !== null) return checkNOut(given, `Net dict entry '${ctx.name}' (class '${ctx.entry.class}')`);
  const dim = ctx.target?.dim;
  if (dim !== undefined && dim !== null) return dim + extra;
  const what = `Net dict entry '${ctx.name}' (class '${ctx.entry.class}')`;
  if (ctx.target) {
    throw new NetDictError(
      `${what} has no "n_out", and its target '${ctx.target.name}' (${ctx.target.toString()}) has no class count to take it from. ` +
        `Give "n_out", or describe extern_data '${ctx.target.name}' with its number of classes: {"shape": [], "dim": N, "sparse": true} ` +
        `(with "shape": [null] for label sequences), or "sparse_dim": {"dimension": N} next to "dim_tags".`,
    );
  }
  throw new NetDictError(`${what} needs "n_out" (the number of output features), or a "loss" with a "target".`);
}

/**
 * `n_out` if it is a positive integer.
 * @throws NetDictError `<where>: n_out must be a positive integer. Received: n_out=<value>.`
 */
export function checkNOut(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new NetDictError(`${where}: n_out must be a positive integer. Received: n_out=${JSON.stringify(value) ?? String(value)}.`);
}
