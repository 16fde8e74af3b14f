import { EngineConfigError } from './errors.js';
import type { EvalResult } from './summary.js';

/** RETURNN's `learning_rate_control` types (`returnn/learning_rate_control.py`, `learning_rate_control_type`). */
export const LEARNING_RATE_CONTROL_KINDS = ['constant', 'newbob', 'newbob_rel', 'newbob_relative', 'newbob_abs', 'newbob_multi_epoch'] as const;
export type LearningRateControlKind = (typeof LEARNING_RATE_CONTROL_KINDS)[number];

/** Options of {@link LearningRateControl}; RETURNN config names and defaults in brackets. */
export interface LearningRateControlOptions {
  /** `learning_rate_control`, default `constant`. `newbob`, `newbob_rel` and `newbob_relative` are the same (RETURNN's NewbobRelative). */
  kind?: LearningRateControlKind;
  /** The initial learning rate (`learning_rate`). */
  learningRate: number;
  /** Fixed learning rates of the first epochs (`learning_rates`): a list for epochs 1, 2, ... or `{epoch: lr}`. */
  learningRates?: readonly number[] | Readonly<Record<number, number>>;
  /** Never decay below this (`min_learning_rate`, 0). */
  minLearningRate?: number;
  /** The error key newbob compares (`learning_rate_control_error_measure`); default: `dev_score`, else the first dev key, else `train_score`. */
  errorMeasure?: string | readonly string[];
  /** Divide the relative error by `lr / learningRate` (`learning_rate_control_relative_error_relative_lr`, false). */
  relativeErrorRelativeToLearningRate?: boolean;
  /** Keep a new learning rate for at least this many epochs (`learning_rate_control_min_num_epochs_per_new_lr`, 0). */
  minNumEpochsPerNewLearningRate?: number;
  /** Relative error `(new - old) / |old|` instead of `/ |new|` (`newbob_relative_error_div_by_old`, false). */
  relativeErrorDivByOld?: boolean;
  /** Decay factor (`newbob_learning_rate_decay`, 0.5; `learning_rate_decay` overrides it in RETURNN). */
  decay?: number;
  /** Growth factor (`newbob_learning_rate_growth`, 1). */
  growth?: number;
  /** Decay when the relative error exceeds this (`newbob_relative_error_threshold`, -0.01). */
  relativeErrorThreshold?: number;
  /** newbob_abs: decay when `new - old` exceeds this (`newbob_error_threshold`, -0.01). */
  errorThreshold?: number;
  /** newbob_multi_epoch: epochs averaged (`newbob_multi_num_epochs`, 5). */
  multiNumEpochs?: number;
  /** newbob_multi_epoch: update every N epochs (`newbob_multi_update_interval`, `multiNumEpochs`). */
  multiUpdateInterval?: number;
  /** newbob_multi_epoch: grow when the mean relative error is below this (`newbob_relative_error_grow_threshold`, `relativeErrorThreshold`). */
  relativeErrorGrowThreshold?: number;
}

/** What is recorded per epoch (RETURNN's `LearningRateControl.EpochData`). */
export interface EpochData {
  learningRate: number | null;
  /** Scores by key: `train_score`, `train_error`, `dev_score`, `dev_error` (`<key>_<loss>` per loss when there are several). */
  error: Record<string, number>;
}

/**
 * RETURNN's learning-rate control (`returnn/learning_rate_control.py`):
 * the learning rate of each epoch from the scores of the epochs before it.
 *
 * - `constant`: the last epoch's rate (after `learningRates`, the last of them).
 * - `newbob` (NewbobRelative): with `rel = (e[n-1] - e[n-2]) / |e[n-1]|`
 *   (or `/ |e[n-2]|`), the rate is multiplied by `decay` if `rel > relativeErrorThreshold`, else by `growth`.
 * - `newbob_abs`: the same with `e[n-1] - e[n-2] > errorThreshold`.
 * - `newbob_multi_epoch`: every `multiUpdateInterval` epochs (epoch `% interval == 1`),
 *   the mean of the relative errors of the last `multiNumEpochs + 1` epochs decides: decay above
 *   `relativeErrorThreshold`, growth below `relativeErrorGrowThreshold`.
 *
 * Decay never goes below `minLearningRate`. A rate once given to an epoch stays (the state is
 * saved in checkpoints, so resumed training goes on with the same rates).
 */
export class LearningRateControl {
  readonly kind: LearningRateControlKind;
  readonly epochData = new Map<number, EpochData>();
  private readonly o: Required<Omit<LearningRateControlOptions, 'learningRates' | 'errorMeasure' | 'kind'>> & Pick<LearningRateControlOptions, 'errorMeasure'>;

