import { shapesEqual } from '@strata/backend';
import type { Variable } from '@strata/core';
import { CheckpointFormatError } from '../errors.js';
import { assignAll } from '../checkpoint-entries.js';
import type { CheckpointLoader, VariableValue } from './checkpoint-loader.js';

/**
 * Assigns one mapped value to its variable (RETURNN
 * `CustomCheckpointLoader.VariableValue.assign_var`; no session: the
 * variable lives on the active backend).
 * @throws CheckpointFormatError if the value's shape or dtype is not the variable's, before assigning.
 */
export function assignVariableValue(variable: Variable, value: VariableValue): void {
  if (!shapesEqual(variable.shape, value.shape) || variable.dtype !== value.dtype) {
    throw new CheckpointFormatError({
      file: value.sources.join(', ') || value.name,
      problem: `the value for '${variable.path}' is ${value.dtype} [${value.shape.join(', ')}], the variable ${variable.dtype} [${variable.shape.join(', ')}].`,
    });
  }
  assignAll([[variable, value]]);
}

/** Anything that runs functions after initialising its params: NetDictNetwork's `setCustomPostInit` (seed `TFNetwork.set_custom_post_init`). */
export interface CustomPostInitTarget {
  setCustomPostInit(variable: Variable, fn: (v: Variable) => void): void;
}

/**
 * Makes `loader` the initialiser of its variables (RETURNN
 * `CustomCheckpointLoader.set_as_custom_init`): maps everything now (so a
 * bad checkpoint fails here), and registers, per variable, an assignment of
 * its value that runs after each `initializeParams` of `target`.
 * @returns the number of variables registered.
 * @throws CheckpointMappingError if the checkpoint cannot be mapped; nothing is registered then.
 */
export function setAsCustomInit(loader: CheckpointLoader, target: CustomPostInitTarget): number {
  const values = loader.getVariableValueMap();
  for (const [variable, value] of values) target.setCustomPostInit(variable, (v) => assignVariableValue(v, value));
  return values.size;
}
