// The loader's view of a network's variables, and the groups of them that
// layout conversions take together (a recurrent layer's three weights, a batch norm's statistics).
import type { Variable } from '@strata/core';
import { splitName } from './renames.js';
import { BATCH_NORM_LOCALS } from './returnn-batch-norm.js';

/** A network variable to fill: its path name and the checkpoint name it is looked up under. */
export interface Param {
  readonly variable: Variable;
  readonly name: string;
  readonly checkpointName: string;
  readonly mapped: boolean;
}

/** Strata recurrent layers of `gates` blocks among `params` (LSTM 4, GRU 3, SimpleRNN 1): `scope/kernel` `[in, G·u]`, `scope/recurrent_kernel` `[u, G·u]`, `scope/bias` `[G·u]`. */
export function rnnGroups(params: readonly Param[], gates: number): { params: [Param, Param, Param]; inputSize: number; units: number }[] {
  const byScope = new Map<string, Map<string, Param>>();
  for (const p of params) {
    const [scope, local] = splitName(p.variable.path);
    if (!byScope.has(scope)) byScope.set(scope, new Map());
    byScope.get(scope)!.set(local, p);
  }
  const groups: { params: [Param, Param, Param]; inputSize: number; units: number }[] = [];
  for (const locals of byScope.values()) {
    const [k, rk, b] = [locals.get('kernel'), locals.get('recurrent_kernel'), locals.get('bias')];
    if (!k || !rk || !b) continue;
    const [ks, rs, bs] = [k.variable.shape, rk.variable.shape, b.variable.shape];
    const u = rs[0]!;
    if (ks.length === 2 && rs.length === 2 && bs.length === 1 && rs[1] === gates * u && ks[1] === gates * u && bs[0] === gates * u) {
      groups.push({ params: [k, rk, b], inputSize: ks[0]!, units: u });
    }
  }
  return groups;
}

/** Strata batch norms among `params`: `scope/moving_mean`, `scope/moving_variance` and those of `scope/gamma`, `scope/beta` present, all `[C]`. */
export function batchNormGroups(params: readonly Param[]): { params: Param[]; channels: number }[] {
  const byScope = new Map<string, Param[]>();
  for (const p of params) {
    const [scope, local] = splitName(p.variable.path);
    if (!BATCH_NORM_LOCALS.includes(local) || p.variable.shape.length !== 1) continue;
    byScope.set(scope, [...(byScope.get(scope) ?? []), p]);
  }
  return [...byScope.values()]
    .filter((ps) => ['moving_mean', 'moving_variance'].every((l) => ps.some((p) => splitName(p.variable.path)[1] === l)))
    .filter((ps) => ps.every((p) => p.variable.shape[0] === ps[0]!.variable.shape[0]))
    .map((ps) => ({ params: ps, channels: ps[0]!.variable.shape[0]! }));
}
