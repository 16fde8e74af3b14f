import { rmSync } from 'node:fs';
import { checkpointEpochs, checkpointPath } from './checkpoints.js';
import { EngineConfigError } from './errors.js';

/**
 * RETURNN's `cleanup_old_models` (`returnn/engine/base.py`, `EngineBase.cleanup_old_models`):
 * `true` for the defaults, or a dict of these options.
 */
export interface CleanupOldModelsOptions {
  /** Keep the newest this many epochs (`keep_last_n`). Default 2; at least 1. */
  keepLastN?: number;
  /** Keep, for every score key, the this many epochs with the lowest score (`keep_best_n`). Default 4; at least 0. */
  keepBestN?: number;
  /**
   * Epochs always kept (`keep`). Default: RETURNN's pattern for the newest stored epoch `E`:
   * every `k`-th epoch and `d · 2^i`, with `(k, d)` = (4, 5) for `E ≤ 10`, (20, 5) for `E ≤ 50`,
   * (40, 10) for `E ≤ 100`, else (80 · nextPowerOfTwo(1 + ⌊E / 240⌋), 20).
   */
  keep?: number[];
}

/** `2^k ≥ n`, the smallest (RETURNN's `next_power_of_two`). */
const nextPowerOfTwo = (n: number): number => 2 ** Math.max(0, Math.ceil(Math.log2(Math.max(n, 1))));

/** RETURNN's default `keep` pattern for checkpoints up to epoch `last` (see {@link CleanupOldModelsOptions.keep}). */
export function defaultKeepPattern(last: number): number[] {
  const [every, doublesOf] = last <= 10 ? [4, 5] : last <= 50 ? [20, 5] : last <= 100 ? [40, 10] : [80 * nextPowerOfTwo(1 + Math.floor(last / 240)), 20];
  const keep = new Set<number>();
  for (let n = every; n <= last; n += every) keep.add(n);
  for (let n = doublesOf; n <= last; n *= 2) keep.add(n);
  return [...keep].sort((a, b) => a - b);
}

/**
 * Checks `cleanup_old_models`: `true`/`false`, or `{ keepLastN ≥ 1, keepBestN ≥ 0, keep: epochs }`
 * (integers). Returns the options, or null when off.
 * @throws EngineConfigError naming the bad field.
 */
export function checkCleanupOldModels(o: boolean | CleanupOldModelsOptions | undefined): CleanupOldModelsOptions | null {
  if (o === undefined || o === false) return null;
  if (o === true) return {};
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new EngineConfigError(`cleanupOldModels must be true, false or { keepLastN, keepBestN, keep }. Received: ${JSON.stringify(o)}.`);
  }
  const known = ['keepLastN', 'keepBestN', 'keep'];
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new EngineConfigError(`cleanupOldModels has no option "${k}" (RETURNN's keep_last_n, keep_best_n, keep are keepLastN, keepBestN, keep).`);
  }
  const int = (name: string, v: unknown, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min)) {
      throw new EngineConfigError(`cleanupOldModels.${name} must be an integer >= ${min}. Received: ${name}=${JSON.stringify(v)}.`);
    }
  };
  int('keepLastN', o.keepLastN, 1);
  int('keepBestN', o.keepBestN, 0);
  if (o.keep !== undefined && !(Array.isArray(o.keep) && o.keep.every((e) => Number.isInteger(e)))) {
    throw new EngineConfigError(`cleanupOldModels.keep must be a list of epoch numbers. Received: keep=${JSON.stringify(o.keep)}.`);
  }
  return o;
}

/**
 * The epochs RETURNN's `cleanup_old_models` deletes from the stored `epochs`, given each
 * epoch's scores (RETURNN's learning-rate-control data: `train_score`, `dev_score`,
 * `dev_error`, ...; lower is better). Kept: nothing is deleted while
 * `max(keepLastN, keepBestN) ≥ epochs.length`; else the `keep` pattern, the newest
 * `keepLastN`, and for every score key the `keepBestN` lowest (ties: the earlier epoch; an
 * epoch without the key counts as the key's worst value; keys that no stored epoch has, or
 * whose values are all equal, are skipped; a NaN score ranks last).
 *
 * @returns the epochs to delete, ascending (never the newest).
 */
export function oldModelsToRemove(epochs: readonly number[], scores: ReadonlyMap<number, Record<string, number>>, o: CleanupOldModelsOptions = {}): number[] {
  const sorted = [...epochs].sort((a, b) => a - b);
  const keepLastN = o.keepLastN ?? 2;
  const keepBestN = o.keepBestN ?? 4;
  if (sorted.length === 0 || Math.max(keepLastN, keepBestN) >= sorted.length) return [];
  const last = sorted[sorted.length - 1]!;
  const keep = new Set<number>(o.keep ?? defaultKeepPattern(last));
  for (const e of sorted.slice(-keepLastN)) keep.add(e);
  const keys = [...new Set(sorted.flatMap((e) => Object.keys(scores.get(e) ?? {})))].sort();
  for (const key of keys) {
    const values = sorted.map((e) => scores.get(e)?.[key]).filter((v): v is number => v !== undefined);
    if (values.length === 0 || Math.min(...values) === Math.max(...values)) continue;
    const worst = Math.max(...values);
    // A NaN score (training went on after a non-finite score) ranks last, where Python's sort leaves it undefined.
    const rank = (v: number) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v);
    const ranked = sorted.map((e) => [rank(scores.get(e)?.[key] ?? worst), e] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [, e] of ranked.slice(0, keepBestN)) keep.add(e);
  }
  return sorted.filter((e) => !keep.has(e) && e !== last);
}

/**
 * Applies {@link oldModelsToRemove} to the checkpoints in `dir` (`epoch-NNN.safetensors`):
 * deletes the checkpoints of the epochs it names. Call it only after the newest checkpoint
 * is written (the engine does, after the atomic save returns); `newest` is never deleted.
 * @returns the deleted epochs.
 */
export function cleanupOldModels(dir: string, scores: ReadonlyMap<number, Record<string, number>>, o: CleanupOldModelsOptions, newest: number): number[] {
  const remove = oldModelsToRemove(checkpointEpochs(dir), scores, o).filter((e) => e !== newest);
  for (const e of remove) rmSync(checkpointPath(dir, e), { force: true });
  return remove;
}

/**
 * The epoch scores saved in a checkpoint's metadata `epochScores` (`JSON.stringify` of
 * `[[epoch, scores], ...]`; JSON has no NaN, so a non-finite score was saved as null and
 * comes back as NaN). Absent: none.
 */
export function parseEpochScores(json: string | undefined): Map<number, Record<string, number>> {
  const entries = JSON.parse(json ?? '[]') as [number, Record<string, number | null>][];
  return new Map(entries.map(([e, sc]) => [e, Object.fromEntries(Object.entries(sc).map(([k, v]) => [k, v ?? Number.NaN]))]));
}
