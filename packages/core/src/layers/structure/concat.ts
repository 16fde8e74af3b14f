import { ops, type Tensor } from '@strata/backend';
import { z } from 'zod';
import { Dim } from '../../data.js';
import { InputShapeError, LayerArgumentError } from '../../errors.js';
import { type CallContext, Layer, type LayerArgs, type LayerConfig, type SymbolicShape } from '../../layer.js';
import { type LayerBuildContext, type LayerOptions, type LayerSpec, option, resolveArgs } from '../../layer-spec.js';
import { axesInData } from '../shape/axis-in-data.js';

/** Arguments of {@link Concat}. */
export interface ConcatArgs extends LayerArgs {
  /** Per input, the concatenated axis, an index >= 1 counted with the batch axis (0 only for inputs without one). All must be the same index. */
  axes: number[];
}

const AXES = 'must be a list of axis indices >= 1 (counted with the batch axis; 0 for inputs without one), one per input';
const CONCAT_OPTIONS = {
  axes: option(z.array(z.number({ error: AXES }).int({ error: AXES }).min(0, { error: AXES }), { error: AXES }).min(1, { error: AXES })),
  allowBroadcast: option(z.literal(false, { error: 'must be false (Strata concatenates inputs with the same axes only)' }).optional(), { returnn: 'allow_broadcast' }),
} satisfies LayerOptions;

/**
 * Concatenates its inputs along one axis (RETURNN `ConcatLayer`,
 * `tf.concat`): every input has the same axes except the concatenated one,
 * whose sizes add up.
 *
 * Inputs: a list `[x1, x2, ...]`, each `[batch, ...]`, the same rank. Shape:
 * `x1`'s with the axis' size the sum. No weights.
 * @throws LayerArgumentError for `axes` that are not one index shared by all inputs.
 * @throws InputShapeError if the inputs differ in rank or in another axis' size.
 */
export class Concat extends Layer {
  static override readonly className: string = 'Concat';
  readonly axes: number[];
  /**
   * Net dicts, inputs without a batch axis concatenated over a dynamic axis:
   * the output axis and the inputs' axes; each call sets the output's lengths
   * (`dynSize`) to the sum of theirs (a static axis counts its size), as RETURNN's summed dim.
   */
  lengthsOf: { out: Dim; parts: readonly Dim[] } | undefined;

  constructor(args: ConcatArgs) {
    super(args);
    const a = resolveArgs('Concat', CONCAT_OPTIONS, args);
    this.axes = a.axes;
    if (new Set(this.axes).size !== 1) {
      throw new LayerArgumentError(
        `Concat: the concatenated axis must be at the same position in every input (Strata aligns no dim tags). Received: axes=${JSON.stringify(this.axes)}.`,
      );
    }
  }

  private check(shapes: readonly SymbolicShape[]): number {
    const axis = this.axes[0]!;
    if (shapes.length !== this.axes.length) {
      throw new InputShapeError({ layer: this.name, expected: `${this.axes.length} inputs (one per axis)`, received: shapes.map((s) => s.length) });
    }
    const first = shapes[0]!;
    for (const s of shapes) {
      if (s.length !== first.length || axis >= s.length || s.some((d, i) => i !== 0 && i !== axis && d !== first[i])) {
        throw new InputShapeError({ layer: this.name, expected: `inputs equal in every axis but axis ${axis} (received ${shapes.map((s) => `[${s.join(", ")}]`).join(", ")})`, received: s as number[] });
      }
    }
    return axis;
  }

  override call(inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    const axis = this.check(xs.map((x) => x.shape));
    const lens = this.lengthsOf?.parts.map((p) => p.dynSize);
    const known = lens?.find((l) => l !== undefined);
    if (this.lengthsOf && known) {
      this.lengthsOf.out.dynSize = this.lengthsOf.parts.reduce<Tensor>((sum, p, i) => ops.add(sum, lens![i] ?? ops.fill(known.shape, p.size ?? 0, 'int32')), ops.zeros(known.shape, 'int32'));
    }
    return xs.length === 1 ? xs[0]! : ops.concat(xs, axis);
  }

