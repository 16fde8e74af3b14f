import type { DType, TensorData } from '@strata/backend';
import type { NativeSession, OrtNative, OrtValue } from './binding.js';
import { OrtTensor } from './ort-tensor.js';

/** Options of every session the backend creates. */
export interface SessionConfig {
  /** Execution providers in order of preference, each checked beforehand (e.g. `['cuda', 'cpu']`). */
  executionProviders: string[];
  /**
   * Threads of the CPU provider's intra-op pool of compiled sessions.
   * Default: onnxruntime's (one per physical core). Eager one-op sessions
   * of `OrtBackend` always use one (the calling thread).
   */
  intraOpNumThreads?: number;
  /** CUDA/TensorRT device. Default 0. */
  deviceId?: number;
}

/** Thrown when onnxruntime rejects a generated model or fails to run it: a Strata bug or an unsupported op/type. */
export class OrtSessionError extends Error {
  override readonly name = 'OrtSessionError';
}

/** Options of {@link Session}. */
export interface SessionOptions {
  /** The loaded onnxruntime binding (`loadOrtNative()`). */
  ort: OrtNative;
  /** The serialized ONNX `ModelProto` to load. */
  model: Uint8Array;
  /** Execution providers and threads. */
  config: SessionConfig;
  /** For messages: what this session computes, e.g. `op 'matMul'` or `compiled function trainStep`. */
  description: string;
}

/** One compiled ONNX model loaded into onnxruntime, run synchronously. */
export class Session {
  private readonly native: NativeSession;
  private readonly ort: OrtNative;
  /** For messages: what this session computes. */
  readonly description: string;

  /** @throws OrtSessionError if onnxruntime rejects the model. */
  constructor(options: SessionOptions) {
    const { ort, model, config, description } = options;
    this.ort = ort;
    this.description = description;
    this.native = ort.createSession();
    const eps = config.executionProviders.map((name) =>
      name === 'cuda' || name === 'tensorrt' ? { name, deviceId: config.deviceId ?? 0 } : { name },
    );
    try {
      this.native.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, {
        executionProviders: eps,
        graphOptimizationLevel: 'all',
        interOpNumThreads: 1,
        ...(config.intraOpNumThreads ? { intraOpNumThreads: config.intraOpNumThreads } : {}),
        logSeverityLevel: 3,
        // Each session has its own intra-op pool, whose workers by default keep spinning
        // (~20-30 ms) after a run. Strata runs several sessions in turn (one per input
        // signature, e.g. a last smaller batch), so those spinning workers would steal the
        // cores of the next session's run: stop spinning when a run ends.
        extra: { session: { force_spinning_stop: '1' } },
      });
    } catch (e) {
      // Release what loadModel allocated; a session that never initialised refuses dispose().
      try {
        this.native.dispose();
      } catch {
        // nothing was allocated
      }
      throw new OrtSessionError(`onnxruntime could not load the graph of ${description}: ${(e as Error).message}`);
    }
  }

  /** Runs the graph on `feeds` (input name → tensor) and returns the named outputs. */
  run(feeds: Record<string, OrtTensor>, outputs: readonly string[]): OrtTensor[] {
    const inputs: Record<string, OrtValue> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new this.ort.Tensor(t.dtype, t.data, t.shape);
    const fetches: Record<string, null> = {};
    for (const o of outputs) fetches[o] = null;
    let result;
    try {
      result = this.native.run(inputs, fetches, {});
    } catch (e) {
      throw new OrtSessionError(`onnxruntime failed to run ${this.description}: ${(e as Error).message}`);
    }
    return outputs.map((o) => {
      const v = result[o]!;
      return new OrtTensor({ data: v.data as TensorData, shape: [...v.dims], dtype: v.type as DType });
    });
  }

  dispose(): void {
    this.native.dispose();
  }
}
