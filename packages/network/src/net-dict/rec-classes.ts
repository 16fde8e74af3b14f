import { ops, type Tensor } from '@strata/backend';
import { Copy, Data, type RnnCell, rnnCellLayer, sequenceMask, UNIT_ALIASES } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { type EvalEnv, firstSourceLens, type LayerCreateContext, type LayerOutput, sourceLens } from './layer-node.js';
import type { NetDictNetwork } from './net-dict-network.js';
import { nOutOf } from './n-out.js';
import { RecUnit } from './rec-unit.js';
import { registerNetDictClass } from './registry.js';
import { netDictClassOf } from './spec-class.js';
import { chooseStep, isSearchContext, runSearch } from './rec-search.js';

/** Lengths of the time axis of the first source that has them. */

/** Softmax over axis 1 (time) where padded frames get probability 0. */
export function maskedSoftmaxOverTime(x: Tensor, lens: Tensor | undefined): Tensor {
  if (!lens) return ops.softmax(x, 1);
  const mask = ops.reshape(sequenceMask(lens, x.shape[1]!), [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)]);
  const masked = ops.where(ops.greater(mask, 0), x, ops.fill(x.shape, -1e30));
  return ops.mul(ops.softmax(masked, 1), mask);
}

const frameTemplate = (name: string, shape: (number | null)[], dtype: Data['dtype'] = 'float32') => new Data({ name, dims: [], dtype: 'float32' }).withShape(name, shape, dtype);

/**
 * Registers the sequence classes of RETURNN nets: `rec` (a cell over time,
 * or a unit net dict), `rnn_cell`, `choice`, `decide`, `compare`,
 * `softmax_over_spatial`, `dot_attention`, `generic_attention`, `reduce_out`.
 */
