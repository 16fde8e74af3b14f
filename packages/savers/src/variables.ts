import { type DType, ops, shapesEqual, type Tensor, type TensorData } from '@strata/backend';
import type { Variable } from '@strata/core';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { CheckpointMismatchError, type TensorMismatch } from './errors.js';
import type { NamedTensorData } from './safetensors.js';

/** Options of {@link loadVariables}. */
export interface LoadVariablesOptions {
  /**
   * If true, variables without a tensor in the checkpoint keep their values
   * instead of failing the load. Unexpected tensors and shape/dtype
   * differences still fail. Default false.
   */
  ignoreMissing?: boolean;
  /**
   * Checkpoint keys starting with any of these prefixes are skipped instead of
   * reported as unexpected, e.g. `['optimizer/']` to load a training checkpoint
   * for evaluation without its optimizer slots. Default none.
   */
  ignoreUnexpectedPrefixes?: readonly string[];
}

/**
 * Saves variables' current values as a checkpoint, keyed by `variable.path`
 * (e.g. `net/dense/kernel`), atomically (see {@link saveCheckpoint}).
 *
 * Values are read with `readSync`, so this needs a backend that can read
 * variables eagerly.
 *
 * @throws CheckpointFormatError if two variables share a path, or metadata is not strings.
 */
export async function saveVariables(
  path: string,
  variables: readonly Variable[],
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const tensors: NamedTensorData[] = variables.map((v) => ({ name: v.path, shape: v.shape, dtype: v.dtype, data: v.readSync() }));
  await saveCheckpoint(path, tensors, metadata);
}

/**
 * Loads a checkpoint into variables, matched by `variable.path`.
 *
 * All-or-nothing: names, shapes and dtypes are checked first, and on any
 * difference a {@link CheckpointMismatchError} lists every missing key,
 * unexpected key and shape/dtype difference, and no variable is assigned.
 * Only then are all values assigned (through `ops.tensor` on the active backend).
 *
 * @returns the checkpoint's metadata (e.g. `epoch`, `step`, `configHash`).
 * @throws CheckpointNotFoundError, CheckpointFormatError (see `loadCheckpoint`).
 * @throws CheckpointMismatchError if the checkpoint does not fit `variables`.
 */
export async function loadVariables(
  path: string,
  variables: readonly Variable[],
  options: LoadVariablesOptions = {},
): Promise<Record<string, string>> {
  const { tensors, metadata } = await loadCheckpoint(path);
  const byPath = new Map(variables.map((v) => [v.path, v] as const));
  const missing: string[] = [];
  const mismatched: TensorMismatch[] = [];
  const toAssign: [Variable, NamedTensorData][] = [];
  for (const [p, v] of byPath) {
    const t = tensors.get(p);
    if (!t) {
      if (!options.ignoreMissing) missing.push(p);
    } else if (!shapesEqual(t.shape, v.shape) || t.dtype !== v.dtype) {
      mismatched.push({ name: p, checkpoint: { shape: t.shape, dtype: t.dtype }, network: { shape: v.shape, dtype: v.dtype } });
    } else {
      toAssign.push([v, t]);
    }
  }
  const skip = options.ignoreUnexpectedPrefixes ?? [];
  const unexpected = [...tensors.keys()].filter((k) => !byPath.has(k) && !skip.some((p) => k.startsWith(p)));
  if (missing.length || unexpected.length || mismatched.length) {
    throw new CheckpointMismatchError(path, missing, unexpected, mismatched, hintFor(missing, unexpected, mismatched, metadata));
  }
  assignAll(toAssign);
  return metadata;
}

/**
 * Assigns each variable its value (row-major `data` of `shape` and `dtype`,
 * which the caller has checked against the variable). Every tensor is created
 * on the active backend before the first assignment, so a backend failure
 * cannot leave half the variables loaded; the tensors are disposed after.
 */
export function assignAll(
  entries: readonly (readonly [Variable, { readonly data: TensorData; readonly shape: readonly number[]; readonly dtype: DType }])[],
): void {
  const created: Tensor[] = [];
  try {
    for (const [, t] of entries) created.push(ops.tensor(t.data, t.shape, t.dtype));
    entries.forEach(([v], i) => v.assign(created[i]!));
  } finally {
    ops.dispose(created);
  }
}

function hintFor(
  missing: readonly string[],
  unexpected: readonly string[],
  mismatched: readonly TensorMismatch[],
  metadata: Record<string, string>,
): string {
  const hash = metadata['configHash'] ? ` (its metadata says configHash=${metadata['configHash']})` : '';
  if (mismatched.length || (missing.length && unexpected.length)) {
    return (
      `the checkpoint was written by a differently configured network${hash}. ` +
      `Load it with the config that wrote it, or rename/resize the layers listed above to match.`
    );
  }
  if (missing.length) {
    return `the network has variables the checkpoint lacks${hash}. If they are new layers meant to keep their initial values, pass {ignoreMissing: true}.`;
  }
  return `the checkpoint has tensors the network lacks${hash}: a layer was removed or renamed. Restore it, or load a checkpoint of this network.`;
}
