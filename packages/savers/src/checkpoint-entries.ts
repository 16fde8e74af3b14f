/**
 * What a checkpoint holds of a model and its optimizer: one named tensor per
 * variable (keyed by `variable.path`) and per optimizer slot (keyed
 * `optimizer/<slot name>`), read from and assigned to the active backend.
 */
import { type DType, getBackend, ops, type Tensor, type TensorData } from '@strata/backend';
import type { Variable } from '@strata/core';
import { CheckpointArgumentError } from './errors.js';
import type { NamedTensorData } from './safetensors.js';

/**
 * Prefix of optimizer slot keys in a Strata checkpoint:
 * `optimizer/network/hidden/kernel/momentum` is the `momentum` slot of
 * `network/hidden/kernel`.
 */
export const OPTIMIZER_PREFIX = 'optimizer/';

/** One tensor of a model or of its optimizer, under the key a checkpoint gives it. */
export interface CheckpointEntry {
  /** The checkpoint key: `variable.path`, or {@link OPTIMIZER_PREFIX} + slot name. */
  readonly key: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The current values, row-major (`readSync` of the backend). */
  read(): TensorData;
  /** Replaces the values with `value` (same shape and dtype); the caller keeps ownership of `value`. */
  assign(value: Tensor): void;
}

/** Something {@link assignAll} can assign to: a `Variable`, or a {@link CheckpointEntry}. */
export interface Assignable {
  assign(value: Tensor): void;
}

/** An optimizer slot as optimizers list them: `${variable.path}/${slot}` and its backend variable. */
export interface SlotTensor {
  readonly name: string;
  readonly value: Tensor;
}

/**
 * The entries of `variables` (keys `variable.path`) and, if given, of the
 * optimizer `slots` (keys `optimizer/<slot name>`).
 *
 * @param what - how the caller names the model in errors, e.g. `save(runs/x.safetensors)`.
 * @throws CheckpointArgumentError if two entries share a key (two variables
 *   with one path, or a variable whose path starts with `optimizer/` clashing with a slot).
 */
export function checkpointEntries(variables: readonly Variable[], slots: readonly SlotTensor[], what: string): CheckpointEntry[] {
  const entries: CheckpointEntry[] = [
    ...variables.map((v) => ({ key: v.path, shape: v.shape, dtype: v.dtype, read: () => v.readSync(), assign: (t: Tensor) => v.assign(t) })),
    ...slots.map(({ name, value }) => ({
      key: `${OPTIMIZER_PREFIX}${name}`,
      shape: value.shape,
      dtype: value.dtype as DType,
      read: () => getBackend().readSync(value),
      assign: (t: Tensor) => getBackend().assign(value, t),
    })),
  ];
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.key)) {
      throw new CheckpointArgumentError(
        `${what}: two tensors have the checkpoint key '${e.key}' (a variable's path, or optimizer/ + a slot name). ` +
          `Give the layers distinct names (or scopes) so that every variable has its own path.`,
      );
    }
    seen.add(e.key);
  }
  return entries;
}

/** Every entry's current values as named tensors, in order. */
export function readEntries(entries: readonly CheckpointEntry[]): NamedTensorData[] {
  return entries.map((e) => ({ name: e.key, shape: e.shape, dtype: e.dtype, data: e.read() }));
}

/**
 * Assigns each target its value (row-major `data` of `shape` and `dtype`,
 * which the caller has checked against the target). Every tensor is created
 * on the active backend before the first assignment, so a backend failure
 * cannot leave half the targets assigned; the tensors are disposed after.
 */
export function assignAll(
  entries: readonly (readonly [Assignable, { readonly data: TensorData; readonly shape: readonly number[]; readonly dtype: DType }])[],
): void {
  const created: Tensor[] = [];
  try {
    for (const [, t] of entries) created.push(ops.tensor(t.data, t.shape, t.dtype));
    entries.forEach(([target], i) => target.assign(created[i]!));
  } finally {
    ops.dispose(created);
  }
}