export function registerRecClasses(): void {
  // `rec` with a unit net dict (a sub-network per frame); with a cell name (`"lstm"`) it is core's `Rec` (recLayer).
  registerNetDictClass('rec', {
    sources: 'concat',
    optionalSources: true,
    searchChoices: (layer) => layer instanceof RecUnit && [...layer.unitGraph.nodes.values()].some((n) => n.entry.class === 'choice'),
    seqLens: 'input',
    options: z.strictObject({
      unit: z.record(z.string(), z.unknown(), { error: `must be a unit net dict (an object of layer entries) or a cell name (${Object.keys(UNIT_ALIASES).join(', ')})` }),
      // A number of frames (RETURNN's string forms such as "max_len_from('base:encoder')" are not evaluated;
      // without max_seq_len a search stops at twice the longest base: sequence plus 10).
      max_seq_len: z.number().int().positive().optional(),
    }),
    create: (c) => {
      const unit = c.entry.unit as Record<string, unknown>;
      return new RecUnit({
        name: c.name,
        unit: unit as never,
        parent: c.network as NetDictNetwork,
        sources: c.sources,
        target: (c.entry.target as string | undefined) ?? (c.sources.length ? undefined : (c.network as NetDictNetwork).externData.defaultTarget),
        maxSeqLen: c.entry.max_seq_len as number | undefined,
      });
    },
    outputData: (c) => {
      if (!(c.layer instanceof RecUnit)) return undefined;
      const f = c.layer.frameOutput;
      return new Data({ name: c.name, dims: [c.layer.timeDim, ...f.dims], dtype: f.dtype, sparseDim: f.sparseDim });
    },
    evaluate: (env) => {
      const unit = env.node.layer as RecUnit;
      const search = (env.ctx as { search?: boolean }).search ?? false;
      return search && !unit.hasSources ? runSearch(unit, env) : unit.run(env);
    },
  });

  // One frame of a cell (core's RnnCell, its options from rnnCellLayer); the state goes from frame to frame as `state:<layer>:<i>`.
  registerNetDictClass('rnn_cell', {
    ...netDictClassOf(rnnCellLayer),
    evaluate: ({ node, sources, inputs, outs }) => {
      const cell = node.layer as RnnCell;
      const xs = sources.map((s) => s.value);
      const x = xs.length === 1 ? xs[0]! : ops.concat(xs, -1);
      const keys = Array.from({ length: cell.cell.numStates }, (_, i) => `state:${node.name}:${i}`);
      const prev = keys.every((k) => inputs[k]) ? keys.map((k) => inputs[k]!) : cell.initialState(x.shape[0]!);
      const { output, states } = cell.step(x, prev);
      states.forEach((s, i) => outs.set(keys[i]!, { value: s }));
      return { value: output };
    },
  });

  registerNetDictClass('choice', {
    sources: 'concat',
    searchChoices: true,
    options: z.strictObject({
      beam_size: z.number().int().positive(),
      length_normalization: z.boolean().optional(),
      input_type: z.enum(['prob', 'log_prob']).optional(),
    }),
    create: (c) => new Copy({ name: c.name }),
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

  registerNetDictClass('compare', {
    sources: 'concat',
    acceptsSparse: true,
    options: z.strictObject({ value: z.number(), kind: z.enum(['equal', 'not_equal', 'less', 'greater']).optional() }),
    create: (c) => new Copy({ name: c.name }),
    outputData: (c) => c.sources[0]!.copy({ name: c.name, dtype: 'bool', sparseDim: undefined }),
    evaluate: ({ node, sources }) => {
      const x = sources[0]!.value;
      const v = ops.fill([], (node.entry as { value?: number }).value ?? 0, x.dtype as 'float32');
      const kind = (node.entry as { kind?: string }).kind ?? 'equal';
      const eq = () => ops.equal(x, v);
      const value =
        kind === 'less' ? ops.less(x, v) : kind === 'greater' ? ops.greater(x, v) : kind === 'not_equal' ? ops.equal(ops.cast(eq(), 'int32'), ops.scalar(0, 'int32')) : eq();
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

  registerNetDictClass('softmax_over_spatial', {
    sources: 'concat',
    create: (c) => new Copy({ name: c.name }),
    outputData: (c) => c.sources[0]!.copy({ name: c.name }),
    evaluate: (env) => ({ value: maskedSoftmaxOverTime(env.sources[0]!.value, firstSourceLens(env)) }),
  });

  registerNetDictClass('dot_attention', {
    sources: 'concat',
    refKeys: ['base', 'base_ctx'],
    options: z.strictObject({ base: z.string(), base_ctx: z.string() }),
    create: (c) => new Copy({ name: c.name }),
    outputData: (c) => frameTemplate(c.name, [c.sources[1]!.dim]),
    evaluate: (env) => {
      const [query, values, keys] = env.sources as [LayerOutput, LayerOutput, LayerOutput];
      const q = ops.reshape(query.value, [query.value.shape[0]!, 1, query.value.shape[query.value.shape.length - 1]!]);
      const energy = ops.sum(ops.mul(keys.value, q), [-1]);
      const weights = maskedSoftmaxOverTime(energy, sourceLens(env, 2) ?? sourceLens(env, 1));
      return { value: ops.sum(ops.mul(ops.reshape(weights, [...weights.shape, 1]), values.value), [1]) };
    },
  });

  registerNetDictClass('generic_attention', {
    sources: 'none',
    refKeys: ['weights', 'base'],
    options: z.strictObject({ weights: z.string(), base: z.string() }),
    create: (c) => new Copy({ name: c.name }),
    outputData: (c) => frameTemplate(c.name, c.sources[1]!.shape.slice(1)),
    evaluate: ({ sources }) => {
      const [w, base] = sources as [LayerOutput, LayerOutput];
      let weights = w.value;
      while (weights.shape.length < base.value.shape.length) weights = ops.reshape(weights, [...weights.shape, 1]);
      return { value: ops.sum(ops.mul(weights, base.value), [1]) };
    },
  });

  registerNetDictClass('reduce_out', {
    sources: 'concat',
    options: z.strictObject({ mode: z.enum(['max', 'sum']), num_pieces: z.number().int().positive() }),
    create: (c) => new Copy({ name: c.name }),
    outputData: (c) => {
      const f = c.sources[0]!.dim ?? 0;
      const p = c.entry.num_pieces as number;
      if (f % p !== 0) throw new NetDictError(`reduce_out '${c.name}': ${f} features do not split into ${p} pieces.`);
      return frameTemplate(c.name, [...c.sources[0]!.shape.slice(0, -1), f / p]);
    },
    evaluate: (env) => {
      const { node, sources } = env;
      const x = sources[0]!.value;
      const p = (node.entry as { num_pieces?: number }).num_pieces!;
      const split = ops.reshape(x, [...x.shape.slice(0, -1), x.shape[x.shape.length - 1]! / p, p]);
      const mode = (node.entry as { mode?: string }).mode;
      return { value: mode === 'max' ? ops.max(split, [-1]) : ops.sum(split, [-1]), seqLens: sourceLens(env) };
    },
  });
}
