// RETURNN's dropout noise shape (`concat_sources_with_opt_dropout` in
// returnn/tf/layers/basic.py, `Data.get_bc_shape` in
// returnn/tensor/_tensor_extra.py): which axes of a layer's input share one
// dropout draw (broadcast) and which get a draw per element.
import type { Data } from '../data.js';
import { LayerArgumentError } from '../errors.js';
import { axesInData } from './shape/axis-in-data.js';

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** The axes of `d` (counted with the batch axis) that RETURNN's `"*"` or a description names. */
const axesOf = (d: Data, desc: unknown): number[] => (desc === '*' ? d.batchShape.map((_, i) => i) : axesInData(d, desc));

/**
 * The dropout noise shape of input `d` in RETURNN's rules, one entry per axis
 * with the batch axis first (the `noiseShape` of `applyDropout`): `1` shares
 * one draw along the axis, `null` draws per element.
 *
 * - Neither given (RETURNN's default): the batch axis and every spatial axis
 *   (each axis but the feature axis, and the feature axis too if it is
 *   dynamic) are broadcast: one mask over features, shared by every batch
 *   entry and frame (`get_bc_spatial_batch_shape`).
 * - `dropoutAxis` (RETURNN `dropout_axis`: a description or list of them):
 *   a draw per element along those axes, every other axis broadcast (the
 *   batch axis too).
 * - `dropoutNoiseShape` (RETURNN `dropout_noise_shape`): a dict from axis
 *   descriptions (`"T"`, `"F"`, `"*"` for every axis not named otherwise) to
 *   `1`/`"x"` (broadcast) or `-1`/`null` (per element), the rest as the
 *   default; or a list, one entry per axis, `1` or `null`.
 * @throws LayerArgumentError for both options at once, a value other than 1, "x", -1, null, an axis named twice,
 *   a list of the wrong length, or a description that names no axis of `d`.
 */
export function returnnDropoutNoiseShape(d: Data, dropoutAxis: unknown, dropoutNoiseShape: unknown): (1 | null)[] {
  const rank = d.batchShape.length;
  if (dropoutAxis !== undefined && dropoutAxis !== null) {
    if (dropoutNoiseShape !== undefined && dropoutNoiseShape !== null && !(typeof dropoutNoiseShape === 'object' && Object.keys(dropoutNoiseShape).length === 0)) {
      throw new LayerArgumentError(`give dropout_axis or dropout_noise_shape, not both (RETURNN asserts it). Received: dropout_axis=${show(dropoutAxis)}, dropout_noise_shape=${show(dropoutNoiseShape)}.`);
    }
    if (typeof dropoutAxis === 'number' || (Array.isArray(dropoutAxis) && dropoutAxis.some((a) => typeof a === 'number'))) {
      throw new LayerArgumentError(`dropout_axis must name axes by description ("T", "F", "stag:name"), not by int (RETURNN: allow_int=False). Received: dropout_axis=${show(dropoutAxis)}.`);
    }
    const axes = new Set(axesInData(d, dropoutAxis));
    return d.batchShape.map((_, i) => (axes.has(i) ? null : 1));
  }
  if (Array.isArray(dropoutNoiseShape)) {
    if (dropoutNoiseShape.length !== rank || dropoutNoiseShape.some((v) => v !== 1 && v !== null)) {
      throw new LayerArgumentError(`dropout_noise_shape as a list must have one entry per axis of ${d} (${rank} with the batch axis), each 1 (broadcast) or null. Received: dropout_noise_shape=${show(dropoutNoiseShape)}.`);
    }
    return dropoutNoiseShape as (1 | null)[];
  }
  if (dropoutNoiseShape !== undefined && dropoutNoiseShape !== null && (typeof dropoutNoiseShape !== 'object')) {
    throw new LayerArgumentError(`dropout_noise_shape must be a dict from axis descriptions to 1 (broadcast) or null (per element), or a list. Received: dropout_noise_shape=${show(dropoutNoiseShape)}.`);
  }
  // The default: broadcast over the batch axis and the spatial ones (every axis but a static feature axis).
  // RETURNN's feature axis: the last axis of dense data, unless it is the time axis.
  const feature = d.sparse || d.dims.length === 0 || d.dims[d.dims.length - 1] === d.timeDim ? undefined : rank - 1;
  const defaults: (1 | null)[] = d.batchShape.map((size, i) => (i === feature && size !== null ? null : 1));
  const given = new Map<number, 1 | null>();
  for (const [key, value] of Object.entries((dropoutNoiseShape ?? {}) as Record<string, unknown>)) {
    if (value !== 1 && value !== 'x' && value !== -1 && value !== null) {
      throw new LayerArgumentError(`dropout_noise_shape[${show(key)}] must be 1 or "x" (broadcast) or -1 or null (per element). Received: dropout_noise_shape=${show(dropoutNoiseShape)}.`);
    }
    const v = value === 1 || value === 'x' ? 1 : null;
    for (const a of axesOf(d, key)) {
      if (key === '*') defaults[a] = v;
      else if (given.has(a)) throw new LayerArgumentError(`dropout_noise_shape names axis ${a} of ${d} twice. Received: dropout_noise_shape=${show(dropoutNoiseShape)}.`);
      else given.set(a, v);
    }
  }
  return defaults.map((v, i) => (given.has(i) ? given.get(i)! : v));
}
