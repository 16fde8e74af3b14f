import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { LayerArgumentError } from '../../errors.js';
import type { Layer } from '../../layer.js';
import { option } from '../../layer-spec.js';
import type { Variable } from '../../variable.js';
import { isKeptState, type KeptRecStates } from './keep-over-epoch.js';

/**
 * The initial value of one state part of a recurrent cell (RETURNN
 * `RnnCellLayer.get_rec_initial_state_inner`): `zeros`, `ones`, `var`, a
 * trainable `[units]` vector (initialised to zeros, as RETURNN's
 * `tf.zeros_initializer()`) broadcast over the batch, or `keep_over_epoch`
 * (`keep_over_epoch_no_init`): the previous batch's last state, zeros at an
 * epoch's first step (before the first call), see {@link KeptRecStates}.
 */
export type InitialStateValue = 'zeros' | 'ones' | 'var' | 'keep_over_epoch' | 'keep_over_epoch_no_init';

/**
 * A recurrent layer's initial state (RETURNN `initial_state`): one value for
 * every state part, a list in RETURNN's order of the parts (LSTM: `c`, `h`,
 * the order of TF's `LSTMStateTuple`), or an object by part (`{c: ..., h: ...}`,
 * every part named). GRU and SimpleRNN cells have one part (`h`): a list or
 * object is an error there, as in RETURNN.
 */
export type RecInitialState = InitialStateValue | readonly InitialStateValue[] | Readonly<Record<string, InitialStateValue>>;

const VALUES = ['zeros', 'ones', 'var', 'keep_over_epoch', 'keep_over_epoch_no_init'] as const;

/** Values RETURNN takes that Strata refuses, and why. */
const REFUSED: Readonly<Record<string, string>> = {
  placeholder: "is a TF placeholder fed from outside the graph; Strata has no such input on a rec layer. Use 'zeros' or 'var'",
};

/** RETURNN's spellings of one part's value: `None`/`0`/`""` are zeros, `1` is ones (`get_rec_initial_state_inner`). */
function fromReturnnValue(v: unknown): unknown {
  if (v === null || v === 0 || v === '' || v === false) return 'zeros';
  if (v === 1 || v === true) return 'ones';
  return v;
}

/** Checks one part's value as RETURNN writes it; adds an issue saying what is wrong. */
function checkReturnnValue(v: unknown, ctx: z.RefinementCtx, path: string): void {
  const u = fromReturnnValue(v);
  if ((VALUES as readonly unknown[]).includes(u)) return;
  if (typeof u === 'string' && REFUSED[u]) {
    ctx.addIssue({ code: 'custom', message: `${path}${JSON.stringify(u)} ${REFUSED[u]}` });
  } else if (typeof u === 'string') {
    ctx.addIssue({
      code: 'custom',
      message: `${path}${JSON.stringify(u)} names a layer whose output (or last hidden state) is the initial state; Strata's rec layer with a cell unit does not take a layer as initial state yet. Use 'zeros', 'ones' or 'var'`,
    });
  } else {
    ctx.addIssue({ code: 'custom', message: `${path}must be 'zeros', 'ones', 'var' (or 0, 1, None), a list of them per state part, or an object by part such as {"c": "zeros", "h": "var"}. Received: ${JSON.stringify(v)}` });
  }
}

/** RETURNN's `initial_state` as a net dict writes it (checked per part, see {@link checkReturnnValue}). */
const returnnInitialState = z.unknown().superRefine((v, ctx) => {
  if (Array.isArray(v)) v.forEach((x, i) => checkReturnnValue(x, ctx, `[${i}]: `));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) checkReturnnValue(x, ctx, `.${k}: `);
  else checkReturnnValue(v, ctx, '');
});

const value = z.enum(VALUES, { error: `must be one of ${VALUES.map((x) => `'${x}'`).join(', ')}` });

/** The `initialState` argument of {@link Rec} (RETURNN `initial_state`). Default `'zeros'`. */
export const INITIAL_STATE_OPTION = option(z.union([value, z.array(value), z.record(z.string(), value)], { error: "must be 'zeros', 'ones', 'var', a list of them, or an object by state part" }), {
  default: 'zeros',
  returnn: 'initial_state',
  returnnSchema: returnnInitialState,
  fromReturnn: (v) => (Array.isArray(v) ? v.map(fromReturnnValue) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromReturnnValue(x)])) : fromReturnnValue(v)),
});

