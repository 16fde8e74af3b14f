export {
  CannotHandleUndefinedSourcesError,
  type CannotHandleUndefinedSourcesErrorOptions,
  LayerExecutionError,
  type LayerExecutionErrorOptions,
  type LayerFailure,
  layerFailureOf,
  LayerNotFoundError,
  LossesNotComputedError,
  NetDictError,
  NetworkArgumentError,
  NetworkConstructionDependencyLoopError,
  type NetworkConstructionDependencyLoopErrorOptions,
  NetworkError,
  NoCurrentNetworkError,
  NotALayerError,
  ParamNotFoundError,
  type ParamNotFoundErrorOptions,
  ParamShapeMismatchError,
  type ParamShapeMismatchErrorOptions,
  RecStepInfoNotAvailableError,
  type TensorSummary,
  UnknownLayerClassError,
} from './errors.js';
export {
  type DataKwargs,
  type DatasetDescription,
  DatasetMismatchError,
  type DatasetMismatchErrorOptions,
  type DataMismatch,
  DuplicateDataKeyError,
  type DuplicateDataKeyErrorOptions,
  ExternData,
  type ExternDataConfig,
  ExternDataKeyError,
  type ExternDataKeyErrorOptions,
  type ExternDataOptions,
  type QueueArgs,
} from './extern-data.js';
export { type ExportableNetwork, type ExportedModel, exportOnnx, type ExportOnnxOptions, onnxInputsOf, traceNetwork } from './export-onnx.js';
export { type Batch, type ComputedLosses, isModel, type LayerOutput, type Model } from './model.js';
export { LayerModel, type LayerModelLoss, type LayerModelOptions } from './layer-model.js';
export {
  type NetDictNode,
  NetDictNetwork,
  type NetDictNetworkArgs,
  type RecStepInfo,
  type SourceRef,
} from './net-dict/net-dict-network.js';
export { LayerGraph, type LayerGraphOptions } from './net-dict/graph.js';
export { NetworkParams, type NetworkParamsOptions } from './net-dict/params-api.js';
export type { TrainParamsSelection } from './net-dict/params.js';
export type { ConstructLayerHooks } from './net-dict/construct.js';
export type { ExtraNetOptions } from './net-dict/extra-net.js';
export { computeLosses, type FetchesOptions } from './net-dict/losses.js';
export { runGraph } from './net-dict/run-graph.js';
export type { NetworkParamsSerialized, ParamValue, ParamValueInput, ParamValuesDict, SetParamValuesOptions } from './net-dict/params.js';
export type { SearchChoicesOptions } from './net-dict/search-choices.js';
export { summarizeTensor } from './net-dict/forward.js';
export { getNetDictClass, type LayerCreateContext, type NetDictLayerClass, netDictClassNames, registerNetDictClass } from './net-dict/registry.js';
export { type LayerDescription, type NetDict } from './net-dict/schema.js';
export { type EvalEnv, type EvalResult, firstSourceLens, sourceLens } from './net-dict/net-dict-node.js';
export { frameData, RecUnit, type RecUnitArgs } from './net-dict/rec-unit.js';
export { registerRecClasses } from './net-dict/rec-classes.js';
export { registerSubnetworkClass, Subnetwork, type SubnetworkArgs } from './net-dict/subnetwork.js';
export { GetLastHiddenState, registerGetLastHiddenStateClass } from './net-dict/get-last-hidden-state.js';
export { Cond, registerCondClass } from './net-dict/cond.js';
export { RecLastOutput, registerRecLastOutputClass } from './net-dict/rec-last-output.js';
export { RecUnstack, registerRecUnstackClass } from './net-dict/rec-unstack.js';
export { RecStepInfoLayer, registerRecStepInfoClass } from './net-dict/rec-step-info.js';
export { CumConcat, registerCumConcatClass } from './net-dict/cum-concat.js';
export { MaskedComputation, registerMaskedComputationClass } from './net-dict/masked-computation.js';
export { registerUnmaskClass, Unmask } from './net-dict/unmask.js';
export { registerUnflattenBatchClass } from './net-dict/unflatten-batch.js';
export { chunkPlan, registerTimeChunkingClass, registerTimeUnchunkingClass } from './net-dict/time-chunking.js';
export { type BeamState, runSearch, type SearchContext } from './net-dict/rec-search.js';
export { registerNetworkClasses } from './net-dict/network-classes.js';

import { registerNetworkClasses } from './net-dict/network-classes.js';

registerNetworkClasses();
export { Functional, type FunctionalArgs } from './functional.js';
export { type LayerSelector, Network, type NetworkArgs } from './network.js';
export {
  InvalidNetworkNameError,
  LayerSelectorError,
  NetworkNameNotFinalError,
  NetworkNotInitializedError,
  TrackingCycleError,
} from './network-errors.js';
export { TopLevelScope } from './top-level-scope.js';
export {
  type ConfigLocation,
  type ConfigNote,
  findOpaque,
  isPyDict,
  OpaqueValue,
  parseReturnnConfig,
  type PyDict,
  type PyValue,
  pyRepr,
  readReturnnConfig,
  type ReturnnConfig,
  type ReturnnConfigEntry,
  ReturnnConfigError,
  type ReturnnConfigErrorOptions,
  toPlain,
} from './returnn-config/index.js';
export { dataConfigsFromConfig } from './extern-data/config.js';
