export { loadOrtNative, type OrtNative } from './binding.js';
export { OrtBackend, type OrtBackendOptions } from './ort-backend.js';
export { OrtTensor, type OrtTensorOptions, OrtVariable, type OrtVariableOptions } from './ort-tensor.js';
export {
  checkProvider,
  EXECUTION_PROVIDERS,
  type ExecutionProviderName,
  ExecutionProviderUnavailableError,
  type ExecutionProviderUnavailableErrorOptions,
  sessionProviderError,
} from './providers.js';
export { ORT_BACKEND_NAMES, registerOnnxruntimeBackends } from './register.js';
export { OrtSessionError, Session, type SessionConfig, type SessionOptions } from './session.js';
