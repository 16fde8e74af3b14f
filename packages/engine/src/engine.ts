import { type Backend, getBackend, ops, type Tensor } from '@strata/backend';
import { type Data, hashString, INFERENCE, resetEpochState, Rng, sizeKey, trainingContext, type Variable } from '@strata/core';
import type { LayerOutput, Model } from '@strata/network';
import { collate, epochBatches, isSequenceData, uploadBatch } from './batching.js';
import { BatchPlanner } from './batch-planner.js';
import { checkCleanupOldModels, cleanupOldModels, type CleanupOldModelsOptions, parseEpochScores } from './cleanup-old-models.js';
import { checkpointPath, latestCheckpoint, loadTrainingCheckpoint, removeStaleTempFiles, saveTrainingCheckpoint } from './checkpoints.js';
import type { Dataset } from './dataset.js';
import { EngineConfigError } from './errors.js';
import { epochScores, LearningRateControl } from './learning-rate-control.js';
import { nonFiniteLossError, snapshotTraining } from './nan-guard.js';
import type { EngineOptions } from './engine-options.js';
import { getOptimizer } from './optimizers/index.js';
import type { Optimizer } from './optimizers/optimizer.js';
import { preloadFromFiles } from './preload.js';
import { EpochProgress } from './progress.js';
import { type EvalStepFn, makeEvalStep, TrainStepCache } from './step.js';
import { type EvalResult, formatEpochLine, MetricsAccumulator } from './summary.js';
import { concatRows, type PredictedRow, type PredictResult, sequenceRows } from './predict-rows.js';


/** What {@link Engine.train} returns. */
export interface TrainResult {
  /** Epochs run in this call (0 if the checkpoint already had them all). */
  epochsRun: number;
  /** The epoch training resumed from (0: from scratch). */
  resumedFrom: number;
  /** Dev results per epoch of this call. */
  history: { epoch: number; train: EvalResult; dev: EvalResult | null; seconds: number }[];
}

export type { EngineOptions } from './engine-options.js';
export type { PredictResult } from './predict-rows.js';

/**
 * Trains, evaluates and runs any {@link Model} on the active backend
 * (RETURNN's `Engine`): a net dict (`NetDictNetwork`), or any Layer made a
 * model with its extern data and loss (`LayerModel`, e.g. a `Network`
 * subclass). Seeded shuffling and batching, one training step per batch
 * (`ctx.training` true; nested layers inherit it), a dev evaluation (`ctx.training`
 * false) and a checkpoint after every epoch, and resume from the newest checkpoint.
 *
 * Determinism: epoch `e` shuffles with seed `hash(seed, e)` and step `s` seeds
 * dropout with `hash(seed, e, s)`, so training resumed after epoch `k` goes on
 * exactly as an uninterrupted run would.
 *
 * Sequence data: when an extern-data key the model reads has a dynamic axis
 * (`"shape": [null, ...]`), batches are built by `sequenceBatches` from each
 * example's length along the first such key (computed once per dataset; the
 * budget is `batchSize` frames with padding and `maxSeqs` sequences, the
 * order fixed by `(seed, epoch)`), padded by `collateSequences`, and every
 * sequence key `k` is uploaded with its lengths `k:size1` (int32 `[batch]`,
 * `sizeKey`), which the model puts into the key's time Dim. Losses get the
 * target's and the output's lengths from their Dims, so costs and error
 * rates are per target frame (RETURNN).
 */
export class Engine {
  readonly optimizer: Optimizer;
  private readonly seed: number;
  private readonly log: (line: string) => void;
  /** The configured learning rate; epoch `e` trains with `baseLr * decay^(e-1)`. */
  private readonly baseLr: number;
  private step = 0;
  private readonly trainSteps = new TrainStepCache();
  /** Compiled functions of the active backend (`compiledFor`): the eval step and the predict passes. */
  private readonly compiled = new Map<string, unknown>();
  private compiledFor: Backend | undefined;
  private readonly planner: BatchPlanner;
  /** RETURNN's learning-rate control, when `learningRateControl` is given. */
  readonly learningRateControl: LearningRateControl | undefined;
  /** Each finished epoch's scores (`train_score`, `dev_score`, ...), saved in checkpoints, for `cleanupOldModels`. */
  private readonly epochScoreHistory = new Map<number, Record<string, number>>();
  private readonly cleanup: CleanupOldModelsOptions | null;

