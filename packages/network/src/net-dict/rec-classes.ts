import { ops, type Tensor } from '@strata/backend';
import { Copy, Data, type DimJson, isDimJson, type RnnCell, rnnCellLayer, UNIT_ALIASES } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import type { EvalEnv, EvalResult, LayerOutput } from './net-dict-node.js';
import type { NetDictNetwork } from './net-dict-network.js';
import { parseMaxSeqLen } from './rec-max-seq-len.js';
import { RecUnit } from './rec-unit.js';
import { explicitState, stateRefCount } from './rec-single-step.js';
import { registerSelfAttentionStep } from './self-attention-step.js';
import { registerNetDictClass } from './registry.js';
import { netDictClassOf } from './spec-class.js';
import { chooseStep, isSearchContext, runSearch } from './rec-search.js';

/**
 * RETURNN RecLayer `back_prop: false` (its unit's `tf.while_loop(back_prop=False)`): no gradient flows through the
 * frame loop, so the rec output and its unit's stacked layers (`<rec>/<layer>`, their losses) stop the gradient; the
 * unit's params and the rec layer's sources get none from them. RETURNN still back-propagates through unit layers its
 * `optimize_move_layers_out` computes outside the loop; Strata runs every unit layer in the loop.
 */
function withoutBackProp(env: EvalEnv, r: EvalResult): EvalResult {
  if ((env.node.entry as { back_prop?: boolean | null }).back_prop !== false) return r;
  const stop = (t: Tensor | undefined) => (t ? ops.stopGradient(t) : undefined);
  for (const [k, v] of env.outs) if (k.startsWith(`${env.node.name}/`)) env.outs.set(k, { ...v, value: ops.stopGradient(v.value), logits: stop(v.logits) });
  return { ...r, value: ops.stopGradient(r.value), logits: stop(r.logits) };
}

/**
 * Registers the classes of RETURNN nets that drive a rec layer's frame loop
 * and search: `rec` with a unit net dict (with a cell name it is core's
 * `Rec`), `rnn_cell` (its state passed from frame to frame), `choice` and
 * `decide`. The other layers of RETURNN's attention decoders (`compare`,
 * `softmax_over_spatial`, `dot_attention`, `generic_attention`, `reduce_out`)
 * are ordinary layers of @strata/core with their net-dict specs.
 */
