import { ops, type Tensor } from '@strata/backend';
import { type CallContext, Data, Layer, Rec, type SymbolicShape, UNIT_ALIASES } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { LayerCreateContext } from './net-dict-node.js';
import type { NetDictNetwork } from './net-dict-network.js';
import { checkNOut } from './n-out.js';
import { registerNetDictClass } from './registry.js';

/** What the layer needs of one source `rec` layer, or of an `rnn_cell` of a rec unit (`cell`). */
interface RecSource {
  readonly name: string;
  readonly direction: 1 | -1;
  /**
   * An `rnn_cell` (or `prev:` of one) in a rec unit: its state parts are the unit's frame values `state:<layer>:<i>`
   * (Strata's order, `h` first); `parts` are the indices the key takes, in RETURNN's order; `prev` reads the previous frame's.
   */
  readonly cell?: { readonly layer: string; readonly prev: boolean; readonly parts: readonly number[] };
}

/**
 * An `rnn_cell` entry of the unit named by `name` (`s` or `prev:s`), as RETURNN's `RnnCellLayer.get_last_hidden_state`
 * reads it: its state by `key` (`get_state_by_key`: `"*"` all parts concatenated, an LSTM's in `LSTMStateTuple` order
 * `c`, `h`; `"h"`, `"c"` one part). Undefined if `name` is not an `rnn_cell`.
 * @throws NetDictError for a key the cell's state does not have.
 */
function cellSource(graph: NetDictNetwork['graph'], name: string, key: string, where: string): (RecSource & { units: number }) | undefined {
  const prev = name.startsWith('prev:');
  const layer = prev ? name.slice(5) : name;
  const entry = graph.netDict[layer] as Record<string, unknown> | undefined;
  if (entry?.class !== 'rnn_cell' || typeof entry.unit !== 'string' || typeof entry.n_out !== 'number') return undefined;
  const lstm = UNIT_ALIASES[entry.unit.toLowerCase()] === 'lstm';
  const parts = lstm ? ({ '*': [1, 0], h: [0], c: [1] } as Record<string, number[]>)[key] : key === '*' ? [0] : undefined;
  if (!parts) throw new NetDictError(`${where}: key ${JSON.stringify(key)} for the rnn_cell '${name}' (unit '${entry.unit}'): use ${lstm ? '"*" (c and h concatenated), "h" or "c"' : '"*" (its state is one tensor)'}.`);
  return { name, direction: 1, cell: { layer, prev, parts }, units: entry.n_out * parts.length };
}

/**
 * RETURNN's `GetLastHiddenStateLayer` (`class: "get_last_hidden_state"`,
 * returnn/tf/layers/rec.py): the hidden state each source `rec` layer (a
 * cell `unit`) ends with, `[B, n_out]`, the sources' states concatenated
 * (`combine: "concat"`, default) or added (`"add"`).
 *
 * The state a sequence ends with is the one after its last valid frame
 * (padding leaves the state unchanged), read from the output: frame
 * `len - 1`, or frame 0 for `direction: -1`. So the keys are those whose
 * state is the output: `"h"` (an LSTM's output state; RETURNN's
 * `LSTMStateTuple.h`), and `"*"` / none for a GRU or a plain RNN, whose state
 * is one tensor. An LSTM's `"c"`, and `"*"` of an LSTM (`c` and `h`
 * concatenated), need the cell state, which Strata's `rec` does not expose: an error.
 * Inside a rec unit, a source may be an `rnn_cell` of the unit or `prev:` of one
 * (RETURNN's `RnnCellLayer.get_last_hidden_state`): its state of this (the previous)
 * frame by key, `"*"` (an LSTM's `c`, `h` concatenated), `"h"`, `"c"`.
 */
export class GetLastHiddenState extends Layer {
  static override readonly className: string = 'GetLastHiddenState';
  readonly recs: readonly RecSource[];
  readonly combine: 'concat' | 'add';
  readonly nOut: number;

