import type { DataConfig } from '@strata/core';
import type { Dataset, Example } from '@strata/engine';

/**
 * A view of `dataset` whose sparse sequence `key` ends with an extra
 * end-of-sequence label `eos` (default: a new class after the last, so
 * `dim` grows by one), as attention decoders with an `end` layer need
 * (RETURNN's datasets add the EOS label to targets the same way).
 *
 * @throws Error if `key` is not a sparse sequence of the dataset.
 */
export function withEndOfSequence<D extends Dataset>(dataset: D, key = 'classes', eos?: number): D & { readonly eos: number } {
  const ext = dataset.extern[key];
  if (!ext?.sparse || !ext.shape?.includes(null) || ext.dim === undefined) {
    throw new Error(`withEndOfSequence: '${key}' of ${dataset.name} is not a sparse sequence ({sparse: true, shape: [null]}).`);
  }
  const id = eos ?? ext.dim;
  const extern: Record<string, DataConfig> = { ...dataset.extern, [key]: { ...ext, dim: Math.max(ext.dim, id + 1) } };
  const view = Object.create(dataset) as D & { eos: number };
  Object.defineProperties(view, {
    extern: { value: extern },
    eos: { value: id },
    example: {
      value: (i: number): Example => {
        const ex = dataset.example(i);
        const seq = ex[key] as Int32Array;
        const out = new Int32Array(seq.length + 1);
        out.set(seq);
        out[seq.length] = id;
        return { ...ex, [key]: out };
      },
    },
  });
  return view;
}
