import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OrtNative } from './binding.js';

/** Execution providers by their onnxruntime names. */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'webgpu', 'coreml', 'dml'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

/** Options of {@link ExecutionProviderUnavailableError}. */
export interface ExecutionProviderUnavailableErrorOptions {
  /** The execution provider asked for, by its onnxruntime name (`cuda`, `tensorrt`, ...). */
  provider: string;
  /** Why it cannot run here, in one sentence. */
  reason: string;
  /** How to enable it (install step, platform, driver). */
  remedy: string;
}

/**
 * Thrown when an execution provider was asked for and cannot run here. Says
 * which provider, why, and how to enable it. Strata never falls back to
 * another provider silently.
 */
export class ExecutionProviderUnavailableError extends Error {
  override readonly name = 'ExecutionProviderUnavailableError';
  /** The provider asked for. */
  readonly provider: string;
  /** Why it cannot run here. */
  readonly reason: string;
  /** How to enable it. */
  readonly remedy: string;
  constructor(options: ExecutionProviderUnavailableErrorOptions) {
    const { provider, reason, remedy } = options;
    super(`onnxruntime execution provider '${provider}' is not available: ${reason} ${remedy}`);
    this.provider = provider;
    this.reason = reason;
    this.remedy = remedy;
  }
}

const CUDA_REMEDY =
  'The CUDA/TensorRT provider libraries are not part of the onnxruntime-node npm package; its install script downloads them. ' +
  'Reinstall with the script allowed and CUDA 12 selected: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` ' +
  '(pnpm skips dependency install scripts by default: add "onnxruntime-node" to `onlyBuiltDependencies` in pnpm-workspace.yaml, or run `pnpm approve-builds`, then `ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm rebuild onnxruntime-node`). ' +
  'The machine needs an NVIDIA GPU with CUDA 12 and cuDNN 9 (TensorRT 10 for tensorrt). See the README of @strata/backend-onnxruntime.';

/** Shared libraries a provider needs in onnxruntime-node's binary directory. */
const PROVIDER_LIBS: Partial<Record<ExecutionProviderName, string[]>> = {
  cuda: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'],
  tensorrt: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so'],
};

const PLATFORM_ONLY: Partial<Record<ExecutionProviderName, [NodeJS.Platform, string]>> = {
  coreml: ['darwin', 'CoreML exists only on macOS; onnxruntime-node ships it in its macOS binaries.'],
  dml: ['win32', 'DirectML exists only on Windows; onnxruntime-node ships it in its Windows binaries.'],
};

/**
 * Checks that `provider` can be used with this onnxruntime-node build on
 * this machine, before any session is created.
 *
 * @throws ExecutionProviderUnavailableError with the reason and the remedy.
 */
export function checkProvider(provider: string, ort: OrtNative): void {
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(provider)) {
    throw new ExecutionProviderUnavailableError({ provider, reason: 'unknown provider name.', remedy: `Use one of: ${EXECUTION_PROVIDERS.join(', ')}.` });
  }
  const p = provider as ExecutionProviderName;
  const only = PLATFORM_ONLY[p];
  if (only && process.platform !== only[0]) {
    throw new ExecutionProviderUnavailableError({ provider: p, reason: `this machine runs ${process.platform}.`, remedy: only[1] });
  }
  const known = ort.listProviders().find((b) => b.name === p);
  if (!known) {
    throw new ExecutionProviderUnavailableError({
      provider: p,
      reason: `this onnxruntime-node build (${process.platform}/${process.arch}) does not include it (it has: ${ort.listProviders().map((b) => b.name).join(', ')}).`,
      remedy: 'Use a build of onnxruntime-node that includes it, or another provider.',
    });
  }
  const libs = PROVIDER_LIBS[p];
  const missing = libs?.filter((l) => !existsSync(join(ort.binDir, l))) ?? [];
  if (missing.length > 0) {
    throw new ExecutionProviderUnavailableError({ provider: p, reason: `${missing.join(', ')} not found in ${ort.binDir}.`, remedy: CUDA_REMEDY });
  }
}

const SESSION_REMEDY: Partial<Record<ExecutionProviderName, string>> = {
  cuda: CUDA_REMEDY,
  tensorrt: CUDA_REMEDY,
  webgpu:
    'WebGPU needs a GPU adapter with a driver Dawn can use (Vulkan on Linux, Direct3D 12 on Windows, Metal on macOS). ' +
    'On a machine without one, use the `onnxruntime` backend (CPU).',
};

/**
 * The error for a provider that passed {@link checkProvider} but with which
 * onnxruntime could not create a session (e.g. no WebGPU adapter, CUDA
 * libraries installed on a machine without a usable GPU). Names the first
 * provider of `providers` other than `cpu`; `undefined` if there is none.
 */
export function sessionProviderError(providers: readonly string[], message: string): ExecutionProviderUnavailableError | undefined {
  const p = providers.find((name) => name !== 'cpu');
  if (p === undefined) return undefined;
  return new ExecutionProviderUnavailableError({
    provider: p,
    reason: `onnxruntime could not create a session with it (${message}).`,
    remedy: SESSION_REMEDY[p as ExecutionProviderName] ?? 'Choose another provider.',
  });
}
