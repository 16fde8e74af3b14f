import { ops } from '@strata/backend';
import {
  Copy,
  Data,
  Dim,
  Gather,
  LayerNorm,
  Length,
  PositionalEncoding,
  PostfixInTime,
  PrefixInTime,
  REDUCE_MODES,
  Reduce,
  type ReduceMode,
  SelfAttention,
  Slice,
  Window,
} from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { registerNetDictClass } from './registry.js';

/**
 * Registers net-dict classes that reshape the time axis: `resize` (RETURNN
 * `ResizeLayer` with `kind: "fill"` on the time axis: each frame repeated
 * `factor` times, lengths multiplied), used e.g. to give CTC more frames
 * than labels.
 */
export function registerTimeClasses(): void {
  registerNetDictClass('resize', {
    sources: 'concat',
    options: z.strictObject({ factor: z.number().int().positive(), axis: z.literal('T').optional(), kind: z.literal('fill').optional() }),
    create: (c) => new Copy({ name: c.name }),
    outputData: (c) => {
      const src = c.sources[0]!;
      if (!src.shape.includes(null)) throw new NetDictError(`resize '${c.name}': its source '${src.name}' has no time axis.`);
      return new Data(c.name, [new Dim(`${c.name}:time`, null, 'spatial'), ...src.dims.slice(1)], src.dtype, src.sparseDim);
    },
    evaluate: ({ node, sources }) => {
      const { value: x, seqLens } = sources[0]!;
      const factor = (node.entry as { factor?: number }).factor!;
      const [batch, time, ...rest] = x.shape;
      const expanded = ops.reshape(x, [batch!, time!, 1, ...rest]);
      const repeated = ops.concat(Array.from({ length: factor }, () => expanded), 2);
      return {
        value: ops.reshape(repeated, [batch!, time! * factor, ...rest]),
        seqLens: seqLens ? ops.mul(seqLens, ops.scalar(factor, 'int32')) : undefined,
      };
    },
  });
}

const axisOption = z.union([z.enum(['T', 'F']), z.number().int()]);

/**
 * Registers the time-axis layers of @strata/core under their RETURNN names:
 * `window`, `reduce`, `layer_norm`, `positional_encoding`, `prefix_in_time`,
 * `postfix_in_time`, `slice`, `length`, `gather`, `self_attention`. Each
 * gets its input's sequence lengths for masking.
 */
export function registerSequenceLayerClasses(): void {
  const withLens = { sources: 'concat' as const, seqLens: 'input' as const };
  registerNetDictClass('window', {
    ...withLens,
    options: z.strictObject({ window_size: z.number().int().positive(), window_left: z.number().int().nonnegative().optional(), window_right: z.number().int().nonnegative().optional(), padding: z.enum(['same', 'valid']).optional() }),
    create: (c) => new Window({ name: c.name, windowSize: c.entry.window_size as number, windowLeft: c.entry.window_left as number | undefined, windowRight: c.entry.window_right as number | undefined, padding: c.entry.padding as 'same' | 'valid' | undefined }),
  });
  registerNetDictClass('reduce', {
    ...withLens,
    options: z.strictObject({ mode: z.enum(REDUCE_MODES), axis: axisOption.optional(), axes: axisOption.optional(), keep_dims: z.boolean().optional() }),
    create: (c) => new Reduce({ name: c.name, mode: c.entry.mode as ReduceMode, axis: (c.entry.axis ?? c.entry.axes ?? 'T') as 'T' | 'F' | number, keepDims: c.entry.keep_dims as boolean | undefined }),
  });
  registerNetDictClass('layer_norm', {
    ...withLens,
    options: z.strictObject({ epsilon: z.number().positive().optional() }),
    create: (c) => new LayerNorm({ name: c.name, epsilon: c.entry.epsilon as number | undefined }),
  });
  registerNetDictClass('positional_encoding', {
    ...withLens,
    options: z.strictObject({ add_to_input: z.boolean().optional() }),
    create: (c) => new PositionalEncoding({ name: c.name, addToInput: c.entry.add_to_input as boolean | undefined, units: c.entry.n_out }),
  });
  const inTime = z.strictObject({ repeat: z.number().int().positive().optional(), prefix: z.number().optional(), postfix: z.number().optional() });
  registerNetDictClass('prefix_in_time', {
    ...withLens,
    options: inTime,
    create: (c) => new PrefixInTime({ name: c.name, repeat: c.entry.repeat as number | undefined, prefix: c.entry.prefix as number | undefined }),
  });
  registerNetDictClass('postfix_in_time', {
    ...withLens,
    options: inTime,
    create: (c) => new PostfixInTime({ name: c.name, repeat: c.entry.repeat as number | undefined, postfix: c.entry.postfix as number | undefined }),
  });
  registerNetDictClass('slice', {
    ...withLens,
    options: z.strictObject({ axis: axisOption, slice_start: z.number().int().optional(), slice_end: z.number().int().nullable().optional(), slice_step: z.number().int().optional() }),
    create: (c) => new Slice({ name: c.name, axis: c.entry.axis as 'T' | 'F' | number, start: c.entry.slice_start as number | undefined, end: c.entry.slice_end as number | null | undefined, step: c.entry.slice_step as number | undefined }),
  });
  registerNetDictClass('length', {
    ...withLens,
    acceptsSparse: true,
    create: (c) => new Length({ name: c.name }),
    outputData: (c) => new Data(c.name, [], 'int32'),
  });
  registerNetDictClass('gather', {
    sources: 'concat',
    acceptsSparse: true,
    refKeys: ['position'],
    options: z.strictObject({ axis: axisOption, position: z.string() }),
    create: (c) => new Gather({ name: c.name, axis: c.entry.axis as 'T' | 'F' | number }),
    evaluate: ({ node, sources }) => ({ value: node.layer.apply([sources[0]!.value, sources[1]!.value]) }),
  });
  registerNetDictClass('self_attention', {
    ...withLens,
    options: z.strictObject({ num_heads: z.number().int().positive(), total_key_dim: z.number().int().positive(), attention_left_only: z.boolean().optional() }),
    create: (c) =>
      new SelfAttention({
        name: c.name,
        numHeads: c.entry.num_heads as number,
        totalKeyDim: c.entry.total_key_dim as number,
        units: c.entry.n_out ?? c.sources[0]!.dim!,
        attentionLeftOnly: c.entry.attention_left_only as boolean | undefined,
      }),
  });
}