  constructor(args: { name: string; recs: RecSource[]; combine: 'concat' | 'add'; nOut: number }) {
    super({ name: args.name });
    this.recs = args.recs;
    this.combine = args.combine;
    this.nOut = args.nOut;
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [null, this.nOut];
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`get_last_hidden_state layer '${this.name}' reads its sources' lengths inside a net dict's forward pass, not through apply().`);
  }

  /** The state after the last valid frame of `out` `[B, T, U]` with lengths `lens` int32 `[B]`: `[B, U]`. */
  static lastFrame(out: Tensor, lens: Tensor | undefined, direction: 1 | -1): Tensor {
    const [b, t] = [out.shape[0]!, out.shape[1]!];
    const index = direction === -1 ? ops.fill([b], 0, 'int32') : ops.sub(lens ?? ops.fill([b], t, 'int32'), ops.fill([b], 1, 'int32'));
    const pick = ops.cast(ops.oneHot(index, t), 'float32');
    return ops.sum(ops.mul(out, ops.reshape(pick, [b, t, 1])), [1]);
  }
}

function createLayer(c: LayerCreateContext): GetLastHiddenState {
  const where = `Net dict entry '${c.name}' (class 'get_last_hidden_state')`;
  const graph = (c.network as NetDictNetwork).graph;
  const from = c.entry.from === undefined ? ['data'] : Array.isArray(c.entry.from) ? (c.entry.from as string[]) : [c.entry.from as string];
  const key = (c.entry.key as string | null | undefined) ?? '*';
  const recs = from.map((name) => {
    const cell = cellSource(graph, name, key, where);
    if (cell) return cell;
    const layer = graph.nodes.get(name)?.layer;
    if (!(layer instanceof Rec)) {
      throw new NetDictError(`${where}: source '${name}' must be a "rec" layer with a cell "unit" (e.g. "lstm"); the last hidden state of other layers is not defined.`);
    }
    const ok = layer.unit === 'lstm' ? key === 'h' : key === '*';
    if (!ok) {
      const keys = layer.unit === 'lstm' ? `"h" (the output state; "c" and "*" need the LSTM's cell state, which Strata's rec does not expose)` : `"*" (its state is one tensor)`;
      throw new NetDictError(`${where}: key ${JSON.stringify(key)} for source '${name}' (unit '${layer.unit}'): use ${keys}.`);
    }
    return { name, direction: layer.direction, units: layer.units };
  });
  const combine = (c.entry.combine as 'concat' | 'add' | undefined) ?? 'concat';
  const width = combine === 'add' ? recs[0]!.units : recs.reduce((n, r) => n + r.units, 0);
  if (combine === 'add' && recs.some((r) => r.units !== width)) throw new NetDictError(`${where}: "combine": "add" needs sources of equal size. Received: ${recs.map((r) => r.units).join(', ')}.`);
  const nOut = checkNOut(c.entry.n_out, where);
  if (nOut !== width) throw new NetDictError(`${where}: n_out=${nOut}, but the sources' last states give ${width} features; set "n_out": ${width}.`);
  return new GetLastHiddenState({ name: c.name, recs, combine, nOut });
}

/** Registers the net-dict class `get_last_hidden_state` ({@link GetLastHiddenState}). */
export function registerGetLastHiddenStateClass(): void {
  registerNetDictClass('get_last_hidden_state', {
    sources: 'list',
    options: z.strictObject({
      key: z.union([z.string(), z.null()]).optional(),
      combine: z.enum(['concat', 'add'], { error: 'must be "concat" or "add"' }).optional(),
    }),
    create: createLayer,
    outputData: (c) => new Data({ name: c.name, dims: [], dtype: 'float32' }).withShape(c.name, [(c.layer as GetLastHiddenState).nOut]),
    evaluate: ({ node, sources, inputs, outs }) => {
      const layer = node.layer as GetLastHiddenState;
      const cellState = (c: NonNullable<RecSource['cell']>): Tensor => {
        const parts = c.parts.map((i) => {
          const k = `state:${c.layer}:${i}`;
          const v = c.prev ? inputs[k] : outs.get(k)?.value;
          if (!v) throw new NetDictError(`get_last_hidden_state layer '${node.name}': the state '${k}' of rnn_cell '${c.layer}' is not in this frame (use it inside the rec unit of that rnn_cell).`);
          return v;
        });
        return parts.length === 1 ? parts[0]! : ops.concat(parts, -1);
      };
      const states = layer.recs.map((r, i) => (r.cell ? cellState(r.cell) : GetLastHiddenState.lastFrame(sources[i]!.value, node.sourceData[i]!.timeDim?.dynSize, r.direction)));
      const value = states.length === 1 ? states[0]! : layer.combine === 'add' ? states.reduce((a, b) => ops.add(a, b)) : ops.concat(states, -1);
      return { value };
    },
  });
}
