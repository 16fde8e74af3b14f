// Leaks (#8) on onnxruntime: see defineLeakTests. Training runs the compiled
// step (forward, backward and Adam in one ONNX graph, issue #5).
import { registerOnnxruntimeBackends } from '@strata/backend-onnxruntime';
import { defineLeakTests } from './test-utils/leak-harness.js';

defineLeakTests('onnxruntime', registerOnnxruntimeBackends);
