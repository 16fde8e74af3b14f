import {
  type Backend,
  BackendCapabilityError,
  type DType,
  type LossAndAux,
  type MemoryInfo,
  type Shape,
  ShapeError,
  sizeOf,
  type Tensor,
  type TensorData,
  type ValueAndGrads,
} from '@strata/backend';
import { checkOpset, DEFAULT_OPSET, GraphBuilder, type Lowering, OnnxValue, type OpAttrs, serializeModel } from '@strata/onnx';
import { backward } from './autodiff/backward.js';
import { GradGraphOps } from './autodiff/grad-graph-ops.js';
import { Tape } from './autodiff/tape.js';
import { loadOrtNative, type OrtNative } from './binding.js';
import { checkArgs, type CompileHost, CompiledTrace, signatureOf } from './compiled.js';
import { OrtTensor, OrtVariable } from './ort-tensor.js';
import { checkProvider, sessionProviderError } from './providers.js';
import { uniformSamples } from './random.js';
import { OrtSessionError, Session, type SessionConfig } from './session.js';
import type { Trace } from './trace.js';

/** Options of {@link OrtBackend}. */
export interface OrtBackendOptions extends Partial<SessionConfig> {
  /** Registry name. Default `onnxruntime`. */
  name?: string;
  /** ONNX opset of compiled graphs. Default `DEFAULT_OPSET` of @strata/onnx. */
  opset?: number;
  /** Most one-op sessions kept for eager calls. Default 512. */
  eagerCacheSize?: number;
  /** Most input signatures (compiled sessions) one compiled function keeps; the least recently used is disposed. Default 32. */
  compiledCacheSize?: number;
}

/**
 * The Strata backend over onnxruntime-node, a graph backend (see the
 * `Backend` contract): {@link OrtBackend.compile} traces a function into
 * one ONNX graph per input signature, runs it as one session and caches it.
 * Outside `compile`, each op runs at once as a cached one-op session on the
 * calling thread (eager mode: for building weights and small host work; put
 * hot paths in `compile`). Gradients: {@link OrtBackend.valueAndGrads}
 * differentiates the recorded graph in reverse mode (`autodiff/`), so a
 * whole training step compiles into one graph.
 */
export class OrtBackend extends GradGraphOps implements Backend, CompileHost {
  readonly name: string;
  readonly kind = 'graph' as const;
  readonly opset: number;
  readonly config: SessionConfig;
  private ort: OrtNative | undefined;
  private trace: Trace | undefined;
  private readonly eagerSessions = new Map<string, Session>();
  private readonly eagerCacheSize: number;
  private readonly compiledCacheSize: number;
  private readonly scopes: Set<OrtTensor>[] = [];
  private readonly live = new Set<OrtTensor>();

  constructor(opts: OrtBackendOptions = {}) {
    super();
    this.name = opts.name ?? 'onnxruntime';
    this.opset = checkOpset(opts.opset ?? DEFAULT_OPSET);
    this.config = { executionProviders: opts.executionProviders ?? ['cpu'], intraOpNumThreads: opts.intraOpNumThreads, deviceId: opts.deviceId };
    this.eagerCacheSize = opts.eagerCacheSize ?? 512;
    this.compiledCacheSize = opts.compiledCacheSize ?? 32;
  }

  /**
   * Loads onnxruntime-node and checks every requested execution provider.
   * @throws ExecutionProviderUnavailableError for a provider that cannot run here.
   */
  async init(): Promise<void> {
    const ort = loadOrtNative();
    for (const ep of this.config.executionProviders) checkProvider(ep, ort);
    this.ort = ort;
    // A first session proves that the providers load (CUDA libraries may be present but
    // unusable; the WebGPU provider ships with the package but needs a GPU adapter).
    try {
      this.createSession(this.probeModel(), 'the provider check').dispose();
    } catch (e) {
      this.ort = undefined;
      throw (e instanceof OrtSessionError && sessionProviderError(this.config.executionProviders, e.message)) || e;
    }
  }

  private probeModel(): Uint8Array {
    const g = new GraphBuilder({ opset: this.opset });
    g.output(g.input('x', 'float32', [1]), 'y');
    return serializeModel(g);
  }

  private native(): OrtNative {
    if (!this.ort) throw new BackendCapabilityError({ backend: this.name, op: 'run', remedy: 'The backend is not initialised: activate it with `await setBackend("onnxruntime")`.' });
    return this.ort;
  }

  createSession(model: Uint8Array, description: string, config: SessionConfig = this.config): Session {
    return new Session({ ort: this.native(), model, config, description });
  }

  withTrace<T>(trace: Trace, fn: () => T): T {
    const outer = this.trace;
    this.trace = trace;
    try {
      return fn();
    } finally {
      this.trace = outer;
    }
  }

