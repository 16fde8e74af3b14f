export { Adam, type AdamOptions } from './adam.js';
export { checkGradientClipOptions, type ClipContext, clipGradients, type GradientClipOptions } from './gradient-clipping.js';
export { erfinv, truncatedNormal } from './gradient-noise.js';
export { OptimizerArgumentError, OptimizerError, OptimizerStateError, UnknownOptimizerError, type UnknownOptimizerErrorOptions } from './errors.js';
export {
  checkPositive,
  checkUnitInterval,
  ACCUM_GRAD_SLOT,
  Optimizer,
  type OptimizerBaseOptions,
  type OptimizerOptions,
  type OptimizerState,
  type SlotState,
  type UpdateArgs,
} from './optimizer.js';
export { getOptimizer, OPTIMIZER_NAMES, type OptimizerConfig } from './registry.js';
export { SGD, type SGDOptions } from './sgd.js';
