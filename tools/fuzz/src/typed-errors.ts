/**
 * The error bases Strata's packages throw for bad input. A fuzz case that
 * ends in an error of another class (TypeError, RangeError, a plain Error
 * from inside a library) is a finding.
 */
import { BackendCapabilityError, BackendUnavailableError, ShapeError } from '@strata/backend';
import { ConfigError } from '@strata/cli';
import { LayerError } from '@strata/core';
import { DataError, EngineConfigError, NonFiniteLossError, OptimizerError } from '@strata/engine';
import { LossError } from '@strata/losses';
import { NetworkError } from '@strata/network';
import { CheckpointError, LstmLayoutError } from '@strata/savers';

/** Every base class of Strata's typed errors, by package (core's LayerError covers WeightMismatchError and the checkpoint mismatches). */
export const STRATA_ERROR_BASES: readonly (abstract new (...args: never[]) => Error)[] = [
  BackendCapabilityError,
  BackendUnavailableError,
  ShapeError,
  LayerError,
  NetworkError,
  LossError,
  OptimizerError,
  DataError,
  EngineConfigError,
  NonFiniteLossError,
  CheckpointError,
  LstmLayoutError,
  ConfigError,
];

/** True if `e` is an instance of one of {@link STRATA_ERROR_BASES}. */
export function isStrataError(e: unknown): e is Error {
  return STRATA_ERROR_BASES.some((base) => e instanceof base);
}
