import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Variable } from '@strata/core';
import { load, save } from '@strata/savers';
import type { Optimizer } from './optimizers/optimizer.js';

/** Prefix of optimizer slot keys in a checkpoint (`optimizer/network/hidden/kernel/momentum`); owned by `@strata/savers`. */
export { OPTIMIZER_PREFIX } from '@strata/savers';

/** `<dir>/epoch-007.safetensors`: one file per finished epoch (RETURNN's `model.007`). */
export function checkpointPath(dir: string, epoch: number): string {
  return join(dir, `epoch-${String(epoch).padStart(3, '0')}.safetensors`);
}

/** The names in `dir`; none if `dir` is missing. */
function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The checkpoints in `dir` (`epoch-NNN.safetensors`), by ascending epoch. */
function checkpointFiles(dir: string): { path: string; epoch: number }[] {
  return namesIn(dir)
    .flatMap((n) => {
      const m = /^epoch-(\d+)\.safetensors$/.exec(n);
      return m ? [{ path: join(dir, n), epoch: Number(m[1]) }] : [];
    })
    .sort((a, b) => a.epoch - b.epoch);
}

/** The checkpoint of the highest finished epoch in `dir`, or null if there is none (or no `dir`). */
export function latestCheckpoint(dir: string): { path: string; epoch: number } | null {
  return checkpointFiles(dir).at(-1) ?? null;
}

/** The epochs of the checkpoints in `dir` (`epoch-NNN.safetensors`), ascending; none if `dir` is missing. */
export function checkpointEpochs(dir: string): number[] {
  return checkpointFiles(dir).map((f) => f.epoch);
}

/**
 * Deletes the temporary files an interrupted save left next to its target
 * (`epoch-NNN.safetensors.<n>`, written by write-file-atomic before the
 * rename); the checkpoints themselves are never touched. Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const stale = namesIn(dir).filter((n) => /^epoch-\d+\.safetensors\.\d+$/.test(n));
  for (const n of stale) rmSync(join(dir, n), { force: true });
  return stale;
}

/** What a training checkpoint records besides the weights (metadata `epoch`, `step`, `configHash`). */
export interface CheckpointInfo {
  epoch: number;
  step: number;
  configHash: string;
  /** The learning-rate control's state (`LearningRateControl.toJSON`), when training uses one. */
  learningRateControl?: string;
  /** Every finished epoch's scores (`train_score`, `dev_score`, ...) as JSON `[[epoch, scores], ...]`, for `cleanupOldModels`. */
  epochScores?: string;
}

/**
 * Saves network variables and, if given, the optimizer's slots and state:
 * `save({ variables }, path, { optimizer, metadata })` of `@strata/savers`
 * (safetensors written atomically: temp file, fsync, rename; a crash mid-save
 * leaves the previous file intact).
 *
 * @throws CheckpointArgumentError if `variables` is empty or two share a path;
 *   CheckpointWriteError if the file system refuses the write (see `save`).
 */
export async function saveTrainingCheckpoint(path: string, variables: Variable[], optimizer: Optimizer | undefined, info: CheckpointInfo): Promise<void> {
  const metadata: Record<string, string> = { epoch: String(info.epoch), step: String(info.step), configHash: info.configHash };
  if (info.learningRateControl !== undefined) metadata.learningRateControl = info.learningRateControl;
  if (info.epochScores !== undefined) metadata.epochScores = info.epochScores;
  await save({ variables }, path, { optimizer, metadata });
}

/**
 * Loads a training checkpoint into the network's variables and, if given, the
 * optimizer (slots and state): `load({ variables }, path, { optimizer })` of
 * `@strata/savers`. Checks everything before changing anything; without an
 * optimizer, its slots in the file are ignored (evaluation).
 *
 * @returns the epoch, step and config hash recorded (0, 0, '' when absent).
 * @throws the errors of `load`: CheckpointNotFoundError, CheckpointFormatError,
 *   CheckpointMismatchError, CheckpointMappingError (a foreign file), ...
 */
export async function loadTrainingCheckpoint(path: string, variables: Variable[], optimizer?: Optimizer): Promise<CheckpointInfo> {
  const { metadata: m } = await load({ variables }, path, { optimizer });
  return { epoch: Number(m.epoch ?? 0), step: Number(m.step ?? 0), configHash: m.configHash ?? '', ...(m.learningRateControl ? { learningRateControl: m.learningRateControl } : {}), ...(m.epochScores ? { epochScores: m.epochScores } : {}) };
}
