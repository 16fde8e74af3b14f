import { formatShape, ops, type Shape, type Tensor } from '@strata/backend';
import { type CallContext, Layer, type SymbolicShape } from '../layer.js';
import type { Data } from '../data.js';
import { InputShapeError, LayerArgumentError } from '../errors.js';
import type { LayerBuildContext, LayerSpec } from '../layer-spec.js';
import { many } from './util.js';

const isList = (s: SymbolicShape | SymbolicShape[]): s is SymbolicShape[] => Array.isArray(s[0]);

/**
 * RETURNN's `copy` layer: one input is passed through unchanged; several
 * inputs are concatenated along the last (feature) axis, in order (as RETURNN
 * does for several sources; Keras `Concatenate(axis=-1)`). No weights.
 *
 * Shape: `[batch, ..., f]` → the same; `[batch, ..., f1]`, `[batch, ..., f2]`, ... →
 * `[batch, ..., f1 + f2 + ...]`. All inputs share the dtype.
 * @throws InputShapeError if the inputs differ in rank or in any axis but the last.
 */
export class Copy extends Layer {
  static override readonly className: string = 'Copy';
  /** Acts on each frame alone, so an input mask passes through unchanged (seed `compute_mask`). */
  override readonly supportsMasking: boolean = true;

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const xs = many(inputs);
    if (xs.length === 1) return xs[0]!;
    this.computeOutputShape(xs.map((x) => x.shape));
    return ops.concat(xs, -1);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return isList(inputShape) ? concatShape(inputShape, this.name) : inputShape;
  }

}

/**
 * The shape of `shapes` concatenated along the last (feature) axis, as Copy
 * and RETURNN's multi-source layers join their inputs. `null` (unknown) sizes
 * match anything; an unknown feature size makes the sum unknown.
 * @throws InputShapeError naming `layer` if an input is missing or the other axes disagree.
 */
export function concatShape(shapes: readonly SymbolicShape[], layer: string): SymbolicShape {
  const [first, ...rest] = shapes;
  if (!first) throw new InputShapeError({ layer, expected: 'expected at least one input', received: [] });
  let last: number | null = first[first.length - 1] ?? null;
  for (const s of rest) {
    const agree = s.length === first.length && s.slice(0, -1).every((d, i) => d === null || first[i] === null || d === first[i]);
    if (!agree || s.length === 0) {
      throw new InputShapeError({
        layer,
        expected: `inputs to concatenate must agree in every axis but the last; the first input has shape ${formatShape(first as Shape)}`,
        received: s,
      });
    }
    const f = s[s.length - 1]!;
    last = last === null || f === null ? null : last + f;
  }
  return [...first.slice(0, -1), last];
}

/**
 * RETURNN's `copy` (several sources concatenated) and `dropout` (a copy; its
 * common `dropout` key drops its input in training, as every entry's does).
 */
export const copyLayer: LayerSpec = { cls: Copy, options: {}, netDict: { names: ['copy'], sources: 'list', acceptsSparse: true, outputData: sparseCopyData } };

/**
 * A copy of one sparse source is that source (class indices, RETURNN's `CopyLayer` keeps `sparse_dim`);
 * dense sources get the default template.
 * @throws LayerArgumentError for a sparse source among several (RETURNN cannot concatenate class indices).
 */
function sparseCopyData(c: LayerBuildContext): Data | undefined {
  if (!c.sources.some((s) => s.sparse)) return undefined;
  if (c.sources.length > 1) {
    throw new LayerArgumentError(`copy layer '${c.name}': a sparse source (class indices) must be its only source; RETURNN cannot concatenate class indices with other sources.`);
  }
  return c.sources[0]!.copy({ name: c.name });
}
export const dropoutCopyLayer: LayerSpec = { cls: Copy, options: {}, netDict: { names: ['dropout'], sources: 'concat' } };