  /** The summed lengths set by the last call (see {@link Concat.lengthsOf}), else the input's lengths unchanged. */
  override outputSeqLens(seqLens: Tensor): Tensor {
    return this.lengthsOf?.out.dynSize ?? seqLens;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as SymbolicShape[];
    const axis = this.check(shapes);
    const sizes = shapes.map((s) => s[axis]);
    const out = [...shapes[0]!];
    out[axis] = sizes.some((d) => d === null) ? null : sizes.reduce<number>((a, b) => a + (b as number), 0);
    return out;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: this.axes };
  }
}

/** The `(layer, axis)` pairs of a concat entry's `from`. */
function fromPairs(c: LayerBuildContext): unknown[] {
  const from = c.entry.from;
  const list = Array.isArray(from) ? from : [from];
  return list.map((f, i) => {
    if (!Array.isArray(f) || f.length !== 2 || typeof f[0] !== 'string') {
      throw new LayerArgumentError(`from[${i}] must be a pair (layer name, axis) as RETURNN's concat takes, e.g. [["a", "F"], ["b", "F"]]. Received: from[${i}]=${JSON.stringify(f)}.`);
    }
    return f[1];
  });
}

/** Net dicts: each pair's axis resolved on its source. */
function deriveConcat(c: LayerBuildContext): Record<string, unknown> {
  const descs = fromPairs(c);
  const axes = descs.map((desc, i) => {
    const d = c.sources[i]!;
    const found = axesInData(d, desc);
    if (found.length !== 1) throw new LayerArgumentError(`from[${i}]: axis ${JSON.stringify(desc)} names ${found.length} axes of ${d}; name one. Received: axis=${JSON.stringify(desc)}.`);
    const a = found[0]!;
    // Data without a batch axis (range_in_axis, constant): every axis is a plain tensor axis, a dynamic one holds no padding.
    if (c.sources.every((x) => !x.hasBatch)) return a;
    if (!d.hasBatch || a === 0) throw new LayerArgumentError(`from[${i}]: concat over the batch axis, or of data with and without one (${d}), is not supported. Received: axis=${JSON.stringify(desc)}.`);
    if (d.dims[a - 1]!.isDynamic) {
      throw new LayerArgumentError(`from[${i}]: concat over the dynamic axis ${JSON.stringify(desc)} of ${d} is not supported (RETURNN concatenates the padded frames). Received: axis=${JSON.stringify(desc)}.`);
    }
    return a;
  });
  return { axes };
}

/**
 * RETURNN's `concat`: `from` as `(layer, axis)` pairs (axis: any RETURNN
 * description, a static axis; any axis of sources without a batch axis, e.g.
 * two `range_in_axis` over "T"), `allow_broadcast` only False; `out_dim` is an
 * unknown key. The output's axis is a new Dim of the summed size; the other
 * axes are the first source's (and a time axis keeps its lengths).
 */
export const concatLayer: LayerSpec = {
  cls: Concat,
  options: CONCAT_OPTIONS,
  netDict: {
    names: ['concat'],
    sources: 'list',
    fromAxes: true,
    derive: deriveConcat,
    outputData: (c) => {
      const d = c.sources[0];
      if (!d) return undefined;
      const l = c.layer as Concat;
      const i = l.axes[0]! - (d.hasBatch ? 1 : 0);
      // A dynamic axis (only without a batch axis) gives a dynamic one.
      const size = c.sources.some((x) => x.dims[i]?.size === null) ? null : c.sources.reduce((s, x) => s + (x.dims[i]?.size ?? 0), 0);
      const out = new Dim({ description: `${c.name}:concat`, size, kind: d.dims[i]!.kind });
      if (size === null) l.lengthsOf = { out, parts: c.sources.map((x) => x.dims[i]!) };
      return d.copy({ name: c.name, dims: d.dims.map((dim, k) => (k === i ? out : dim)) });
    },
  },
};
