import type { CleanupOldModelsOptions } from './cleanup-old-models.js';
import type { LearningRateControlOptions } from './learning-rate-control.js';
import type { OptimizerConfig } from './optimizers/index.js';
import type { PreloadFileOptions } from './preload.js';

/** Options of {@link Engine} (RETURNN config names in brackets). */
export interface EngineOptions {
  /**
   * Training batch size (`batch_size`), a positive integer: examples per
   * batch for fixed-shape data; for sequence data (an extern-data key the
   * model reads has a dynamic axis), the most frames per batch counting
   * padding, `longest sequence × sequences` (RETURNN), with sequences of
   * similar length batched together (`sequenceBatches`).
   */
  batchSize: number;
  /** Sequence data: the most sequences per batch (`max_seqs`). Default 200. */
  maxSeqs?: number;
  /** Number of epochs to train (`num_epochs`). */
  epochs: number;
  /** Seed of shuffling and dropout. Default 42. */
  seed?: number;
  /** Optimizer and learning rate (`optimizer`, `learning_rate`). */
  optimizer: OptimizerConfig;
  /** Multiply the learning rate by this after every epoch. Default 1. Not with `learningRateControl`. */
  learningRateDecay?: number;
  /**
   * RETURNN's learning-rate control (`learning_rate_control`, `learning_rates`, `newbob_*`): each epoch's
   * rate from the scores of the epochs before (see {@link LearningRateControl}); `learningRate` defaults
   * to the optimizer's. Its state is saved in checkpoints.
   */
  learningRateControl?: Omit<LearningRateControlOptions, 'learningRate'> & { learningRate?: number };
  /** Directory for one checkpoint per epoch (`model`); training resumes from the newest one. */
  modelDir?: string;
  /**
   * Batch size for evaluation and `predict`: examples (fixed-shape data,
   * default 500) or frames counting padding (sequence data, default `batchSize`).
   */
  evalBatchSize?: number;
  /** A hash of the config, stored in checkpoints to notice config changes on resume. */
  configHash?: string;
  /** Where summary lines go. Default console.log. */
  log?: (line: string) => void;
  /** Show a progress bar. Default: when stderr is a terminal. */
  progress?: boolean;
  /**
   * Weights from other files (`preload_from_files`), by entry name: with
   * `initForTrain`, loaded when training starts from scratch (not on resume);
   * without, loaded by {@link Engine.loadWeights} after the checkpoint. See {@link PreloadFileOptions}.
   */
  preloadFromFiles?: Record<string, PreloadFileOptions>;
  /**
   * RETURNN's `stop_on_nonfinite_train_score` (`returnn/tf/engine.py`, `Runner.run` and
   * `Engine.train_epoch`). `true` (default): a step whose objective is NaN/Inf stops training
   * with a {@link NonFiniteLossError}. `false`: training goes on; that step's update has been
   * applied as computed (use `gradientNanInfFilter` to zero non-finite gradients), its
   * objective enters the epoch's train score, and the epoch line is followed by a note.
   */
  stopOnNonfiniteTrainScore?: boolean;
  /**
   * RETURNN's `cleanup_old_models` (`returnn/engine/base.py`, `EngineBase.cleanup_old_models`):
   * after each epoch's checkpoint is written, delete older checkpoints in `modelDir` except the
   * newest `keepLastN`, the `keepBestN` best per score (train and dev scores and errors) and the
   * `keep` epochs (see {@link CleanupOldModelsOptions}). `true`: RETURNN's defaults. Default off.
   */
  cleanupOldModels?: boolean | CleanupOldModelsOptions;
}
