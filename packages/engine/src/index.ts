export {
  collate,
  collateSequenceBatch,
  epochBatches,
  type HostBatch,
  isSequenceData,
  sequenceKeySpec,
  sequenceLengths,
  uploadBatch,
} from './batching.js';
export { checkCleanupOldModels, cleanupOldModels, type CleanupOldModelsOptions, defaultKeepPattern, oldModelsToRemove } from './cleanup-old-models.js';
export { type CheckpointInfo, checkpointEpochs, checkpointPath, latestCheckpoint, loadTrainingCheckpoint, OPTIMIZER_PREFIX, saveTrainingCheckpoint } from './checkpoints.js';
export type { Dataset, Example } from './dataset.js';
export { Engine, type EngineOptions, type PredictResult, type TrainResult } from './engine.js';
export { DataError, EngineConfigError, NonFiniteLossError, type NonFiniteLossErrorOptions } from './errors.js';
export * from './optimizers/index.js';
export {
  type EpochData,
  epochScores,
  LEARNING_RATE_CONTROL_KINDS,
  LearningRateControl,
  type LearningRateControlKind,
  type LearningRateControlOptions,
} from './learning-rate-control.js';
export { preloadFromFiles, type PreloadFileOptions } from './preload.js';
export { EpochProgress, type EpochProgressOptions } from './progress.js';
export { type EvalStepFn, makeEvalStep, makeTrainStep, type StepMetrics, type TrainContext, type TrainStepFn, trainStep } from './step.js';
export { type EvalResult, formatEpochLine, formatResult, MetricsAccumulator } from './summary.js';
export { collateSequences, DEFAULT_BUCKET_SORT_WINDOW, type PaddedSequences, paddingStats, type SequenceBatch, type SequenceBatchOptions, type SequenceKeySpec, sequenceBatches } from './bucketing.js';
export { ctcBestPath, type DecodeOptions, decodeSequences } from './decode.js';
