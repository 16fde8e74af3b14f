import {
  ActivationLayer,
  BatchNorm,
  Combine,
  Conv1D,
  Conv2D,
  Copy,
  Flatten,
  Linear,
  Pool2D,
  Softmax,
  SplitDims,
} from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { nOutOf } from './n-out.js';
import { type LayerCreateContext, registerNetDictClass } from './registry.js';

const pair = z.union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])]);
type Pair = number | [number, number];
const padding = z.enum(['same', 'valid']);

/** `n_out`, else the target's classes (+1 for the CTC blank). */
const needNOut = (ctx: LayerCreateContext): number => nOutOf(ctx, ctx.entry.loss === 'ctc' ? 1 : 0);

/**
 * The number of classes of a sparse source (a `linear` layer on class
 * indices is an embedding, as in RETURNN).
 * @throws NetDictError when sparse and dense sources are mixed.
 */
function sparseInputDim(c: LayerCreateContext): number | undefined {
  const sparse = c.sources.filter((s) => s.sparse);
  if (sparse.length === 0) return undefined;
  if (c.sources.length > 1) {
    throw new NetDictError(`Net dict entry '${c.name}': a sparse source (${sparse.map((s) => s.name).join(', ')}) must be the only source of a linear layer.`);
  }
  return sparse[0]!.dim ?? undefined;
}

const linearOptions = z.strictObject({ with_bias: z.boolean().optional() });

/**
 * Registers the net-dict classes of Strata's standard layers under their
 * RETURNN names: `linear`, `softmax`, `activation`, `copy`, `combine`,
 * `dropout`, `conv`, `pool`, `merge_dims`, `flatten`, `split_dims`, `batch_norm`.
 * Called once on import of @strata/network.
 */
export function registerStandardClasses(): void {
  registerNetDictClass('conv', {
    sources: 'concat',
    // A 1-D convolution over time gets the lengths to mask padded frames.
    seqLens: (layer) => layer instanceof Conv1D,
    options: z.strictObject({
      filter_size: z.union([pair, z.tuple([z.number().int().positive()])]),
      padding: padding.optional(),
      strides: z.union([pair, z.tuple([z.number().int().positive()])]).optional(),
      dilation_rate: z.union([pair, z.tuple([z.number().int().positive()])]).optional(),
      with_bias: z.boolean().optional(),
    }),
    create: (c) => {
      const fs = c.entry.filter_size as number | number[];
      const one = (v: unknown) => (Array.isArray(v) ? (v[0] as number) : (v as number | undefined));
      if (Array.isArray(fs) && fs.length === 1) {
        // RETURNN's conv with a 1-D filter_size runs over the time axis: [batch, time, features].
        return new Conv1D({
          name: c.name,
          filters: needNOut(c),
          kernelSize: fs[0]!,
          strides: one(c.entry.strides),
          dilationRate: one(c.entry.dilation_rate),
          padding: (c.entry.padding as 'same' | 'valid' | undefined) ?? 'same',
          activation: c.entry.activation ?? null,
          withBias: c.entry.with_bias as boolean | undefined,
        });
      }
      return new Conv2D({
        name: c.name,
        filters: needNOut(c),
        // Numbers or [height, width] pairs: Conv2D and Pool2D normalise them.
        kernelSize: c.entry.filter_size as Pair,
        strides: c.entry.strides as Pair | undefined,
        dilationRate: c.entry.dilation_rate as Pair | undefined,
        padding: (c.entry.padding as 'same' | 'valid' | undefined) ?? 'same',
        activation: c.entry.activation ?? null,
        withBias: c.entry.with_bias as boolean | undefined,
      });
    },
  });
  registerNetDictClass('pool', {
    sources: 'concat',
    options: z.strictObject({ mode: z.enum(['max', 'avg']), pool_size: pair, strides: pair.optional(), padding: padding.optional() }),
    create: (c) =>
      new Pool2D({
        name: c.name,
        mode: c.entry.mode as 'max' | 'avg',
        poolSize: c.entry.pool_size as Pair,
        strides: c.entry.strides as Pair | undefined,
        padding: (c.entry.padding as 'same' | 'valid' | undefined) ?? 'valid',
      }),
  });
  const flatten = {
    sources: 'concat' as const,
    // RETURNN's `axes`: Strata merges every axis after the batch axis, i.e. "except_batch" only.
    options: z.strictObject({ axes: z.literal('except_batch').optional() }),
    create: (c: LayerCreateContext) => new Flatten({ name: c.name }),
  };
  registerNetDictClass('merge_dims', flatten);
  registerNetDictClass('flatten', flatten);
  registerNetDictClass('split_dims', {
    sources: 'concat',
    options: z.strictObject({
      dims: z.array(z.number().int().refine((d) => d > 0 || d === -1, 'each dim must be positive or -1')),
      // RETURNN's "F" (the feature axis, the default) or an axis index after the batch axis.
      axis: z.union([z.literal('F'), z.number().int()]).optional(),
    }),
    create: (c) =>
      new SplitDims({ name: c.name, dims: c.entry.dims as number[], ...(typeof c.entry.axis === 'number' ? { axis: c.entry.axis } : {}) }),
  });
  registerNetDictClass('batch_norm', {
    sources: 'concat',
    options: z.strictObject({ momentum: z.number().gt(0).lt(1).optional(), epsilon: z.number().positive().optional() }),
    create: (c) => new BatchNorm({ name: c.name, momentum: c.entry.momentum as number | undefined, epsilon: c.entry.epsilon as number | undefined }),
  });
}