  track<T extends OrtTensor>(t: T): T {
    this.live.add(t);
    this.scopes[this.scopes.length - 1]?.add(t);
    return t;
  }

  // ---- ops ------------------------------------------------------------------------------
  protected run(op: string, inputs: Tensor[], lower: Lowering, attrs?: OpAttrs): Tensor {
    if (this.trace) {
      const g = this.trace.graph;
      const resolved = inputs.map((t) => g.resolve(t));
      const out = lower(g, resolved);
      this.trace.tape?.record(op, resolved, out, attrs);
      return out;
    }
    const args = inputs.map((t) => {
      if (t instanceof OrtTensor) return t;
      throw new BackendCapabilityError({
        backend: this.name,
        op,
        remedy: t instanceof OnnxValue
          ? 'A symbolic tensor escaped a compiled function; return it from that function instead of keeping it.'
          : `The argument is not an onnxruntime tensor (${t.constructor.name}); create it with the onnxruntime backend.`,
      });
    });
    const g = new GraphBuilder({ opset: this.opset });
    const out = lower(g, args.map((a, i) => g.input(`x${i}`, a.dtype, a.shape)));
    g.output(out, 'y');
    const key = JSON.stringify([g.inputs, g.nodes, g.constants.map((c) => [c.name, c.dtype, c.shape, Array.from(c.data as ArrayLike<unknown>, String)])]);
    let session = this.eagerSessions.get(key);
    if (session) this.eagerSessions.delete(key);
    else {
      // One-op sessions run on the calling thread: a thread pool per cached session
      // (hundreds of them) costs far more than it saves on eager-sized work.
      session = this.createSession(serializeModel(g), `op '${op}'`, { ...this.config, intraOpNumThreads: 1 });
      if (this.eagerSessions.size >= this.eagerCacheSize) {
        const [oldest, s] = this.eagerSessions.entries().next().value!;
        s.dispose();
        this.eagerSessions.delete(oldest);
      }
    }
    this.eagerSessions.set(key, session);
    const feeds: Record<string, OrtTensor> = {};
    args.forEach((a, i) => (feeds[`x${i}`] = a));
    return this.track(session.run(feeds, ['y'])[0]!);
  }

  // ---- compile -----------------------------------------------------------------------------
  compile<A extends Tensor[], R>(fn: (...args: A) => R): (...args: A) => R {
    const cache = new Map<string, CompiledTrace>();
    let runs = 0;
    const description = `compiled function ${fn.name || '(anonymous)'}`;
    return (...args: A): R => {
      if (this.trace) return fn(...args);
      const concrete = checkArgs(args);
      const key = signatureOf(concrete);
      let c = cache.get(key);
      if (c) cache.delete(key);
      if (!c || !c.fresh) {
        c?.dispose();
        c = new CompiledTrace(this, fn as (...a: Tensor[]) => unknown, concrete, description);
        // Least recently used signatures beyond the bound give their sessions back.
        if (cache.size >= this.compiledCacheSize) {
          const [oldest, old] = cache.entries().next().value!;
          old.dispose();
          cache.delete(oldest);
        }
      }
      cache.set(key, c);
      return c.run(this, concrete, runs++) as R;
    };
  }

