import { createRequire } from 'node:module';
import type { Tensor as OrtCommonTensor } from 'onnxruntime-common';

/** Raw value of a run, as the native binding returns it (an onnxruntime-common Tensor). */
export type OrtValue = OrtCommonTensor;

/** The synchronous session object of onnxruntime-node's native binding. */
export interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, OrtValue>, fetches: Record<string, null>, options: object): Record<string, OrtValue>;
  dispose(): void;
}

/** What this module needs from onnxruntime-node. */
export interface OrtNative {
  /** Constructs a native session (synchronous `loadModel` and `run`). */
  createSession(): NativeSession;
  /** Execution providers this build knows, and whether their binaries ship in the package. */
  listProviders(): { name: string; bundled: boolean }[];
  /** onnxruntime-common's Tensor constructor. */
  Tensor: new (type: string, data: ArrayBufferView, dims: readonly number[]) => OrtValue;
  /** Directory of the native binaries (where provider libraries are installed). */
  binDir: string;
}

let native: OrtNative | undefined;

/**
 * Loads onnxruntime-node's native binding. Strata calls the binding's
 * synchronous `run` directly (the public `InferenceSession.run` wraps that
 * very call in a Promise), because the Backend contract is synchronous.
 *
 * @throws Error naming the package to install when onnxruntime-node is missing.
 */
export function loadOrtNative(): OrtNative {
  if (native) return native;
  const require = createRequire(import.meta.url);
  let bindingPath: string;
  try {
    bindingPath = require.resolve('onnxruntime-node/dist/binding.js');
  } catch {
    throw new Error('onnxruntime-node is not installed: run `npm install onnxruntime-node@1.30.0`.');
  }
  const mod = require(bindingPath) as {
    binding: { InferenceSession: new () => NativeSession; listSupportedBackends(): { name: string; bundled: boolean }[] };
    initOrt(): void;
  };
  const common = require(require.resolve('onnxruntime-common', { paths: [bindingPath] })) as { Tensor: OrtNative['Tensor'] };
  mod.initOrt();
  const binDir = bindingPath.replace(/dist[\\/]binding\.js$/, `bin/napi-v6/${process.platform}/${process.arch}`);
  native = {
    createSession: () => new mod.binding.InferenceSession(),
    listProviders: () => mod.binding.listSupportedBackends(),
    Tensor: common.Tensor,
    binDir,
  };
  return native;
}
