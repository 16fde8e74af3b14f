export { ActivationLayer, type ActivationLayerArgs, activationLayer } from './activation.js';
export { BatchNorm, type BatchNormArgs, batchNormLayer } from './batch-norm.js';
export { COMBINE_KINDS, Combine, type CombineArgs, type CombineKind, type CombineOutType, combineLayer } from './combine.js';
export { EvalLayer, type EvalLayerArgs, evalLayer } from './eval-layer.js';
export { EvalExpressionError } from './eval/eval-error.js';
export { type EvalNode, type EvalSource, parseEvalExpression } from './eval/parse.js';
export { EVAL_FUNCTIONS, type EvalFunction } from './eval/functions.js';
export { EvalProgram, type EvalProgramOptions, type EvalLocal } from './eval/program.js';
export { COMPARE_KINDS, Compare, type CompareArgs, type CompareKind, compareLayer } from './compare.js';
export { Conv2D, type Conv2DArgs, conv2dLayer } from './conv2d.js';
export { concatShape, Copy, copyLayer, dropoutCopyLayer } from './copy.js';
export { applyDropout, Dropout, type DropoutArgs, dropoutLayer } from './dropout.js';
export { returnnDropoutNoiseShape } from './dropout-noise-shape.js';
export { LINEAR_OPTIONS, Linear, type LinearArgs, linearLayer, sparseInputDimOf } from './linear.js';
export { Flatten, flattenLayer, MergeDims, type MergeDimsArgs, mergeDimsLayer } from './merge-dims.js';
export { MergeBatchDims, type MergeBatchDimsArgs, mergeBatchDimsLayer, mergesBatch } from './merge-batch-dims.js';
export { Pool2D, type Pool2DArgs, pool2dLayer } from './pool2d.js';
export { REDUCE_OUT_MODES, ReduceOut, type ReduceOutArgs, type ReduceOutMode, reduceOutLayer } from './reduce-out.js';
export {
  layerFromConfig,
  type LayerClass,
  layerSpecsFor,
  netDictLayerNames,
  registerLayer,
  registerLayerClass,
  registeredLayerClasses,
  registeredLayerSpecs,
  reserveNetDictNames,
  type SerializedLayer,
  serializeLayer,
} from './registry.js';
export { Reshape, type ReshapeArgs, reshapeLayer, SplitDims, type SplitDimsArgs, splitDimsLayer } from './split-dims.js';
export { Softmax, type SoftmaxArgs, softmaxLayer } from './softmax.js';
export * from './rec/index.js';
export * from './seq/index.js';
export * from './shape/index.js';
export * from './value/index.js';
export * from './axes/index.js';
export { TransposedConv, type TransposedConvArgs, transposedConvLayer, transposedConvLength } from './transposed-conv.js';
export * from './structure/index.js';
