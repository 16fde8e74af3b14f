/**
 * Known renames between checkpoint names of the same parameter, tried by
 * `CheckpointLoader` for a network param that has no tensor under its own
 * name. Each is one of:
 *
 * - The local name, within one equivalence class (any member may stand for
 *   any other):
 *   - `kernel` (Keras, TF ≥ 1.2 `tf.layers`, Strata), `weights` (TF < 1.2
 *     `tf.contrib` cells and layers), `W` (RETURNN `LinearLayer`, `ConvLayer`);
 *   - `bias` (Keras, TF ≥ 1.2, Strata), `biases` (TF < 1.2), `b` (RETURNN).
 *   Sources: tensorflow/contrib/rnn/python/tools/checkpoint_convert.py
 *   (`RNN_NAME_REPLACEMENTS`: `.../weights` → `.../kernel`, `.../biases` →
 *   `.../bias`), RETURNN's `CustomCheckpointLoader.map_list`
 *   (`lstm_cell/biases` → `lstm_cell/bias`, `lstm_cell/weights` → `lstm_cell/kernel`),
 *   returnn/tf/layers/basic.py (`LinearLayer`: `W`, `b`).
 * - A cell sub-scope added or removed between the layer scope and the local
 *   name: `scope/kernel` ↔ `scope/rnn/lstm_cell/kernel` etc. TF1's
 *   `dynamic_rnn` names a cell's variables `rnn/<cell>/...`
 *   (`rnn/lstm_cell/kernel`, `rnn/gru_cell/gates/kernel`), TF2 Keras' RNN
 *   layers nest their cell's (`lstm/lstm_cell/kernel:0`,
 *   `gru/gru_cell/recurrent_kernel:0`, `simple_rnn/simple_rnn_cell/kernel:0`),
 *   and RETURNN's `RecLayer` puts them under `rec/`. Source: RETURNN's
 *   `map_list` (`rnn/lstm_cell/kernel` → `lstm_cell/kernel` and back).
 *
 * A rename is only taken if the renamed tensor has the param's shape and
 * dtype; the TF1 LSTM's fused kernel (a different shape) is converted by
 * `lstm-match.ts`, not renamed.
 */

/** Local names that mean the same parameter, per class. */
export const LOCAL_NAME_CLASSES: readonly (readonly string[])[] = [
  ['kernel', 'weights', 'W'],
  ['bias', 'biases', 'b'],
];

/**
 * Sub-scopes a cell's variables live in, between the layer scope and the
 * local name, most common first (TF1 `dynamic_rnn`, TF2 Keras, RETURNN `rec/`).
 */
export const CELL_SUBSCOPES: readonly string[] = [
  'rnn/lstm_cell/',
  'lstm_cell/',
  'rnn/basic_lstm_cell/',
  'basic_lstm_cell/',
  'rec/lstm_cell/',
  'rec/basic_lstm_cell/',
  'rec/rnn/lstm_cell/',
  'lstm_block_wrapper/',
  'rnn/gru_cell/',
  'gru_cell/',
  'simple_rnn_cell/',
  'rnn/basic_rnn_cell/',
  'rec/',
];

/**
 * RETURNN's `RecLayer` puts the params of its unit's sub-layers under
 * `<rec layer>/rec/<sub-layer>/` (`output/rec/cell/rec/lstm_cell/kernel`,
 * `dec/rec/readout/W`), where Strata has `<rec layer>/<sub-layer>/`. Returns
 * `scope` with `rec/` inserted after one of its components (all but the
 * last), for scopes of two or more components without a `rec/` component
 * after the first (a first `rec` is a layer's name: `rec/cell/` → `rec/rec/cell/`).
 * Source: returnn/tf/layers/rec.py (`RecLayer`: the unit's sub-network is built
 * in the variable scope `rec`).
 */