export function registerRecClasses(): void {
  registerSelfAttentionStep();
  // `rec` with a unit net dict (a sub-network per frame); with a cell name (`"lstm"`) it is core's `Rec` (recLayer).
  registerNetDictClass('rec', {
    sources: 'concat',
    optionalSources: true,
    // RETURNN's subnetwork units take sparse sources as they are (`data:source` is class indices; the unit's layers embed them).
    acceptsSparse: true,
    searchChoices: (layer) => layer instanceof RecUnit && [...layer.unitGraph.nodes.values()].some((n) => n.entry.class === 'choice'),
    seqLens: 'input',
    // RETURNN max_seq_len_via: a layer (scalar) giving the most frames; a dependency after the `from` sources.
    refListKeys: ['max_seq_len_via'],
    options: z.strictObject({
      unit: z.record(z.string(), z.unknown(), { error: `must be a unit net dict (an object of layer entries) or a cell name (${Object.keys(UNIT_ALIASES).join(', ')})` }),
      // RETURNN: move layers that do not depend on the frame out of the loop, an optimisation that gives the same numbers (Strata runs every unit layer per frame).
      optimize_move_layers_out: z.boolean().optional(),
      // A number of frames, or RETURNN's string form such as "max_len_from('base:encoder') * 3" (see parseMaxSeqLen);
      // without max_seq_len a search stops at twice the longest base: sequence plus 10.
      // RETURNN RecLayer: under search, whether a sequence's length counts the frame where "end" is true (default false).
      include_eos: z.boolean().optional(),
      // RETURNN RecLayer: back_prop of the unit's tf.while_loop (default: true in training); false gives no gradient through the loop.
      back_prop: z.boolean().nullable().optional(),
      max_seq_len_via: z.string().optional(),
      // Without sources, the Dim (JSON form, kept by dim-options.ts) the loop runs over: an extern data's time axis, or a new one an "end" layer ends.
      axis: z.custom<DimJson>((v) => isDimJson(v), { error: "must be a Dim (with a source: the source's time axis)" }).optional(),
      max_seq_len: z.union([z.number().int().positive(), z.string()], { error: 'must be a positive integer or a string such as "max_len_from(\'base:encoder\') * 3"' }).optional(),
    }),
    create: (c) => {
      const unit = c.entry.unit as Record<string, unknown>;
      if (c.entry.max_seq_len_via !== undefined && c.entry.max_seq_len !== undefined) {
        throw new NetDictError(`Rec layer '${c.name}' has both "max_seq_len" and "max_seq_len_via"; give one (RETURNN asserts the same).`);
      }
      const sources = c.entry.max_seq_len_via !== undefined ? c.sources.slice(0, -1) : c.sources;
      return new RecUnit({
        name: c.name,
        unit: unit as never,
        parent: c.network as NetDictNetwork,
        sources,
        target: (c.entry.target as string | undefined) ?? (sources.length ? undefined : (c.network as NetDictNetwork).externData.defaultTarget),
        maxSeqLenVia: c.entry.max_seq_len_via as string | undefined,
        axis: c.entry.axis as DimJson | undefined,
        includeEos: c.entry.include_eos as boolean | undefined,
        maxSeqLen: typeof c.entry.max_seq_len === 'string' ? parseMaxSeqLen(c.entry.max_seq_len, `network.${c.name}.max_seq_len`, (c.network as NetDictNetwork).graph) : (c.entry.max_seq_len as number | undefined),
      });
    },
    outputData: (c) => {
      if (!(c.layer instanceof RecUnit)) return undefined;
      const f = c.layer.frameOutput;
      return new Data({ name: c.name, dims: [c.layer.timeDim, ...f.dims], dtype: f.dtype, sparseDim: f.sparseDim, hasBatch: f.hasBatch });
    },
    evaluate: (env) => {
      const unit = env.node.layer as RecUnit;
      const search = (env.ctx as { search?: boolean }).search ?? false;
      // Search runs where the unit makes choices: over the target's frames when stepping over no input, else over the input's.
      const choices = [...unit.unitGraph.nodes.values()].some((n) => n.entry.class === 'choice');
      if (!search || (unit.hasSources && !choices)) return withoutBackProp(env, unit.run(env));
      const result = runSearch(unit, env);
      unit.checkSubLayerOutputs(env.outs);
      return withoutBackProp(env, result);
    },
  });

  // One frame of a cell (core's RnnCell, its options from rnnCellLayer); the state goes from frame to frame as `state:<layer>:<i>`,
  // or is given by `state` (RETURNN LayerBase `state`: layers, an LSTM's as {"h": ..., "c": ...}), after the `from` sources.
  const cellClass = netDictClassOf(rnnCellLayer);
  registerNetDictClass('rnn_cell', {
    ...cellClass,
    refListKeys: ['state'],
    create: (c) => {
      const { state, ...entry } = c.entry as Record<string, unknown>;
      const n = stateRefCount(state);
      return cellClass.create({ ...c, entry: entry as typeof c.entry, sources: n ? c.sources.slice(0, -n) : c.sources });
    },
    evaluate: ({ node, sources, inputs, outs, ctx }) => {
      const cell = node.layer as RnnCell;
      const xs = sources.slice(0, node.nFrom).map((s) => s.value);
      const x = xs.length === 1 ? xs[0]! : ops.concat(xs, -1);
      const keys = Array.from({ length: cell.cell.numStates }, (_, i) => `state:${node.name}:${i}`);
      const given = explicitState(node.name, (node.entry as { state?: unknown }).state, sources.slice(node.nFrom).map((s) => s.value), cell.cell.numStates);
      const prev = given ?? (keys.every((k) => inputs[k]) ? keys.map((k) => inputs[k]!) : cell.initialState(cell.positions(x)));
      const { output, states } = cell.step(x, prev, ctx);
      states.forEach((s, i) => outs.set(keys[i]!, { value: s }));
      return { value: output };
    },
  });

  registerNetDictClass('choice', {
    sources: 'concat',
    searchChoices: true,
    // RETURNN's explicit_search_source(s): layers whose search choices this choice follows, added to its dependencies.
    // Strata's search (rec-search.ts) runs one choice per unit, which always extends the hypotheses of the previous
    // frame (`prev:<choice>`, what RETURNN's tests name here); other named layers are constructed before it and run in its frame.
    refListKeys: ['explicit_search_source', 'explicit_search_sources'],
    options: z.strictObject({
      beam_size: z.number().int().positive(),
      length_normalization: z.boolean().optional(),
      input_type: z.enum(['prob', 'log_prob']).optional(),
      explicit_search_source: z.string().optional(),
      explicit_search_sources: z.union([z.array(z.string()), z.record(z.string(), z.string())], { error: 'must be a list of layer names or a dict of name -> layer name' }).optional(),
    }),
    create: (c) => {
      if (c.entry.explicit_search_source !== undefined && c.entry.explicit_search_sources !== undefined) {
        throw new NetDictError(`Choice layer '${c.name}' has both "explicit_search_source" and "explicit_search_sources"; give one (RETURNN asserts the same).`);
      }
      return new Copy({ name: c.name });
    },
    outputData: (c) => {
      if (!c.target?.sparse) throw new NetDictError(`Choice layer '${c.name}' needs a sparse "target" (e.g. "classes").`);
      return c.target.copy({ name: c.name });
    },
    evaluate: (env): LayerOutput => {
      const { node, inputs, ctx } = env;
      if (isSearchContext(ctx)) return chooseStep(env, ctx.beamState, inputs as Record<string, Tensor>);
      const target = node.entry.target ?? 'classes';
      const value = inputs[target];
      if (!value) {
        throw new NetDictError(`Choice layer '${node.name}': target '${target}' is not in the batch; without targets the rec layer must run a search.`);
      }
      return { value };
    },
  });

  registerNetDictClass('decide', {
    sources: 'concat',
    acceptsSparse: true,
    searchOnly: true,
    options: z.strictObject({ length_normalization: z.boolean().optional() }),
    create: (c) => new Copy({ name: c.name }),
    outputData: (c) => c.sources[0]!.copy({ name: c.name }),
    // The rec layer's search already returns the best hypothesis per sequence; in training it is the target.
    evaluate: ({ sources }) => ({ value: sources[0]!.value }),
  });
}
