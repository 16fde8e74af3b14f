import { ops, type Tensor } from '@strata/backend';
import { Copy, Data, Dim } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { type EvalEnv, type NetDictNode, sourceLens } from './net-dict-node.js';
import type { NetDictNetwork } from './net-dict-network.js';
import { registerNetDictClass } from './registry.js';

/**
 * Where chunk frames come from (RETURNN's native `Chunking` op, returnn/native_op.py):
 * `n_chunks = floor(max(T - size + step - 1, 0) / step) + 1`; output row
 * `y = b * n_chunks + c` (batch-major, chunks inner), frame `x` reads input
 * frame `step * c + x` of sequence `b`.
 * @returns `n_chunks`, and per output frame (row-major `[B * n_chunks, size]`) its batch `b` and input frame.
 */
export function chunkPlan(batch: number, time: number, size: number, step: number): { nChunks: number; b: Int32Array; inX: Int32Array } {
  const nChunks = Math.floor(Math.max(time - size + step - 1, 0) / step) + 1;
  const n = batch * nChunks * size;
  const b = new Int32Array(n);
  const inX = new Int32Array(n);
  for (let y = 0; y < batch * nChunks; y++) {
    for (let x = 0; x < size; x++) {
      b[y * size + x] = Math.floor(y / nChunks);
      inX[y * size + x] = step * (y % nChunks) + x;
    }
  }
  return { nChunks, b, inX };
}

/**
 * RETURNN's `TimeChunkingLayer` (`class: "time_chunking"`, returnn/tf/layers/basic.py):
 * the time axis cut into windows of `chunk_size` frames every `chunk_step`
 * frames, each window a sequence of its own: `[B, T, F]` →
 * `[B * n_chunks, chunk_size, F]`, rows batch-major (sequence `b`'s chunks are
 * rows `b * n_chunks ... b * n_chunks + n_chunks - 1`). Frames past a
 * sequence's length are zeros; each chunk's length is its number of valid
 * frames (0 for a chunk after the sequence's end). The batch axis changes,
 * so only layers that treat rows independently should follow.
 */
export function registerTimeChunkingClass(): void {
  registerNetDictClass('time_chunking', {
    sources: 'concat',
    options: z.strictObject({
      chunk_size: z.number().int().positive({ error: 'must be a positive integer (frames per chunk)' }),
      chunk_step: z.number().int().positive({ error: 'must be a positive integer (frames between chunk starts)' }),
      axis: z.literal('T', { error: 'only "T" (the time axis) is supported' }).optional(),
    }),
    create: (c) => {
      const src = c.sources[0]!;
      if (c.sources.length !== 1 || src.timeDim === undefined || src.dims.indexOf(src.timeDim) !== 0 || src.dims.length !== 2) {
        throw new NetDictError(`Net dict entry '${c.name}' (class 'time_chunking'): takes one source [B, T, F] (time first, one feature axis). Received: ${c.sources.map(String).join(', ')}.`);
      }
      return new Copy({ name: c.name });
    },
    outputData: (c) => {
      const src = c.sources[0]!;
      return new Data({ name: c.name, dims: [new Dim({ description: `${c.name}:chunking`, derivedFrom: src.timeDim }), ...src.dims.slice(1)], dtype: src.dtype });
    },
    evaluate: (env) => {
      const size = env.node.entry.chunk_size as number;
      const step = env.node.entry.chunk_step as number;
      const x = env.sources[0]!.value;
      const [batch, time, features] = x.shape as [number, number, number];
      const plan = chunkPlan(batch, time, size, step);
      const rows = batch * plan.nChunks;
      const lens = sourceLens(env) ?? ops.fill([batch], time, 'int32');
      const inX = ops.tensor(plan.inX, [rows, size], 'int32');
      const valid = ops.less(inX, ops.reshape(ops.gather(lens, ops.tensor(plan.b, [rows * size], 'int32')), [rows, size]));
      const flat = Int32Array.from(plan.inX, (t, i) => plan.b[i]! * time + Math.min(t, time - 1));
      const frames = ops.reshape(ops.gather(ops.reshape(x, [batch * time, features]), ops.tensor(flat, [rows * size], 'int32')), [rows, size, features]);
      const mask = ops.cast(valid, 'float32');
      const value: Tensor = ops.mul(frames, ops.reshape(mask, [rows, size, 1]));
      return { value, seqLens: ops.cast(ops.sum(mask, [1]), 'int32') };
    },
  });
}

