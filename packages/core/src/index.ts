export { type Activation, ACTIVATION_NAMES, fusedActivation, getActivation } from './activations.js';
export { batchDim, Data, type DataConfig, type DataOptions, Dim, type DimKind, type DimOptions, type DimTagConfig, sizeKey } from './data.js';
export { type CanonicalDataConfig, canonicalDataConfig, type DataLayout } from './data-layout.js';
export { axesIn, broadcastToData, commonData, sameDimForBroadcast } from './data-common.js';
export {
  BATCH_DIM_JSON,
  dataConfigOfDimJson,
  derivedDim,
  type DimJson,
  DimJsonError,
  type DimJsonErrorOptions,
  type DimJsonKind,
  dimMath,
  type DimMathOp,
  type DimOpKind,
  isDimJson,
  parseDimJson,
  SINGLE_STEP_DIM_JSON,
  strataKindOf,
} from './dim-json.js';
export { type AddWeightOptions, MAX_WEIGHT_ELEMENTS } from './add-weight.js';
export { CallRecords, type InputsKey, type VariableUpdate } from './call-records.js';
export {
  AmbiguousLayerNodeError,
  type AmbiguousLayerNodeErrorOptions,
  CallReturnedNothingError,
  type CallReturnedNothingErrorOptions,
  DuplicateNameError,
  InputShapeError,
  type InputShapeErrorOptions,
  LayerArgumentError,
  LayerError,
  LayerNotBuiltError,
  type LayerNotBuiltErrorOptions,
  LayerNotConnectedError,
  type LayerNotConnectedErrorOptions,
  MaskNotSupportedError,
  NodeIndexError,
  NotALayerError,
  SymbolicTensorError,
  TensorReleasedError,
  TrackingCycleError,
  VariableSynchronizationError,
  WeightMismatchError,
} from './errors.js';
export * from './initializers/index.js';
export {
  type ApplyOptions,
  type CallContext,
  INFERENCE,
  Layer,
  type LayerArgs,
  type LayerConfig,
  type SymbolicShape,
  trainingContext,
} from './layer.js';
export { LayerConnectivity } from './layer-connectivity.js';
export {
  argsFromEntry,
  checkEntryArgs,
  type LayerBuildContext,
  type LayerCheck,
  type LayerOption,
  type LayerOptions,
  type LayerSpec,
  type NetDictSpec,
  option,
  resolveArgs,
  schemas,
  type SpecLayerClass,
} from './layer-spec.js';
export { LayerLosses } from './layer-losses.js';
export { LayerTracking } from './layer-tracking.js';
export { LayerNode, type LayerNodeOptions, type Mask, maskOf, NodeHistory, type NodeHistoryOptions, type NodeLayer } from './layer-node.js';
export * from './layers/index.js';
export { classNameOf, describeValue, NameScope, toSnakeCase } from './naming.js';
export {
  type AxisSizePartitionerOptions,
  fixedSizePartitioner,
  PartitionedVariable,
  type Partitioner,
  partitionSizes,
  variableAxisSizePartitioner,
} from './partitioned-variable.js';
export { registerRegularizer, type SerializedRegularizer, serializeRegularizer, toRegularizer } from './regularizers.js';
export { hashString, Rng } from './rng.js';
export { maskedSoftmaxOverTime, maskFrames, sequenceMask } from './sequence-mask.js';
export { fixTrailingDotFloats } from './python-source.js';
export { input, type InputOptions, SymbolicNode, SymbolicTensor } from './symbolic-tensor.js';
export {
  type Constraint,
  type Regularizer,
  VARIABLE_AGGREGATIONS,
  VARIABLE_SYNCHRONIZATIONS,
  Variable,
  type VariableAggregation,
  type VariableOptions,
  type VariableOwner,
  type VariableSynchronization,
} from './variable.js';
