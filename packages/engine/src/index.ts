export { collate, epochBatches, type HostBatch, uploadBatch } from './batching.js';
export { type CheckpointInfo, checkpointPath, latestCheckpoint, loadTrainingCheckpoint, OPTIMIZER_PREFIX, saveTrainingCheckpoint } from './checkpoints.js';
export type { Dataset, Example } from './dataset.js';
export { Engine, type EngineOptions, type TrainResult } from './engine.js';
export { DataError, EngineConfigError, NonFiniteLossError } from './errors.js';
export * from './optimizers/index.js';
export { EpochProgress } from './progress.js';
export { evalStep, type StepMetrics, trainStep } from './step.js';
export { type EvalResult, formatEpochLine, formatResult, MetricsAccumulator } from './summary.js';
