export { type Activation, ACTIVATION_NAMES, getActivation } from './activations.js';
export { batchDim, Data, type DataConfig, Dim, type DimKind, type DimTagConfig } from './data.js';
export {
  DuplicateNameError,
  InputShapeError,
  LayerArgumentError,
  LayerError,
  LayerNotBuiltError,
  WeightMismatchError,
} from './errors.js';
export * from './initializers/index.js';
export {
  type AddWeightOptions,
  type CallContext,
  INFERENCE,
  Layer,
  type LayerArgs,
  type LayerConfig,
  type SymbolicShape,
  trainingContext,
} from './layer.js';
export * from './layers/index.js';
export { NameScope, toSnakeCase } from './naming.js';
export { hashString, Rng } from './rng.js';
export { maskFrames, sequenceMask } from './sequence-mask.js';
export { type Constraint, type Regularizer, Variable, type VariableOwner } from './variable.js';
