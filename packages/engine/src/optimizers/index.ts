export { Adam, type AdamOptions } from './adam.js';
export { checkGradientClipOptions, clipGradients, type GradientClipOptions } from './gradient-clipping.js';
export { OptimizerArgumentError, OptimizerError, OptimizerStateError, UnknownOptimizerError, type UnknownOptimizerErrorOptions } from './errors.js';
export {
  checkPositive,
  checkUnitInterval,
  Optimizer,
  type OptimizerBaseOptions,
  type OptimizerOptions,
  type OptimizerState,
  type SlotState,
  type UpdateArgs,
} from './optimizer.js';
export { getOptimizer, OPTIMIZER_NAMES, type OptimizerConfig } from './registry.js';
export { SGD, type SGDOptions } from './sgd.js';
