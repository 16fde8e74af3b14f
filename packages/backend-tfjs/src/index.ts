export { TfjsBackend, type TfjsBackendOptions } from './tfjs-backend.js';
export { registerTfjsBackends, TFJS_BACKENDS, type TfjsBackendName } from './register.js';
export { samePadding } from './conv2d-grad.js';
