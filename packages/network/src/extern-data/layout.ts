import { ops, type Tensor } from '@strata/backend';
import { type DataLayout, sizeKey } from '@strata/core';

/** Batches already in the canonical order (made by {@link canonicalBatch}): not transposed again. */
const canonical = new WeakSet<object>();

/**
 * A batch given in the declared layout of its `extern_data` entries (RETURNN's
 * axis order: `batch_dim_axis: 1` time-major, `shape: [5, null]` features
 * first) in Strata's canonical order (batch first, feature last, see
 * `canonicalDataConfig`): each such key's value transposed, its lengths
 * `<key>:size<declared axis>` renamed to `<key>:size<canonical axis>`.
 * Keys whose layout is already canonical, and a batch this returned, are
 * passed on as they are.
 */
export function canonicalBatch(layouts: ReadonlyMap<string, DataLayout>, batch: Readonly<Record<string, Tensor>>): Readonly<Record<string, Tensor>> {
  if (layouts.size === 0 || canonical.has(batch)) return batch;
  const out: Record<string, Tensor> = { ...batch };
  let changed = false;
  for (const [key, layout] of layouts) {
    const x = batch[key];
    if (x === undefined) continue;
    if (x.shape.length === layout.toCanonical.length) out[key] = ops.transpose(x, [...layout.toCanonical]);
    if (layout.hasBatch) {
      const sizes = layout.toCanonical.map((a) => batch[sizeKey(key, a)]);
      for (const a of layout.toCanonical) delete out[sizeKey(key, a)];
      sizes.forEach((s, i) => {
        if (s) out[sizeKey(key, i)] = s;
      });
    }
    changed = true;
  }
  if (!changed) return batch;
  canonical.add(out);
  return out;
}
