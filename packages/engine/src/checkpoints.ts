import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Variable } from '@strata/core';
import { CHECKPOINT_FORMAT, loadVariables, saveVariables } from '@strata/savers';
import type { Optimizer } from './optimizers/optimizer.js';

/** Prefix of optimizer slot keys in a checkpoint (`optimizer/network/hidden/kernel/momentum`). */
export const OPTIMIZER_PREFIX = 'optimizer/';

/** `<dir>/epoch-007.safetensors`: one file per finished epoch (RETURNN's `model.007`). */
export function checkpointPath(dir: string, epoch: number): string {
  return join(dir, `epoch-${String(epoch).padStart(3, '0')}.safetensors`);
}

/** The checkpoint of the highest finished epoch in `dir`, or null if there is none (or no `dir`). */
export function latestCheckpoint(dir: string): { path: string; epoch: number } | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  let best: { path: string; epoch: number } | null = null;
  for (const n of names) {
    const m = /^epoch-(\d+)\.safetensors$/.exec(n);
    if (m && (!best || Number(m[1]) > best.epoch)) best = { path: join(dir, n), epoch: Number(m[1]) };
  }
  return best;
}

/**
 * Deletes the temporary files an interrupted save left next to its target
 * (`epoch-NNN.safetensors.<n>`, written by write-file-atomic before the
 * rename); the checkpoints themselves are never touched. Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => /^epoch-\d+\.safetensors\.\d+$/.test(n));
  for (const n of stale) rmSync(join(dir, n), { force: true });
  return stale;
}

/** The optimizer's slots as Variables with checkpoint keys under {@link OPTIMIZER_PREFIX}. */
function slotVariables(optimizer: Optimizer): Variable[] {
  return optimizer.slots().map((s) => new Variable(null, `${OPTIMIZER_PREFIX}${s.name}`, s.value, false));
}

/** What a training checkpoint records besides the weights. */
export interface CheckpointInfo {
  epoch: number;
  step: number;
  configHash: string;
}

/**
 * Saves network variables and, if given, the optimizer's slots and state,
 * atomically (temp file + rename in @strata/savers): a crash mid-save leaves
 * the previous file intact.
 */
export async function saveTrainingCheckpoint(
  path: string,
  variables: Variable[],
  optimizer: Optimizer | undefined,
  info: CheckpointInfo,
): Promise<void> {
  await saveVariables(path, optimizer ? [...variables, ...slotVariables(optimizer)] : variables, {
    format: CHECKPOINT_FORMAT,
    epoch: String(info.epoch),
    step: String(info.step),
    configHash: info.configHash,
    ...(optimizer ? { optimizer: JSON.stringify(optimizer.getState()) } : {}),
  });
}

/**
 * Loads a training checkpoint into the network's variables and, if given,
 * the optimizer (slots and state). Checks everything before changing anything.
 * Without an optimizer, its slots in the file are ignored (evaluation).
 */
export async function loadTrainingCheckpoint(path: string, variables: Variable[], optimizer?: Optimizer): Promise<CheckpointInfo> {
  if (optimizer) optimizer.createSlots(variables.filter((v) => v.trainable));
  const slots = optimizer ? slotVariables(optimizer) : [];
  const meta = await loadVariables(path, [...variables, ...slots], {
    ignoreUnexpectedPrefixes: optimizer ? [] : [OPTIMIZER_PREFIX],
  });
  if (optimizer && meta.optimizer) optimizer.setState(JSON.parse(meta.optimizer));
  return { epoch: Number(meta.epoch ?? 0), step: Number(meta.step ?? 0), configHash: meta.configHash ?? '' };
}
