export { broadcastDims, dimsEqual, divDims, formatDim, isStatic, mulDims, prodDims, sym, type SymDim, type SymExpr } from './dims.js';
export { graphDTypeOf, ONNX_DTYPE } from './dtypes.js';
export { type ExportInput, type TracedModel, type TraceOptions, traceToOnnx, writeOnnxFile } from './export.js';
export {
  type Attribute,
  type CaptureFn,
  type ConstantData,
  floatAttr,
  GraphBuilder,
  type GraphBuilderOptions,
  type GraphConstant,
  type GraphDType,
  type GraphIO,
  type GraphNode,
  intAttr,
  intsAttr,
  OnnxValue,
  type OnnxValueOptions,
} from './graph.js';
export { GraphOps, type Lowering, type OpAttrs, randomUniformNode } from './graph-ops.js';
export { checkOpset, DEFAULT_OPSET, irVersionFor, MAX_OPSET, MIN_OPSET, type ModelOptions, serializeModel } from './model.js';
export { OnnxTracer, type OnnxTracerOptions } from './tracer.js';
export {
  decodeTensor,
  type OnnxElementType,
  type OnnxInitializer,
  type OnnxModelContents,
  OnnxModelReadError,
  type OnnxModelReadErrorOptions,
  readOnnxModel,
} from './read-model.js';
export { avgPool2dGrad, conv2dBackpropFilter, conv2dBackpropInput, expand, gatherGrad, maxPool2dGrad } from './lower/grad.js';