  /**
   * @throws EngineConfigError for a bad batch size, eval batch size or epoch count, or a model without a loss.
   * @throws UnknownOptimizerError, OptimizerArgumentError for a bad optimizer config.
   */
  constructor(
    readonly model: Model,
    readonly options: EngineOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize <= 0) {
      throw new EngineConfigError(`batch_size must be a positive integer. Received: batch_size=${JSON.stringify(options.batchSize)}.`);
    }
    if (!Number.isInteger(options.epochs) || options.epochs <= 0) {
      throw new EngineConfigError(`num_epochs must be a positive integer. Received: num_epochs=${JSON.stringify(options.epochs)}.`);
    }
    if (options.maxSeqs !== undefined && (!Number.isInteger(options.maxSeqs) || options.maxSeqs <= 0)) {
      throw new EngineConfigError(`max_seqs must be a positive integer. Received: max_seqs=${JSON.stringify(options.maxSeqs)}.`);
    }
    if (options.evalBatchSize !== undefined && (!Number.isInteger(options.evalBatchSize) || options.evalBatchSize <= 0)) {
      throw new EngineConfigError(
        `evalBatchSize must be a positive integer (examples, or frames for sequence data), or left out for the default. Received: evalBatchSize=${JSON.stringify(options.evalBatchSize) ?? String(options.evalBatchSize)}.`,
      );
    }
    if (model.lossNames('train').length === 0) {
      throw new EngineConfigError(
        `The model has no loss: add "loss": "ce" (and "target") to its output layer in a net dict, or give a LayerModel its loss ({ loss: 'ce' }).`,
      );
    }
    this.optimizer = getOptimizer(options.optimizer);
    this.baseLr = this.optimizer.learningRate;
    if (options.learningRateControl && options.learningRateDecay !== undefined && options.learningRateDecay !== 1) {
      throw new EngineConfigError('learningRateDecay (a per-epoch factor) and learningRateControl both set the learning rate; give one of them.');
    }
    const lrc = options.learningRateControl;
    this.learningRateControl = lrc ? new LearningRateControl({ ...lrc, learningRate: lrc.learningRate ?? this.baseLr }) : undefined;
    this.cleanup = checkCleanupOldModels(options.cleanupOldModels);
    this.seed = options.seed ?? 42;
    this.planner = new BatchPlanner(this.seed, options.maxSeqs ?? 200);
    this.log = options.log ?? ((l) => console.log(l));
  }

  /**
   * The Data templates of the extern-data keys the model reads, after
   * checking that `dataset` provides them as `extern_data` describes.
   * @throws NetDictError (from @strata/network) naming each key that is missing or differs.
   * @throws EngineConfigError for entries declared in another axis order (see `ExternData.layouts`).
   */
  private templatesFor(dataset: Dataset): Data[] {
    const ext = this.model.externData;
    const keys = this.model.usedDataKeys();
    // The Engine collates batch-first, feature-last batches; entries declared in another axis order (RETURNN's batch_dim_axis 1, features first) are fed that way only through forward().
    const declared = keys.filter((k) => ext.layouts.has(k));
    if (declared.length > 0) {
      throw new EngineConfigError(
        `extern_data ${declared.map((k) => `'${k}' ${JSON.stringify(ext.declaredBatchShape(k))}`).join(', ')}: declared in another axis order than batch first, feature last; ` +
          `the Engine's batches are batch-first, feature-last. Declare these entries so (e.g. {"shape": [null, 5]}), or feed network.forward() batches in the declared order.`,
      );
    }
    ext.checkMatchesDataset(dataset.name, dataset.extern, keys);
    return keys.map((k) => ext.getData(k));
  }

  private get variables(): Variable[] {
    return this.model.variables;
  }

  /** Evaluation batch size: `evalBatchSize`, else 500 examples (fixed shapes) or `batchSize` frames (sequences). */
  private evalBatchSizeFor(templates: Data[]): number {
    return this.options.evalBatchSize ?? (templates.some(isSequenceData) ? this.options.batchSize : 500);
  }

  /**
   * Trains for the configured epochs, resuming after the newest checkpoint in `modelDir`.
   * @throws NetDictError (from @strata/network) if a dataset does not match `extern_data`.
   * @throws DataError for bad examples; NonFiniteLossError if the loss becomes NaN/Inf (unless `stopOnNonfiniteTrainScore` is false).
   */
  async train(train: Dataset, dev?: Dataset): Promise<TrainResult> {
    const model = this.model;
    const templates = this.templatesFor(train);
    if (dev) this.templatesFor(dev);
    const { epochs, batchSize, modelDir } = this.options;
    const decay = this.options.learningRateDecay ?? 1;

    let start = 0;
    if (modelDir) removeStaleTempFiles(modelDir);
    const last = modelDir ? latestCheckpoint(modelDir) : null;
    if (last) {
      const info = await loadTrainingCheckpoint(last.path, this.variables, this.optimizer);
      if (this.options.configHash && info.configHash && info.configHash !== this.options.configHash) {
        this.log(`note: ${last.path} was written by a different config (hash ${info.configHash}, now ${this.options.configHash}); continuing.`);
      }
      start = info.epoch;
      this.step = info.step;
      if (info.learningRateControl) this.learningRateControl?.restore(info.learningRateControl);
      for (const [e, sc] of parseEpochScores(info.epochScores)) this.epochScoreHistory.set(e, sc);
      this.log(`resuming from ${last.path} (epoch ${start} done)`);
    } else if (this.options.preloadFromFiles) {
      for (const line of await this.preload(true)) this.log(line);
    }
    const result: TrainResult = { epochsRun: 0, resumedFrom: start, history: [] };
    const progress = new EpochProgress({ enabled: this.options.progress === false ? false : undefined });
    const trainStep = this.trainSteps.get(model, this.optimizer);

    for (let epoch = start + 1; epoch <= epochs; epoch++) {
      this.optimizer.learningRate = this.learningRateControl?.learningRateForEpoch(epoch) ?? this.baseLr * decay ** (epoch - 1);
      const epochTrain = train.forEpoch?.(epoch) ?? train;
      const batches = this.planner.batchesOf(epochTrain, templates, batchSize, epoch);
      // RETURNN's epoch step 0: state kept between steps (initial_state "keep_over_epoch") starts over.
      resetEpochState(model);
      const acc = new MetricsAccumulator();
      // The NaN guard replays the epoch from here to find where a non-finite loss comes from.
      const snapshot = snapshotTraining(model, this.optimizer);
      // Step `b` of the epoch: its host batch and its context (dropout seeded by `hash(seed, epoch, b)`); the guard replays with the same.
      const hostAt = (b: number) => this.planner.collateOf(epochTrain, batches[b]!, templates);
      const ctxAt = (b: number) => trainingContext(new Rng(hashString(`step:${epoch}:${b}`, this.seed)));
      const t0 = performance.now();
      progress.start(epoch, epochs, batches.length);
      let nonFinite = 0;
      for (let b = 0; b < batches.length; b++) {
        const host = hostAt(b);
        const inputs = uploadBatch(host);
        const m = trainStep(inputs, ctxAt(b));
        ops.dispose(Object.values(inputs));
        if (!Number.isFinite(m.objective) && this.options.stopOnNonfiniteTrainScore === false) nonFinite++;
        else if (!Number.isFinite(m.objective)) {
          progress.stop();
          throw nonFiniteLossError({
            model,
            optimizer: this.optimizer,
            snapshot,
            learningRate: this.optimizer.learningRate,
            epoch,
            batch: b,
            objective: m.objective,
            batchAt: (i) => ({ inputs: uploadBatch(hostAt(i)), ctx: ctxAt(i) }),
            lastGoodCheckpoint: modelDir && epoch > 1 ? checkpointPath(modelDir, epoch - 1) : null,
            step: trainStep,
          });
        }
        acc.add(m, host.size);
        this.step++;
        progress.update(b + 1, m.objective, acc.samples / ((performance.now() - t0) / 1000));
      }
      progress.stop();
      const seconds = (performance.now() - t0) / 1000;
      const trainRes = acc.result();
      // RETURNN calls init_seq_order(epoch) on the dev set too: generated data without fixed_random_seed changes per epoch.
      const devRes = dev ? this.evaluate(dev.forEpoch?.(epoch) ?? dev) : null;
      const scores = { ...epochScores('train', trainRes), ...(devRes ? epochScores('dev', devRes) : {}) };
      this.learningRateControl?.setEpochError(epoch, scores);
      this.epochScoreHistory.set(epoch, scores);
      this.log(formatEpochLine(epoch, epochs, trainRes, devRes, seconds));
      if (nonFinite > 0) {
        this.log(`note: ${nonFinite} of ${batches.length} steps of epoch ${epoch} had a non-finite objective; training goes on (stop_on_nonfinite_train_score = False).`);
      }
      if (modelDir) {
        await saveTrainingCheckpoint(checkpointPath(modelDir, epoch), this.variables, this.optimizer, {
          epoch,
          step: this.step,
          configHash: this.options.configHash ?? '',
          learningRateControl: this.learningRateControl?.toJSON(),
          epochScores: JSON.stringify([...this.epochScoreHistory]),
        });
        // Only after the new checkpoint is safely on disk (the save is atomic and has returned).
        if (this.cleanup) {
          const removed = cleanupOldModels(modelDir, this.epochScoreHistory, this.cleanup, epoch);
          if (removed.length > 0) this.log(`cleanup_old_models: deleted the checkpoints of epochs ${removed.join(', ')}`);
        }
      }
      result.epochsRun++;
      result.history.push({ epoch, train: trainRes, dev: devRes, seconds });
    }
    return result;
  }

  /** Loss, error rate and accuracy of the model on `dataset`, in inference mode. */
  evaluate(dataset: Dataset): EvalResult {
    const model = this.model;
    const templates = this.templatesFor(dataset);
    const acc = new MetricsAccumulator();
    const evalStep = this.perBackend<EvalStepFn>('eval', () => makeEvalStep(model));
    // Each evaluation pass is a run of its own from step 0 (RETURNN's Runner feeds epoch_step from 0).
    resetEpochState(model);
    for (const idx of this.planner.batchesOf(dataset, templates, this.evalBatchSizeFor(templates))) {
      const host = this.planner.collateOf(dataset, idx, templates);
      const inputs = uploadBatch(host);
      acc.add(evalStep(inputs), host.size);
      ops.dispose(Object.values(inputs));
    }
    return acc.result();
  }

  /**
   * Runs the model in inference mode on every example of `dataset` (only
   * the inputs are read; targets may be absent) and returns one output's
   * values, batch after batch, row-major `[examples, ...outputShape]`.
   * The forward pass is compiled with the active backend (`backend.compile`).
   * Sequence data: see {@link PredictResult} (padded values and lengths).
   *
   * @param layer output name (default: the model's default output, `outputNames()[0]`).
   * @throws NetDictError if the dataset lacks an input; EngineConfigError for a bad `batchSize`; DataError for a bad example value.
   */
  predict(dataset: Dataset, opts: { layer?: string; batchSize?: number } = {}): PredictResult {
    if (opts.batchSize !== undefined && (!Number.isInteger(opts.batchSize) || opts.batchSize <= 0)) {
      throw new EngineConfigError(`predict: batchSize must be a positive integer. Received: batchSize=${JSON.stringify(opts.batchSize) ?? String(opts.batchSize)}.`);
    }
    const model = this.model;
    const keys = model.inputKeys().sort();
    model.externData.checkMatchesDataset(dataset.name, dataset.extern, keys);
    const templates = keys.map((k) => model.externData.getData(k));
    const layer = opts.layer ?? model.outputNames()[0]!;
    model.outputData(layer);
    const batchSize = opts.batchSize ?? this.evalBatchSizeFor(templates);
    resetEpochState(model);
    const seqKey = this.planner.sequenceKeyOf(templates);
    if (seqKey) return this.predictSequences(dataset, templates, seqKey, layer, batchSize);
    // Compiled once per backend, layer and inputs, so repeated calls reuse the graph backend's sessions.
    const forward = this.cachedCompile(`predict:${layer}:${keys.join(',')}`, (...xs: Tensor[]) => {
      const outs = model.forward(Object.fromEntries(keys.map((k, i) => [k, xs[i]!])), INFERENCE);
      return outs.get(layer)!.value;
    });
    const parts: Float32Array[] = [];
    let rowShape: number[] = [];
    for (const idx of epochBatches(dataset.size, batchSize)) {
      const inputs = uploadBatch(collate(dataset, idx, templates));
      ops.tidy(() => {
        const y = forward(...keys.map((k) => inputs[k]!));
        rowShape = y.shape.slice(1);
        parts.push(Float32Array.from(ops.readSync(y)));
      });
      ops.dispose(Object.values(inputs));
    }
    return { values: concatRows(parts), shape: [dataset.size, ...rowShape] };
  }

  /**
   * `make()` (a function compiled with the active backend), kept under `key`
   * (a compiled function caches its graphs per input signature); made again
   * when the backend changes.
   */
  private perBackend<T>(key: string, make: () => T): T {
    const backend = getBackend();
    if (this.compiledFor !== backend) {
      this.compiled.clear();
      this.compiledFor = backend;
    }
    if (!this.compiled.has(key)) this.compiled.set(key, make());
    return this.compiled.get(key) as T;
  }

  /** `backend.compile(fn)` of the active backend, kept under `key` ({@link Engine.perBackend}). */
  private cachedCompile<F extends (...xs: Tensor[]) => unknown>(key: string, fn: F): F {
    return this.perBackend(key, () => getBackend().compile(fn) as F);
  }

  /** {@link Engine.predict} for sequence data: rows placed by example index, time padded to the longest output. */
  private predictSequences(dataset: Dataset, templates: Data[], seqKey: Data, layer: string, batchSize: number): PredictResult {
    const model = this.model;
    // The batch keys: each template's key, and `<key>:size1` for sequence data (as uploadBatch names them), sorted.
    const names = templates.flatMap((d) => (isSequenceData(d) ? [d.name, sizeKey(d.name)] : [d.name])).sort();
    const forward = this.cachedCompile(`predictSeq:${layer}:${names.join(',')}`, (...xs: Tensor[]) => {
      const out: LayerOutput = model.forward(Object.fromEntries(names.map((k, i) => [k, xs[i]!])), INFERENCE).get(layer)!;
      // The output's lengths: the sizes its time Dim got in this pass.
      const lens = model.outputData(layer).timeDim?.dynSize;
      return lens ? [out.value, lens] : [out.value];
    });
    const hasTime = model.outputData(layer).shape[0] === null;
    const rows: PredictedRow[] = new Array(dataset.size);
    let rowShape: number[] = [];
    let maxTime = 0;
    for (const idx of this.planner.batchesOf(dataset, templates, batchSize, undefined, true)) {
      const host = this.planner.collateOf(dataset, idx, templates);
      const inputs = uploadBatch(host);
      ops.tidy(() => {
        const [y, lens] = forward(...names.map((k) => inputs[k]!)) as Tensor[];
        rowShape = y!.shape.slice(1);
        const v = Float32Array.from(ops.readSync(y!));
        const per = v.length / idx.length;
        const input = host.arrays[seqKey.name]!;
        const sameTime = hasTime && rowShape[0] === input.shape[1];
        const outLens = lens ? ops.readSync(lens) : sameTime ? host.arrays[sizeKey(seqKey.name)]!.values : undefined;
        if (hasTime) maxTime = Math.max(maxTime, rowShape[0]!);
        for (let i = 0; i < idx.length; i++) rows[idx[i]!] = { values: v.subarray(i * per, (i + 1) * per), len: outLens?.[i] };
      });
      ops.dispose(Object.values(inputs));
    }
    return sequenceRows(rows, rowShape, hasTime ? maxTime : undefined);
  }

  /**
   * Loads a checkpoint's model weights (optimizer slots in it are ignored),
   * then the `preloadFromFiles` entries without `initForTrain`, which override it.
   */
  async loadWeights(path: string): Promise<{ epoch: number; step: number }> {
    const info = await loadTrainingCheckpoint(path, this.variables);
    if (this.options.preloadFromFiles) for (const line of await this.preload(false)) this.log(line);
    return info;
  }

  private preload(forTraining: boolean): Promise<string[]> {
    const scope = this.model.name;
    return preloadFromFiles(this.variables, scope ? `${scope}/` : '', this.options.preloadFromFiles ?? {}, forTraining);
  }
}
