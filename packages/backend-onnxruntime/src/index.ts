export { loadOrtNative, type OrtNative } from './binding.js';
export { OrtBackend, type OrtBackendOptions } from './ort-backend.js';
export { OrtTensor, OrtVariable } from './ort-tensor.js';
export {
  checkProvider,
  EXECUTION_PROVIDERS,
  type ExecutionProviderName,
  ExecutionProviderUnavailableError,
  sessionProviderError,
} from './providers.js';
export { ORT_BACKEND_NAMES, registerOnnxruntimeBackends } from './register.js';
export { OrtSessionError, Session, type SessionConfig } from './session.js';
