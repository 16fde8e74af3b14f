/**
 * Finding one Strata `BatchNorm`'s params among RETURNN's: RETURNN's
 * `BatchNormLayer` (`LayerBase.batch_norm`) creates them in the variable scope
 * `<layer>/batch_norm/` as `<prefix>_mean`, `<prefix>_variance`,
 * `<prefix>_gamma`, `<prefix>_beta`, with `<prefix>` the layer's output name
 * (`output_output_output_mean`) and shape `[1, ..., 1, C]` (param_version 0,
 * broadcast over the input's axes), or `v2_mean` ... of shape `[C]`
 * (param_version 2, behavior_version ≥ 12). Source: returnn/tf/layers/base.py
 * (`LayerBase.batch_norm`, `param_version`).
 */
import type { NamedTensorData } from '../safetensors.js';

/** Strata's local names → RETURNN's name suffixes. */
const SUFFIX: Readonly<Record<string, string>> = { moving_mean: '_mean', moving_variance: '_variance', gamma: '_gamma', beta: '_beta' };

/** The Strata BatchNorm param local names this matcher fills. */
export const BATCH_NORM_LOCALS: readonly string[] = Object.keys(SUFFIX);

/**
 * RETURNN's tensor for each of a Strata batch norm's params under the
 * checkpoint scope `scope` (the layer's, with its trailing `/`): per local name
 * (`moving_mean`, `moving_variance`, `gamma`, `beta`) the one float32 tensor
 * `scope + 'batch_norm/' + <prefix> + <suffix>` whose shape is `[C]` or
 * `[1, ..., 1, C]`. Its values are taken as they are: the shapes differ only by
 * leading ones, so the row-major data is the same.
 * @param locals the Strata params to fill (a subset of {@link BATCH_NORM_LOCALS}).
 * @param tensors the unused checkpoint tensors.
 * @returns local name → tensor, or undefined unless every local has exactly one candidate.
 */
export function matchReturnnBatchNorm(scope: string, channels: number, locals: readonly string[], tensors: Iterable<NamedTensorData>): Map<string, NamedTensorData> | undefined {
  const inScope = [...tensors].filter(
    (t) =>
      t.name.startsWith(`${scope}batch_norm/`) &&
      !t.name.slice(scope.length + 'batch_norm/'.length).includes('/') &&
      t.dtype === 'float32' &&
      t.shape.length >= 1 &&
      t.shape[t.shape.length - 1] === channels &&
      t.shape.slice(0, -1).every((d) => d === 1),
  );
  const out = new Map<string, NamedTensorData>();
  for (const local of locals) {
    const suffix = SUFFIX[local];
    if (!suffix) return undefined;
    const found = inScope.filter((t) => t.name.endsWith(suffix));
    if (found.length !== 1) return undefined;
    out.set(local, found[0]!);
  }
  return out;
}
