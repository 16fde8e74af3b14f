import { registerBackend } from '@strata/backend';
import { TfjsBackend } from './tfjs-backend.js';

/**
 * The tfjs backends Strata knows, by Strata name: the tfjs backend name, the
 * npm package that provides it, and what it needs.
 */
export const TFJS_BACKENDS = {
  /** Plain JavaScript; always available; slow but complete (every gradient kernel). */
  'tfjs-cpu': { tfjsName: 'cpu', pkg: '@tensorflow/tfjs-backend-cpu', priority: 10 },
  /** WebAssembly with SIMD; the fast backend on machines without libtensorflow. */
  'tfjs-wasm': { tfjsName: 'wasm', pkg: '@tensorflow/tfjs-backend-wasm', priority: 20 },
  /** libtensorflow through Node bindings (CPU). Install `@tensorflow/tfjs-node`. */
  'tfjs-node': { tfjsName: 'tensorflow', pkg: '@tensorflow/tfjs-node', priority: 30 },
  /** libtensorflow with CUDA. Install `@tensorflow/tfjs-node-gpu` (Linux, NVIDIA driver, CUDA and cuDNN). */
  'tfjs-node-gpu': { tfjsName: 'tensorflow', pkg: '@tensorflow/tfjs-node-gpu', priority: 40 },
  /** WebGL in browsers. Install `@tensorflow/tfjs-backend-webgl`. */
  'tfjs-webgl': { tfjsName: 'webgl', pkg: '@tensorflow/tfjs-backend-webgl', priority: 25 },
  /** WebGPU in browsers. Install `@tensorflow/tfjs-backend-webgpu`. */
  'tfjs-webgpu': { tfjsName: 'webgpu', pkg: '@tensorflow/tfjs-backend-webgpu', priority: 26 },
} as const;

/** A Strata name of a tfjs backend. */
export type TfjsBackendName = keyof typeof TFJS_BACKENDS;

/**
 * Registers every tfjs backend with `@strata/backend`'s registry. Each one's
 * package is imported only when the backend is selected; a missing package
 * fails `setBackend` with a message naming the package to install.
 *
 * @example
 * registerTfjsBackends();
 * await setBackend('tfjs-wasm');
 */
export function registerTfjsBackends(): void {
  for (const [name, info] of Object.entries(TFJS_BACKENDS)) {
    registerBackend(
      name,
      async () => {
        try {
          await import(info.pkg);
        } catch (e) {
          const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
          throw new Error(
            `${info.pkg} is not installed or failed to load (${why}). ` +
              `Install it next to @strata/backend-tfjs (\`npm install ${info.pkg}@4.22.0\`), or choose tfjs-wasm or tfjs-cpu.`,
          );
        }
        return new TfjsBackend({ name, tfjsBackendName: info.tfjsName });
      },
      info.priority,
    );
  }
}