  /** @throws EngineConfigError for an unknown kind or a bad option. */
  constructor(options: LearningRateControlOptions) {
    const kind = options.kind ?? 'constant';
    if (!LEARNING_RATE_CONTROL_KINDS.includes(kind)) {
      throw new EngineConfigError(`learning_rate_control must be one of ${LEARNING_RATE_CONTROL_KINDS.map((k) => `'${k}'`).join(', ')}. Received: '${kind}'.`);
    }
    this.kind = kind;
    const threshold = options.relativeErrorThreshold ?? -0.01;
    const multi = options.multiNumEpochs ?? 5;
    this.o = {
      learningRate: options.learningRate,
      minLearningRate: options.minLearningRate ?? 0,
      errorMeasure: options.errorMeasure,
      relativeErrorRelativeToLearningRate: options.relativeErrorRelativeToLearningRate ?? false,
      minNumEpochsPerNewLearningRate: options.minNumEpochsPerNewLearningRate ?? 0,
      relativeErrorDivByOld: options.relativeErrorDivByOld ?? false,
      decay: options.decay ?? 0.5,
      growth: options.growth ?? 1,
      relativeErrorThreshold: threshold,
      errorThreshold: options.errorThreshold ?? -0.01,
      multiNumEpochs: multi,
      multiUpdateInterval: options.multiUpdateInterval ?? multi,
      relativeErrorGrowThreshold: options.relativeErrorGrowThreshold ?? threshold,
    };
    if (!(this.o.multiNumEpochs >= 1 && this.o.multiUpdateInterval >= 1)) {
      throw new EngineConfigError(`newbob_multi_num_epochs and newbob_multi_update_interval must be >= 1. Received: ${this.o.multiNumEpochs}, ${this.o.multiUpdateInterval}.`);
    }
    const fixed = options.learningRates;
    const entries = Array.isArray(fixed) ? fixed.map((lr, i) => [i + 1, lr] as const) : Object.entries(fixed ?? {}).map(([e, lr]) => [Number(e), lr as number] as const);
    for (const [epoch, lr] of entries) this.setDefaultLearningRateForEpoch(epoch, lr);
  }

  /** The learning rate of `epoch` (1-based), computed once and then kept (RETURNN `get_learning_rate_for_epoch`). */
  learningRateForEpoch(epoch: number): number {
    const known = this.epochData.get(epoch)?.learningRate;
    if (known !== undefined && known !== null) return known;
    const lr = this.newLearningRateForEpoch(epoch);
    this.setDefaultLearningRateForEpoch(epoch, lr);
    return lr;
  }

  /** Records scores of `epoch` (RETURNN `set_epoch_error`). */
  setEpochError(epoch: number, error: Record<string, number>): void {
    if (!this.epochData.has(epoch)) this.learningRateForEpoch(epoch);
    Object.assign(this.epochData.get(epoch)!.error, error);
  }

  /** The state as JSON, for checkpoints. */
  toJSON(): string {
    return JSON.stringify([...this.epochData]);
  }

  /** Replaces the state with one from {@link LearningRateControl.toJSON}. */
  restore(json: string): void {
    const entries = JSON.parse(json) as [number, EpochData][];
    this.epochData.clear();
    for (const [e, d] of entries) this.epochData.set(e, { learningRate: d.learningRate, error: { ...d.error } });
  }

  private setDefaultLearningRateForEpoch(epoch: number, lr: number): void {
    const d = this.epochData.get(epoch);
    if (!d) this.epochData.set(epoch, { learningRate: lr, error: {} });
    else if (!d.learningRate) d.learningRate = lr;
  }

  private lastEpochs(epoch: number, n: number): number[] {
    return [...this.epochData.keys()].filter((e) => e < epoch).sort((a, b) => a - b).slice(-n);
  }

  private newLearningRateForEpoch(epoch: number): number {
    const min = this.o.minNumEpochsPerNewLearningRate;
    if (min > 1) {
      const last = this.lastEpochs(epoch, min).map((e) => this.epochData.get(e)!.learningRate);
      if (new Set(last).size >= 2 || (last.length > 0 && last.length < min)) return last.at(-1)!;
    }
    return this.calcLearningRateForEpoch(epoch);
  }