/**
 * The state parts of a cell in Strata's order (the output `h` first), each
 * with its RETURNN key: LSTM `h`, `c` (RETURNN's `LSTMStateTuple(c, h)`, list
 * order `c`, `h`); GRU and SimpleRNN one part without a key (RETURNN's
 * `state_size` is an int there, its variable `initial_var`).
 */
export function statePartKeys(unit: string): readonly (string | undefined)[] {
  return unit === 'lstm' ? ['h', 'c'] : [undefined];
}

/**
 * One value per state part, in Strata's order ({@link statePartKeys}).
 * @throws LayerArgumentError for a list of the wrong length, an object without exactly the cell's parts,
 *   or a list/object for a cell with one state part.
 */
export function initialStateValues(spec: RecInitialState, unit: string, layer: string): InitialStateValue[] {
  const keys = statePartKeys(unit);
  if (typeof spec === 'string') return keys.map(() => spec);
  const named = keys.filter((k): k is string => k !== undefined);
  if (named.length === 0) {
    throw new LayerArgumentError(
      `Layer '${layer}': initial_state of a '${unit}' cell is one value (its state has one part, as RETURNN's state_size is an int); a list or object is for an LSTM's parts c and h. Received: initial_state=${JSON.stringify(spec)}.`,
    );
  }
  // RETURNN's order of the LSTMStateTuple's fields: c, h.
  const returnnOrder = [...named].reverse();
  if (Array.isArray(spec)) {
    if (spec.length !== returnnOrder.length) {
      throw new LayerArgumentError(`Layer '${layer}': initial_state as a list has one value per state part (${returnnOrder.join(', ')}). Received: ${JSON.stringify(spec)}.`);
    }
    return keys.map((k) => spec[returnnOrder.indexOf(k!)]!);
  }
  const obj = spec as Readonly<Record<string, InitialStateValue>>;
  const given = Object.keys(obj).sort();
  if (given.join() !== [...named].sort().join()) {
    throw new LayerArgumentError(`Layer '${layer}': initial_state as an object names every state part: ${returnnOrder.join(', ')} (RETURNN asserts "You must specify all keys"). Received: ${JSON.stringify(spec)}.`);
  }
  return keys.map((k) => obj[k!]!);
}

/**
 * Adds the trainable initial-state vectors of the parts whose value is `var`
 * to `layer`, named as RETURNN names them: `rec/initial_<key>` (`rec/initial_c`,
 * `rec/initial_h`), `rec/initial_var` for a one-part cell; `[units]`, zeros. `scope`: `rec/` (a `rec`
 * layer's), `''` for an `rnn_cell` (RETURNN creates them in the layer's own `var_creation_scope`).
 * Returns one variable per part (undefined for the others).
 */
export function addInitialStateWeights(layer: Layer, values: readonly InitialStateValue[], unit: string, units: number, scope = 'rec/'): (Variable | undefined)[] {
  const keys = statePartKeys(unit);
  return values.map((v, i) => (v === 'var' ? layer.addWeight(`${scope}initial_${keys[i] ?? 'var'}`, { shape: [units], initializer: 'zeros' }) : undefined));
}

/** The initial states `[batch, units]` of every part: zeros, ones, the part's variable broadcast over the batch, or the kept state of `kept`. */
export function initialStates(values: readonly InitialStateValue[], vars: readonly (Variable | undefined)[], batch: number, units: number, kept?: KeptRecStates): Tensor[] {
  return values.map((v, i) => {
    if (kept && isKeptState(v)) return kept.initial(i, batch, units);
    if (v === 'ones') return ops.ones([batch, units]);
    if (v === 'var') return ops.add(ops.zeros([batch, units]), ops.reshape(vars[i]!.value, [1, units]));
    return ops.zeros([batch, units]);
  });
}

/** `values` (one per part, Strata's order) as an `initialState` argument: one value when all parts agree, else an object by part. */
export function initialStateConfig(values: readonly InitialStateValue[], unit: string): RecInitialState {
  if (values.every((v) => v === values[0])) return values[0] ?? 'zeros';
  const keys = statePartKeys(unit);
  return Object.fromEntries(values.map((v, i) => [keys[i]!, v]));
}