  // ---- memory ----------------------------------------------------------------------------------
  tidy<T>(fn: () => T): T {
    if (this.trace) return fn();
    const scope = new Set<OrtTensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      for (const t of scope) this.release(t);
      throw e;
    } finally {
      this.scopes.pop();
    }
    const keepers = new Set<unknown>();
    const collect = (r: unknown) => {
      if (r instanceof OrtTensor) keepers.add(r);
      else if (Array.isArray(r)) r.forEach(collect);
      else if (r && typeof r === 'object' && Object.getPrototypeOf(r) === Object.prototype) Object.values(r).forEach(collect);
    };
    collect(result);
    for (const t of scope) {
      if (keepers.has(t)) this.scopes[this.scopes.length - 1]?.add(t);
      else this.release(t);
    }
    return result;
  }
  keep<T extends Tensor>(t: T): T {
    if (t instanceof OrtTensor) for (const s of this.scopes) s.delete(t);
    return t;
  }
  dispose(t: Tensor | Tensor[]): void {
    for (const x of Array.isArray(t) ? t : [t]) if (x instanceof OrtTensor) this.release(x);
  }
  private release(t: OrtTensor): void {
    t.dispose();
    this.live.delete(t);
  }
  memory(): MemoryInfo {
    let numBytes = 0;
    for (const t of this.live) numBytes += t.bytes;
    return { numTensors: this.live.size, numBytes };
  }

  // ---- data ----------------------------------------------------------------------------------------
  tensor(values: TensorData | number[], shape: Shape, dtype: DType): Tensor {
    if (values.length !== sizeOf(shape)) {
      throw new ShapeError(`tensor: ${values.length} values do not fill shape [${shape.join(', ')}] (size ${sizeOf(shape)}).`);
    }
    const data = dtype === 'float32' ? Float32Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
    if (this.trace) return this.trace.graph.constantValue(data, shape, dtype);
    return this.track(new OrtTensor({ data, shape: [...shape], dtype }));
  }
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return this.tensor([value], [], dtype);
  }
  fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const n = sizeOf(shape);
    const data = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
    data.fill(dtype === 'bool' ? Number(Boolean(value)) : value);
    if (this.trace) return this.trace.graph.constantValue(data, shape, dtype);
    return this.track(new OrtTensor({ data, shape: [...shape], dtype }));
  }
  async read(t: Tensor): Promise<TensorData> {
    return this.readSync(t);
  }
  readSync(t: Tensor): TensorData {
    if (t instanceof OrtTensor) return t.data.slice();
    throw new BackendCapabilityError({
      backend: this.name,
      op: 'readSync',
      remedy: 'The tensor is a symbolic value inside a compiled function; return it from the function and read the result.',
    });
  }

  // ---- variables ---------------------------------------------------------------------------------
  variable(initial: Tensor, trainable: boolean): Tensor {
    if (this.trace || !(initial instanceof OrtTensor)) {
      throw new BackendCapabilityError({
        backend: this.name,
        op: 'variable',
        remedy: 'Weights were created inside a compiled function. Build the model first (networks from a net dict are built when constructed; call a layer once outside compile()).',
      });
    }
    const v = new OrtVariable({ data: initial.data.slice(), shape: [...initial.shape], dtype: initial.dtype, trainable });
    this.live.add(v);
    return v;
  }
  assign(variable: Tensor, value: Tensor): void {
    if (!(variable instanceof OrtVariable)) throw new BackendCapabilityError({ backend: this.name, op: 'assign', remedy: 'The target is not a variable of this backend.' });
    if (value.shape.length !== variable.shape.length || value.shape.some((s, i) => s !== variable.shape[i]) || value.dtype !== variable.dtype) {
      throw new ShapeError(`assign: value ${value.dtype}[${value.shape.join(', ')}] does not match variable ${variable.dtype}[${variable.shape.join(', ')}].`);
    }
    if (this.trace) {
      this.trace.assigns.set(variable, this.trace.graph.resolve(value));
      return;
    }
    if (!(value instanceof OrtTensor)) throw new BackendCapabilityError({ backend: this.name, op: 'assign', remedy: 'The value is a symbolic tensor of a finished trace.' });
    variable.set(value.data.slice());
  }

  /**
   * Reverse-mode gradients of the recorded graph. Inside a compiled function
   * `f` is traced with a tape (`autodiff/tape.ts`) and the backward pass is
   * appended to the same graph as more ops (`autodiff/backward.ts`, one rule
   * per contract op, matching tfjs's gradients). Outside, the same runs as a
   * one-off compiled graph (correct, but it builds a session per call: put
   * training steps in `compile`).
   *
   * @throws BackendCapabilityError if an op on the path from a variable to the value has no gradient rule.
   */
  valueAndGrads(f: () => LossAndAux, variables: Tensor[]): ValueAndGrads {
    const trace = this.trace;
    if (!trace) return this.runOnce('valueAndGrads', () => this.valueAndGrads(f, variables));
    const outer = trace.tape;
    const tape = new Tape();
    trace.tape = tape;
    let r: LossAndAux;
    try {
      r = f();
    } finally {
      trace.tape = outer;
    }
    const g = trace.graph;
    const value = g.resolve(r.value);
    if (value.shape.length !== 0) {
      throw new ShapeError(`valueAndGrads: the function must return a scalar value (shape []); got shape [${value.shape.join(', ')}].`);
    }
    const grads = backward(tape, value, variables.map((v) => g.resolve(v)), this);
    return { value, grads, aux: r.aux ?? [] };
  }

  /** Traces `fn` (no arguments), runs the graph once and disposes its session. */
  private runOnce<R>(what: string, fn: () => R): R {
    const c = new CompiledTrace(this, fn, [], `one-off ${what}`);
    try {
      return c.run(this, [], 0) as R;
    } finally {
      c.dispose();
    }
  }

  /**
   * Samples from a hash of `seed` and the element index (`random.ts`). In a
   * compiled function the samples are an input of the graph, drawn on the
   * host for every run: the first run gives the eager values of `seed`,
   * each later run of the same compiled function new ones.
   */
  randomUniform(shape: Shape, min: number, max: number, seed: number): Tensor {
    if (this.trace) return this.trace.randomUniform(shape, min, max, seed);
    return this.track(new OrtTensor({ data: uniformSamples(sizeOf(shape), min, max, seed), shape: [...shape], dtype: 'float32' }));
  }
}