/** The value a chunking layer chunked (its source), in this forward pass. */
function chunkedInput(chunking: NetDictNode, env: EvalEnv): Tensor {
  const s = chunking.sources[0]!;
  const v = s.kind === 'data' ? env.inputs[s.key] : s.kind === 'layer' ? env.outs.get(s.name)?.value : undefined;
  if (!v) throw new NetDictError(`time_unchunking layer '${env.node.name}': the input of chunking layer '${chunking.name}' must be a layer or extern data of the same network.`);
  return v;
}

/**
 * RETURNN's `TimeUnChunkingLayer` (`class: "time_unchunking"`, `chunking_layer`:
 * the `time_chunking` layer whose chunks come in): `[B * n_chunks, chunk_size, F]`
 * back to `[B, T, F]` with the chunking layer's input's time axis (its
 * lengths). A frame covered by several chunks is their mean (RETURNN's native
 * `UnChunking`: "the mean of all overlaps per frame"); only valid chunk frames count.
 * Several `from` sources are joined on the feature axis first (RETURNN's `input_data`).
 * Computed as one matMul with the 0/1 matrix of frame positions, `[B·T, B·n_chunks·size]`.
 */
export function registerTimeUnchunkingClass(): void {
  const chunkingOf = new WeakMap<object, NetDictNode>();
  registerNetDictClass('time_unchunking', {
    sources: 'concat',
    refKeys: ['chunking_layer'],
    options: z.strictObject({ chunking_layer: z.string({ error: 'must name the time_chunking layer' }) }),
    create: (c) => {
      const name = c.entry.chunking_layer as string;
      const chunking = (c.network as NetDictNetwork).graph.nodes.get(name);
      if (!chunking || chunking.entry.class !== 'time_chunking') {
        throw new NetDictError(`Net dict entry '${c.name}' (class 'time_unchunking'): "chunking_layer": ${JSON.stringify(name)} must name a layer of class 'time_chunking'.`);
      }
      const layer = new Copy({ name: c.name });
      chunkingOf.set(layer, chunking);
      return layer;
    },
    outputData: (c) => {
      const chunking = chunkingOf.get(c.layer)!;
      // The `from` sources (the last source is the chunking_layer ref), joined on the feature axis as RETURNN's input_data is.
      const from = c.sources.slice(0, -1);
      const src = from[0]!;
      const features = from.map((d) => d.dims.at(-1)!.size);
      const feature =
        from.length === 1 ? src.dims.at(-1)! : new Data({ name: c.name, dims: [], dtype: src.dtype }).withShape(c.name, [features.every((f) => f !== null) ? (features as number[]).reduce((a, b) => a + b, 0) : null]).dims[0]!;
      return chunking.sourceData[0]!.copy({ name: c.name, dims: [chunking.sourceData[0]!.dims[0]!, ...src.dims.slice(1, -1), feature], dtype: src.dtype });
    },
    evaluate: (env) => {
      const chunking = chunkingOf.get(env.node.layer)!;
      const orig = chunkedInput(chunking, env);
      const [batch, time] = orig.shape as [number, number];
      const size = chunking.entry.chunk_size as number;
      const plan = chunkPlan(batch, time, size, chunking.entry.chunk_step as number);
      const parts = env.sources.slice(0, env.node.nFrom).map((o) => o.value);
      const x = parts.length === 1 ? parts[0]! : ops.concat(parts, 2);
      const rows = batch * plan.nChunks;
      if (x.shape[0] !== rows || x.shape[1] !== size) {
        throw new NetDictError(`time_unchunking layer '${env.node.name}': expected chunks [${rows}, ${size}, ...] of '${chunking.name}'. Received: [${x.shape}].`);
      }
      const features = x.shape[2]!;
      const lens = sourceLens(env) ?? ops.fill([rows], size, 'int32');
      const frame = ops.tensor(Int32Array.from({ length: rows * size }, (_, i) => i % size), [rows, size], 'int32');
      const mask = ops.reshape(ops.cast(ops.less(frame, ops.reshape(lens, [rows, 1])), 'float32'), [rows * size, 1]);
      const flat = Int32Array.from(plan.inX, (t, i) => (t < time ? plan.b[i]! * time + t : batch * time));
      const place = ops.slice(ops.oneHot(ops.tensor(flat, [rows * size], 'int32'), batch * time + 1), [0, 0], [rows * size, batch * time]);
      const sum = ops.matMul(place, ops.mul(ops.reshape(x, [rows * size, features]), mask), true, false);
      const count = ops.matMul(place, mask, true, false);
      return { value: ops.reshape(ops.div(sum, ops.maximum(count, 1)), [batch, time, features]) };
    },
  });
}
