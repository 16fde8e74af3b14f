export type {
  Backend,
  Conv2dOptions,
  FusedActivation,
  LossAndAux,
  MatMulFused,
  MemoryInfo,
  Padding,
  Pool2dOptions,
  ValueAndGrads,
} from './backend.js';
export {
  BackendCapabilityError,
  type BackendCapabilityErrorOptions,
  BackendUnavailableError,
  type BackendUnavailableErrorOptions,
  ShapeError,
} from './errors.js';
export { type BackendFactory, getBackend, listBackends, peekBackend, registerBackend, setBackend, withBackend } from './registry.js';
export { bytesPerElement, type DType, formatShape, type Shape, shapesEqual, sizeOf, type Tensor, type TensorData, type TypedArrayFor } from './tensor.js';
export * as ops from './ops.js';
export type { TensorLike } from './ops.js';
