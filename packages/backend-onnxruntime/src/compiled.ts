import { BackendCapabilityError, type DType, sizeOf, type Tensor } from '@strata/backend';
import { OnnxValue, serializeModel } from '@strata/onnx';
import { OrtTensor, type OrtVariable } from './ort-tensor.js';
import type { Session } from './session.js';
import { uniformSamples } from './random.js';
import { type RandomInput, Trace } from './trace.js';

/**
 * Variables of at most this many elements are always fed, never baked into
 * the graph. Only scalars (a learning rate, a step counter): onnxruntime's
 * fusions need constant operands (a fed bias would stop `Conv` + `Add` from
 * fusing; measured 1.36x slower MNIST CNN inference with biases of up to 64 fed).
 */
const FEED_AT_MOST = 1;

/** A leaf of a compiled function's result: output `k`, or a plain value kept from the trace. */
type Template = { out: number } | { value: unknown } | Template[] | { obj: [string, Template][] };

/** What the backend provides to compile and run a trace. */
export interface CompileHost {
  readonly opset: number;
  /** Runs `fn` with `trace` as the active trace (ops record into it). */
  withTrace<T>(trace: Trace, fn: () => T): T;
  /** Creates a session for a model (cached by the caller). */
  createSession(model: Uint8Array, description: string): Session;
  /** Registers a result tensor with the current memory scope. */
  track<T extends OrtTensor>(t: T): T;
}

/**
 * One trace of a function, compiled for one input signature: the ONNX
 * session, which inputs to feed (arguments, variables the graph assigns,
 * random samples), which outputs to return and which to write back to
 * variables. Variables the graph only reads are baked in as initializers
 * (except scalars such as a learning rate, which are fed); the trace is
 * stale (and rebuilt) when a baked one changes.
 *
 * Parameters and optimizer slots of a compiled training step are assigned,
 * so they are fed and written back on every run. What onnxruntime-node 1.30
 * allows, measured: feeds wrap the variables' typed arrays without a copy;
 * each written-back output is copied once, from onnxruntime's buffer into a
 * fresh typed array that becomes the variable's value. The node binding has
 * no IO binding, and with a preallocated output it still returns a copy (so
 * preallocating would add a write, not save one). For the MNIST MLP step
 * (669,706 parameters, Adam: 2.0 M floats) that copy is 8 MB per step.
 */
export class CompiledTrace {
  private readonly session: Session;
  private readonly argNames: string[];
  private readonly fedVariables: [OrtVariable, string][] = [];
  private readonly bakedVariables: [OrtVariable, number][] = [];
  private readonly outputNames: string[] = [];
  private readonly writeBack: [OrtVariable, string][] = [];
  private readonly template: Template;
  /** Outputs to fetch on every run: the function's, then the written-back variables'. */
  private readonly fetchNames: string[];
  private readonly randoms: RandomInput[];

  constructor(host: CompileHost, fn: (...args: Tensor[]) => unknown, args: OrtTensor[], description: string) {
    const trace = new Trace(host.opset);
    const g = trace.graph;
    const symbolic = args.map((a, i) => g.input(`input_${i}`, a.dtype, a.shape));
    this.argNames = symbolic.map((s) => s.name);
    const result = host.withTrace(trace, () => fn(...symbolic));
    const outputs: OnnxValue[] = [];
    const walk = (r: unknown): Template => {
      if (r instanceof OnnxValue || r instanceof OrtTensor) {
        outputs.push(g.resolve(r as Tensor));
        return { out: outputs.length - 1 };
      }
      if (Array.isArray(r)) return r.map(walk);
      if (r !== null && typeof r === 'object' && Object.getPrototypeOf(r) === Object.prototype) {
        return { obj: Object.entries(r).map(([k, v]): [string, Template] => [k, walk(v)]) };
      }
      return { value: r };
    };
    this.template = walk(result);
    outputs.forEach((v, i) => {
      const name = `output_${i}`;
      g.output(v, name);
      this.outputNames.push(name);
    });
    let k = 0;
    for (const [variable, value] of trace.assigns) {
      const name = `assign_${k++}`;
      g.output(value, name);
      this.writeBack.push([variable, name]);
    }
    for (const [variable, input] of trace.variables) {
      // Scalars (a learning rate, a step counter) are fed too: baking them would rebuild the
      // session whenever they change (a schedule sets the learning rate every epoch).
      if (trace.assigns.has(variable) || sizeOf(variable.shape) <= FEED_AT_MOST) this.fedVariables.push([variable, input.name]);
      else {
        g.bakeInput(input.name, variable.data);
        this.bakedVariables.push([variable, variable.version]);
      }
    }
    this.randoms = trace.randoms;
    this.fetchNames = [...this.outputNames, ...this.writeBack.map(([, n]) => n)];
    // Dead code: e.g. the gradient of a data input, computed by a rule that yields all its inputs' gradients.
    g.prune();
    this.session = host.createSession(serializeModel(g), description);
  }

  /** False when a variable baked into the graph has changed since (the trace must be rebuilt). */
  get fresh(): boolean {
    return this.bakedVariables.every(([v, version]) => v.version === version && !v.isDisposed);
  }

  /**
   * Runs the session on `args`. `runIndex` numbers the calls of the compiled
   * function: run 0 draws each `randomUniform` from its own seed (the values
   * eager mode gives), later runs from a seed mixed with the run number.
   */
  run(host: CompileHost, args: OrtTensor[], runIndex: number): unknown {
    const feeds: Record<string, OrtTensor> = {};
    this.argNames.forEach((n, i) => (feeds[n] = args[i]!));
    for (const [v, n] of this.fedVariables) feeds[n] = v;
    for (const r of this.randoms) {
      feeds[r.name] = new OrtTensor({ data: uniformSamples(sizeOf(r.shape), r.min, r.max, runSeed(r.seed, runIndex)), shape: r.shape, dtype: 'float32' });
    }
    const values = this.session.run(feeds, this.fetchNames);
    this.writeBack.forEach(([v], i) => v.set(values[this.outputNames.length + i]!.data));
    const outs = values.slice(0, this.outputNames.length).map((t) => host.track(t));
    const build = (t: Template): unknown => {
      if (Array.isArray(t)) return t.map(build);
      if ('out' in t) return outs[t.out];
      if ('obj' in t) return Object.fromEntries(t.obj.map(([k, v]) => [k, build(v)]));
      return t.value;
    };
    return build(this.template);
  }

  dispose(): void {
    this.session.dispose();
  }
}

/** The seed of a random input at run `k` (`seed` itself at run 0). */
export function runSeed(seed: number, k: number): number {
  if (k === 0) return seed;
  let z = (seed + Math.imul(k, 0x6d2b79f5)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d) >>> 0;
  z = Math.imul(z ^ (z >>> 12), 0x297a2d39) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

/** The cache key of an argument list: dtypes and shapes. */
export function signatureOf(args: readonly Tensor[]): string {
  return args.map((a) => `${a.dtype}[${a.shape.join(',')}]`).join(';');
}

/** @throws BackendCapabilityError unless every argument is a concrete onnxruntime tensor. */
export function checkArgs(args: readonly Tensor[]): OrtTensor[] {
  return args.map((a, i) => {
    if (a instanceof OrtTensor) return a;
    throw new BackendCapabilityError({
      backend: 'onnxruntime',
      op: 'compile',
      remedy: `Argument ${i} of a compiled function is not an onnxruntime tensor (${a.constructor.name} of dtype ${a.dtype as DType}); create inputs with the active backend.`,
    });
  });
}
