import type { Data } from '../../data.js';
import { Dim } from '../../dim.js';
import { LayerArgumentError } from '../../errors.js';
import type { Layer, SymbolicShape } from '../../layer.js';
import type { LayerBuildContext } from '../../layer-spec.js';
import type { SeqAxis } from './seq-inputs.js';

/** What this reads of a `slice` layer (its axis and output shape), without importing the layer. */
interface SliceAxis {
  readonly axis: SeqAxis;
  axisIndex(rank: number): number;
  computeOutputShape(inputShape: SymbolicShape): SymbolicShape;
}

/**
 * The template of `slice` on sparse data (class indices `[batch, time, ...]`,
 * RETURNN's `SliceLayer` keeps `sparse_dim`): the source's axes with the
 * sliced one replaced (a new time axis derived from the source's, whose
 * lengths the slice sets, or the static size the slice gives). Dense sources
 * get the default template (undefined).
 * @throws LayerArgumentError for `axis: "F"`: sparse data has no feature axis (RETURNN finds none to slice).
 */
export function sliceSparseData(c: LayerBuildContext & { layer: Layer }): Data | undefined {
  const src = c.sources[0];
  if (!src?.sparse) return undefined;
  const slice = c.layer as unknown as SliceAxis;
  if (slice.axis === 'F') {
    throw new LayerArgumentError(`slice layer '${c.name}': axis "F" names the feature axis, but '${src.name}' is sparse (class indices) and has none. Slice its time axis ("T") instead.`);
  }
  const a = slice.axisIndex(src.dims.length + 1) - 1;
  const old = src.dims[a]!;
  const size = slice.computeOutputShape(src.batchShape)[a + 1] ?? null;
  const dim = old.isDynamic ? new Dim({ description: `${c.name}:time`, derivedFrom: old }) : new Dim({ description: `${c.name}:${old.description}`, size, kind: old.kind });
  return src.copy({ name: c.name, dims: src.dims.map((d, i) => (i === a ? dim : d)) });
}
