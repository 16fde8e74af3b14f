/**
 * Matching a Strata checkpoint to a model by exact keys: every entry's tensor
 * found under its key, with its shape and dtype, before anything is assigned.
 */
import { shapesEqual } from '@strata/backend';
import { type CheckpointEntry, OPTIMIZER_PREFIX } from './checkpoint-entries.js';
import { CheckpointMismatchError, type TensorMismatch } from './mismatch-errors.js';
import type { NamedTensorData } from './safetensors.js';

/** Options of {@link matchExactly}. */
export interface ExactMatchOptions {
  /** Entries without a tensor keep their values instead of failing. Unexpected tensors and shape/dtype differences still fail. Default false. */
  readonly ignoreMissing?: boolean;
  /** Checkpoint keys starting with one of these are skipped instead of reported as unexpected (`['optimizer/']` without an optimizer). */
  readonly ignoreUnexpectedPrefixes?: readonly string[];
}

/**
 * Pairs every entry with the tensor under its key. All entries are checked
 * before anything is returned: on any missing key (unless `ignoreMissing`),
 * unexpected key or shape/dtype difference, a {@link CheckpointMismatchError}
 * lists every one of them, with a hint.
 *
 * @param path - the checkpoint, named in the error.
 * @param metadata - the checkpoint's metadata (its `configHash` goes into the hint).
 * @returns `[entry, tensor]` pairs ready for `assignAll`.
 * @throws CheckpointMismatchError if the checkpoint does not fit the entries.
 */
export function matchExactly(
  path: string,
  tensors: ReadonlyMap<string, NamedTensorData>,
  entries: readonly CheckpointEntry[],
  metadata: Readonly<Record<string, string>>,
  options: ExactMatchOptions = {},
): [CheckpointEntry, NamedTensorData][] {
  const missing: string[] = [];
  const mismatched: TensorMismatch[] = [];
  const pairs: [CheckpointEntry, NamedTensorData][] = [];
  for (const e of entries) {
    const t = tensors.get(e.key);
    if (!t) {
      if (!options.ignoreMissing) missing.push(e.key);
    } else if (!shapesEqual(t.shape, e.shape) || t.dtype !== e.dtype) {
      mismatched.push({ name: e.key, checkpoint: { shape: t.shape, dtype: t.dtype }, network: { shape: e.shape, dtype: e.dtype } });
    } else {
      pairs.push([e, t]);
    }
  }
  const keys = new Set(entries.map((e) => e.key));
  const skip = options.ignoreUnexpectedPrefixes ?? [];
  const unexpected = [...tensors.keys()].filter((k) => !keys.has(k) && !skip.some((p) => k.startsWith(p)));
  if (missing.length || unexpected.length || mismatched.length) {
    throw new CheckpointMismatchError({ path, missing, unexpected, mismatched, hint: hintFor(missing, unexpected, mismatched, metadata) });
  }
  return pairs;
}

function hintFor(
  missing: readonly string[],
  unexpected: readonly string[],
  mismatched: readonly TensorMismatch[],
  metadata: Readonly<Record<string, string>>,
): string {
  const hash = metadata['configHash'] ? ` (its metadata says configHash=${metadata['configHash']})` : '';
  if (mismatched.length || (missing.length && unexpected.length)) {
    return (
      `the checkpoint was written by a differently configured network${hash}. ` +
      `Load it with the config that wrote it, or rename/resize the layers listed above to match, ` +
      `or load it with {mapping: {...}} (prefixes, nameMap, ignoreParams) to take only what fits.`
    );
  }
  if (missing.length && missing.every((k) => k.startsWith(OPTIMIZER_PREFIX))) {
    return `the checkpoint holds no state for these optimizer slots (it was saved without that optimizer). Load it without the optimizer option, or pass {ignoreMissing: true} to start those slots at zero.`;
  }
  if (missing.length) {
    return `the network has variables the checkpoint lacks${hash}. If they are new layers meant to keep their initial values, pass {ignoreMissing: true}.`;
  }
  return `the checkpoint has tensors the network lacks${hash}: a layer was removed or renamed. Restore it, or load a checkpoint of this network.`;
}