export function returnnRecUnitScopes(scope: string): string[] {
  const parts = scope.split('/').filter(Boolean);
  // A `rec` component after the first is RETURNN's already; as the first it is the layer's name (a rec layer named `rec`: `rec/rec/<sub>/`).
  if (parts.length < 2 || parts.slice(1).includes('rec')) return [];
  return parts.slice(0, -1).map((_, i) => [...parts.slice(0, i + 1), 'rec', ...parts.slice(i + 1)].join('/') + '/');
}

/** `a/b/kernel` → `['a/b/', 'kernel']`. */
export function splitName(name: string): [scope: string, local: string] {
  const i = name.lastIndexOf('/');
  return i < 0 ? ['', name] : [name.slice(0, i + 1), name.slice(i + 1)];
}

/** The local names equivalent to `local` (itself first). */
export function localAliases(local: string): string[] {
  const cls = LOCAL_NAME_CLASSES.find((c) => c.includes(local));
  return cls ? [local, ...cls.filter((n) => n !== local)] : [local];
}

/**
 * Checkpoint names that may hold the param looked for under `name`, in the
 * order they are tried, `name` itself excluded: first the local-name aliases
 * (`x/weights`, `x/W` for `x/kernel`), then each cell sub-scope added
 * (`x/rnn/lstm_cell/kernel`, ...) or, if `name` has one, removed (`x/kernel`
 * for `x/lstm_cell/kernel`), each with every alias; last RETURNN's rec-unit
 * scopes ({@link returnnRecUnitScopes}: `a/rec/b/W` for `a/b/kernel`), with and without cell sub-scopes;
 * then all of these again under RETURNN's escaped scope names ({@link returnnScopeName}: `a__b/W` for `a-b/kernel`).
 */
export function renameCandidates(name: string): string[] {
  const out = candidatesOf(name);
  // RETURNN's variable scopes are the layer names made valid TF scope names (`encoder-output` → `encoder__output`).
  const [scope, local] = splitName(name);
  const escaped = returnnScopeName(scope);
  if (escaped !== scope) for (const c of [escaped + local, ...candidatesOf(escaped + local)]) if (c !== name && !out.includes(c)) out.push(c);
  return out;
}

/**
 * `scope` (`a/b/`) with each component as RETURNN names the TF variable
 * scope of a layer of that name (returnn/tf/util/basic.py
 * `get_valid_scope_name_from_str`, used by `LayerBase.cls_get_tf_scope_name`):
 * non-ASCII characters removed, each of `:(){}&+-*'" ,` replaced by `__`,
 * and a first character `_`, `-`, `\` or `/` written as `.<code>.`.
 */
export function returnnScopeName(scope: string): string {
  return scope
    .split('/')
    .map((c) => {
      if (c === '') return c;
      // eslint-disable-next-line no-control-regex
      const s = c.replace(/[^\x00-\x7f]/g, '').replace(/[:(){}&+\-*'" ,]/g, '__');
      return s !== '' && '_-\\/'.includes(s[0]!) ? `.${s.charCodeAt(0)}.${s.slice(1)}` : s;
    })
    .join('/');
}

/** {@link renameCandidates} without RETURNN's scope-name escaping. */
function candidatesOf(name: string): string[] {
  const [scope, local] = splitName(name);
  const aliases = localAliases(local);
  const scopes = [scope];
  const sub = CELL_SUBSCOPES.find((s) => scope.endsWith(s) && (scope.length === s.length || scope[scope.length - s.length - 1] === '/'));
  if (sub) {
    const outer = scope.slice(0, scope.length - sub.length);
    scopes.push(outer, ...CELL_SUBSCOPES.filter((s) => s !== sub).map((s) => outer + s));
  } else {
    scopes.push(...CELL_SUBSCOPES.map((s) => scope + s));
  }
  for (const r of returnnRecUnitScopes(scope)) scopes.push(r, ...CELL_SUBSCOPES.map((s) => r + s));
  const out: string[] = [];
  for (const s of scopes) for (const a of aliases) if (s + a !== name && !out.includes(s + a)) out.push(s + a);
  return out;
}
