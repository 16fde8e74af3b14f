import { registerBackend } from '@strata/backend';
import { OrtBackend, type OrtBackendOptions } from './ort-backend.js';
import type { ExecutionProviderName } from './providers.js';

/** Registry names and the execution providers they ask for (the CPU provider is always last). */
export const ORT_BACKEND_NAMES: Record<string, ExecutionProviderName[]> = {
  onnxruntime: ['cpu'],
  'onnxruntime-cuda': ['cuda', 'cpu'],
  'onnxruntime-tensorrt': ['tensorrt', 'cuda', 'cpu'],
  'onnxruntime-webgpu': ['webgpu', 'cpu'],
  'onnxruntime-coreml': ['coreml', 'cpu'],
  'onnxruntime-dml': ['dml', 'cpu'],
};

/**
 * Registers the onnxruntime backends: `onnxruntime` (CPU) and one name per
 * GPU execution provider (`onnxruntime-cuda`, `onnxruntime-tensorrt`,
 * `onnxruntime-webgpu`, `onnxruntime-coreml`, `onnxruntime-dml`). Nodes the
 * GPU provider cannot run go to the CPU provider, as onnxruntime assigns
 * them; a provider that is not installed fails `setBackend` with an
 * `ExecutionProviderUnavailableError` (never a silent switch to CPU).
 *
 * @param options shared by all: threads of the CPU provider, opset, device id.
 */
export function registerOnnxruntimeBackends(options: Omit<OrtBackendOptions, 'name' | 'executionProviders'> = {}): void {
  for (const [name, executionProviders] of Object.entries(ORT_BACKEND_NAMES)) {
    registerBackend(name, () => new OrtBackend({ ...options, name, executionProviders }), 0);
  }
}