  private calcLearningRateForEpoch(epoch: number): number {
    if (this.kind === 'newbob_multi_epoch') return this.multiEpoch(epoch);
    const last = this.lastEpochs(epoch, 1)[0];
    if (last === undefined) return this.o.learningRate;
    const lr = this.epochData.get(last)!.learningRate;
    if (this.kind === 'constant') return lr ?? this.calcLearningRateForEpoch(last);
    if (lr === null) return this.o.learningRate;
    const last2 = this.lastEpochs(last, 1)[0];
    if (last2 === undefined) return lr;
    if (this.kind === 'newbob_abs') {
      const [ko, old] = this.errorOf(last2);
      const [kn, cur] = this.errorOf(last);
      if (old === undefined || cur === undefined || ko !== kn) return lr;
      return this.decayOrGrow(lr, cur - old > this.o.errorThreshold);
    }
    const rel = this.relativeError(last2, last);
    return rel === undefined ? lr : this.decayOrGrow(lr, rel > this.o.relativeErrorThreshold);
  }

  private multiEpoch(epoch: number): number {
    const lr = this.mostRecentLearningRate(epoch, true);
    if (this.o.multiUpdateInterval > 1 && epoch % this.o.multiUpdateInterval !== 1) return lr;
    const last = this.lastEpochs(epoch, this.o.multiNumEpochs + 1);
    if (last.length <= 1) return lr;
    const rels = last.slice(1).map((e, i) => this.relativeError(last[i]!, e));
    if (rels.some((r) => r === undefined)) return lr;
    const mean = (rels as number[]).reduce((a, b) => a + b, 0) / rels.length;
    return this.decayOrGrow(lr, mean > this.o.relativeErrorThreshold, mean < this.o.relativeErrorGrowThreshold);
  }

  private decayOrGrow(lr: number, decay: boolean, grow = !decay): number {
    let out = lr;
    if (decay) out = Math.max(out * this.o.decay, this.o.minLearningRate);
    if (grow) out *= this.o.growth;
    return out;
  }

  private mostRecentLearningRate(epoch: number, excludeCurrent: boolean): number {
    const epochs = [...this.epochData.keys()].sort((a, b) => b - a);
    for (const e of epochs) {
      if (e > epoch || (excludeCurrent && e === epoch)) continue;
      const lr = this.epochData.get(e)!.learningRate;
      if (lr !== null) return lr;
    }
    return this.o.learningRate;
  }

  private relativeError(oldEpoch: number, newEpoch: number): number | undefined {
    const [ko, old] = this.errorOf(oldEpoch);
    const [kn, cur] = this.errorOf(newEpoch);
    if (old === undefined || cur === undefined || ko !== kn) return undefined;
    let rel = (cur - old) / Math.abs(this.o.relativeErrorDivByOld ? old : cur);
    if (this.o.relativeErrorRelativeToLearningRate) {
      const lr = this.mostRecentLearningRate(newEpoch, false);
      if (lr > 0) rel /= lr / this.o.learningRate;
    }
    return rel;
  }

  /** The score newbob compares for an epoch, and its key (RETURNN `get_error_key`). */
  private errorOf(epoch: number): [string | undefined, number | undefined] {
    const error = this.epochData.get(epoch)?.error ?? {};
    const keys = Object.keys(error);
    if (keys.length === 0) return [undefined, undefined];
    const measures = this.o.errorMeasure === undefined ? [] : typeof this.o.errorMeasure === 'string' ? [this.o.errorMeasure] : this.o.errorMeasure;
    const preferred = [...measures.flatMap((m) => [m, `${m}_output`]), 'dev_score', 'dev_score_output'];
    const sorted = [...keys].sort();
    const key =
      preferred.find((k) => k in error) ??
      sorted.find((k) => k === 'dev_score_output/output' || k.startsWith('dev_score_output/output_')) ??
      sorted.find((k) => k.startsWith('dev_score_output/')) ??
      sorted.find((k) => k.startsWith('dev_')) ??
      ['train_score', 'train_score_output'].find((k) => k in error) ??
      sorted[0]!;
    return [key, error[key]];
  }
}

/**
 * The scores of one pass as RETURNN records them (`<prefix>_score`, `<prefix>_error`;
 * with several losses `<prefix>_score_<loss>` and `<prefix>_error_<loss>`): the
 * normalised loss and the error rate of each loss.
 */
export function epochScores(prefix: 'train' | 'dev', r: EvalResult): Record<string, number> {
  const losses = Object.entries(r.losses);
  if (losses.length === 1) return { [`${prefix}_score`]: losses[0]![1].loss, [`${prefix}_error`]: losses[0]![1].errorRate };
  return Object.fromEntries(losses.flatMap(([name, l]) => [[`${prefix}_score_${name}`, l.loss], [`${prefix}_error_${name}`, l.errorRate]]));
}
