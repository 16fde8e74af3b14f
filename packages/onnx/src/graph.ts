import { BackendCapabilityError, type DType, type Tensor, type TensorData } from '@strata/backend';
import { formatDim, isStatic, type SymDim, type SymExpr } from './dims.js';

/** Element types of graph values: the Strata dtypes plus int64 for ONNX shape and index tensors. */
export type GraphDType = DType | 'int64';

/** Values of a graph constant. */
export type ConstantData = TensorData | BigInt64Array;

/** An ONNX node attribute, typed as in `AttributeProto`. */
export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string };

export const intAttr = (value: number): Attribute => ({ type: 'int', value });
export const intsAttr = (value: readonly number[]): Attribute => ({ type: 'ints', value });
export const floatAttr = (value: number): Attribute => ({ type: 'float', value });

/** One ONNX node (`NodeProto`) of the default domain. */
export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, Attribute>>;
}

/** A tensor known before the graph runs (`TensorProto` initializer). */
export interface GraphConstant {
  readonly name: string;
  readonly dtype: GraphDType;
  readonly shape: readonly number[];
  readonly data: ConstantData;
}

/** A graph input or output (`ValueInfoProto`). */
export interface GraphIO {
  readonly name: string;
  readonly dtype: GraphDType;
  /** Per axis: static size, symbol product (written as `dim_param`), or unknown. */
  readonly dims: readonly SymDim[];
}

/** Options of {@link OnnxValue}. */
export interface OnnxValueOptions {
  /** The graph the value belongs to (only that graph's nodes may use it). */
  graph: GraphBuilder;
  /** Name of the graph value (node output, input or initializer). */
  name: string;
  /** Sizes in the traced example, one per axis. */
  shape: number[];
  dtype: DType;
  /** Per axis: static size, symbol product or `'unknown'` (see `dims.ts`); same length as `shape`. */
  dims: readonly SymDim[];
}

/**
 * A symbolic tensor of a graph being traced: the handle a graph backend
 * returns from every op inside a trace. `shape` holds the sizes of the
 * traced example; `dims` says which of them are symbolic (see `dims.ts`).
 * Its values exist only when the compiled graph runs: reading it throws.
 */
export class OnnxValue implements Tensor {
  readonly graph: GraphBuilder;
  /** Name of the graph value (node output, input or initializer). */
  readonly name: string;
  readonly shape: number[];
  readonly dtype: DType;
  readonly dims: readonly SymDim[];
  constructor(options: OnnxValueOptions) {
    this.graph = options.graph;
    this.name = options.name;
    this.shape = options.shape;
    this.dtype = options.dtype;
    this.dims = options.dims;
  }
}

/** What {@link GraphBuilder.resolve} does with a tensor that is not a value of this graph. */
export type CaptureFn = (t: Tensor, graph: GraphBuilder) => OnnxValue;

/** Options of {@link GraphBuilder}. */
export interface GraphBuilderOptions {
  /** The ONNX opset of the default domain the graph is written for (17..26, see `checkOpset`). */
  opset: number;
  /**
   * Turns a tensor from outside the graph (a variable, a captured constant)
   * into a value of it. Default: none; {@link GraphBuilder.resolve} then
   * refuses such tensors (pass them as inputs).
   */
  capture?: CaptureFn;
}

/**
 * Builds one ONNX graph: nodes in topological order (the order ops were
 * called), inputs, outputs and constants. Op lowering (`lower/*.ts`) calls
 * {@link GraphBuilder.op}; backends call {@link GraphBuilder.input} and
 * {@link GraphBuilder.output}. Model serialisation is in `model.ts`.
 */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly inputs: GraphIO[] = [];
  readonly outputs: GraphIO[] = [];
  readonly constants: GraphConstant[] = [];
  /** Where each symbol's run-time size comes from: graph input name and axis. */
  private readonly symbolSources = new Map<string, { input: string; axis: number; size: number }>();
  private readonly constantKeys = new Map<string, string>();
  private readonly shapeNodes = new Map<string, string>();
  /** Values renamed to an output name by {@link GraphBuilder.output}: old name → output name. */
  private readonly renamed = new Map<string, string>();
  private counter = 0;

  /** The ONNX opset of the default domain the graph is written for. */
  readonly opset: number;
  /** Turns a tensor from outside the graph (a variable, a captured constant) into a value of it. */
  private readonly capture: CaptureFn | undefined;

  constructor(options: GraphBuilderOptions) {
    this.opset = options.opset;
    this.capture = options.capture;
  }

  /** A fresh value name with a readable prefix. */
  freshName(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Declares a graph input with per-axis symbolic dims (`dims[i]` a symbol product or static size). */
  input(name: string, dtype: DType, shape: readonly number[], dims: readonly SymDim[] = shape): OnnxValue {
    dims.forEach((d, axis) => {
      if (!isStatic(d) && d !== 'unknown' && d.syms.length === 1 && d.coef === 1 && !this.symbolSources.has(d.syms[0]!)) {
        this.symbolSources.set(d.syms[0]!, { input: name, axis, size: shape[axis]! });
      }
    });
    this.inputs.push({ name, dtype, dims });
    return new OnnxValue({ graph: this, name, shape: [...shape], dtype, dims });
  }

  /** Each declared symbol with its size in the traced example, as `[size, dim]`. */
  symbolSizes(): [number, SymDim][] {
    return [...this.symbolSources].map(([s, src]): [number, SymDim] => [src.size, { coef: 1, syms: [s] }]);
  }

  /**
   * Turns a declared input into a constant of the same name holding `data`
   * (e.g. a variable a compiled graph only reads, so that the runtime can
   * fold and pre-pack it). Its dims must be static.
   */
  bakeInput(name: string, data: ConstantData): void {
    const i = this.inputs.findIndex((io) => io.name === name);
    const io = this.inputs[i];
    if (!io || !io.dims.every(isStatic)) throw new Error(`bakeInput: no static input '${name}'.`);
    this.inputs.splice(i, 1);
    this.constants.push({ name, dtype: io.dtype, shape: io.dims as number[], data });
  }

  /**
   * Declares `value` as a graph output named `name`. A value a node of this
   * graph computes, not yet an output, is renamed to `name` (the node writes
   * the output directly: onnxruntime copies an `Identity`'s data, which costs
   * per run for a training step's many written-back outputs); inputs,
   * constants and values already output go through an `Identity` node.
   * Call it after the graph's last node: later nodes must not use `value`.
   */
  output(value: OnnxValue, name: string): void {
    const current = this.renamed.get(value.name) ?? value.name;
    if (current !== name) {
      const produced = this.nodes.some((n) => n.outputs.includes(current));
      if (produced && !this.outputs.some((o) => o.name === current) && !this.inputs.some((i) => i.name === name)) {
        const swap = (xs: readonly string[]) => xs.map((x) => (x === current ? name : x));
        this.nodes.forEach((n, i) => {
          if (n.inputs.includes(current) || n.outputs.includes(current)) this.nodes[i] = { ...n, inputs: swap(n.inputs), outputs: swap(n.outputs) };
        });
        this.renamed.set(value.name, name);
      } else {
        this.nodes.push(this.makeNode('Identity', [current], [name], {}));
      }
    }
    this.outputs.push({ name, dtype: value.dtype, dims: value.dims });
  }

  /**
   * A constant of the graph. Small constants (shape vectors, axes, scalars)
   * are shared between nodes.
   */
  constant(data: ConstantData, shape: readonly number[], dtype: GraphDType, name?: string): string {
    const small = data.length <= 64 && name === undefined;
    const key = small ? `${dtype}|${shape.join(',')}|${Array.from(data as ArrayLike<number | bigint>, String).join(',')}` : '';
    if (small) {
      const known = this.constantKeys.get(key);
      if (known) return known;
    }
    const n = name ?? this.freshName('const');
    this.constants.push({ name: n, dtype, shape: [...shape], data });
    if (small) this.constantKeys.set(key, n);
    return n;
  }

  /** An int64 constant vector (shape `[n]`): axes, shapes, pads. */
  int64s(values: readonly number[]): string {
    return this.constant(BigInt64Array.from(values, (v) => BigInt(v)), [values.length], 'int64');
  }

  /** A scalar constant of `dtype`. */
  scalarConst(value: number, dtype: DType): string {
    const data = dtype === 'float32' ? Float32Array.of(value) : dtype === 'int32' ? Int32Array.of(value) : Uint8Array.of(value ? 1 : 0);
    return this.constant(data, [], dtype);
  }

  /** Appends a node and returns its output names (`nOut` of them). */
  node(opType: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, nOut = 1): string[] {
    const outputs = Array.from({ length: nOut }, () => this.freshName(opType.toLowerCase()));
    this.nodes.push(this.makeNode(opType, inputs, outputs, attributes));
    return outputs;
  }

  /** Appends a node with one output and returns that output as a value with the given shape, dtype and dims. */
  op(
    opType: string,
    inputs: readonly (OnnxValue | string)[],
    attributes: Record<string, Attribute>,
    out: { shape: readonly number[]; dtype: DType; dims: readonly SymDim[] },
  ): OnnxValue {
    const [name] = this.node(opType, inputs.map((i) => (typeof i === 'string' ? i : i.name)), attributes);
    return new OnnxValue({ graph: this, name: name!, shape: [...out.shape], dtype: out.dtype, dims: out.dims });
  }

  /** Wraps a constant as a value. */
  constantValue(data: TensorData, shape: readonly number[], dtype: DType, name?: string): OnnxValue {
    return new OnnxValue({ graph: this, name: this.constant(data, shape, dtype, name), shape: [...shape], dtype, dims: [...shape] });
  }

  /**
   * The value of this graph that stands for `t`: `t` itself if it is one,
   * otherwise what the backend's capture function makes of it (an
   * initializer for a constant or variable, an input for a variable the
   * graph assigns).
   *
   * @throws BackendCapabilityError for a value of another graph (a symbolic
   *   tensor that escaped an earlier trace), or when nothing can be captured.
   */
  resolve(t: Tensor): OnnxValue {
    if (t instanceof OnnxValue) {
      if (t.graph === this) return t;
      throw new BackendCapabilityError({
        backend: 'onnx',
        op: `use of value '${t.name}'`,
        remedy: 'The tensor is a symbolic value of another traced graph (it escaped an earlier compile or trace). Return it from that function and pass it in as an argument instead.',
      });
    }
    if (!this.capture) {
      throw new BackendCapabilityError({ backend: 'onnx', op: 'capture', remedy: 'This graph cannot capture tensors from outside; pass them as inputs.' });
    }
    return this.capture(t, this);
  }

  /**
   * A 1-D int64 tensor holding `dims` at run time: a constant when all are
   * static, otherwise assembled from the `Shape` of the graph inputs that
   * carry the symbols (`Shape` → `Gather` → `Mul` → `Concat`).
   *
   * @throws BackendCapabilityError if a dim is `unknown` or a symbol has no source input.
   */
  shapeTensor(dims: readonly SymDim[]): string {
    if (dims.every(isStatic)) return this.int64s(dims as number[]);
    const parts = dims.map((d) => (isStatic(d) ? this.int64s([d]) : this.symExprTensor(d)));
    return this.node('Concat', parts, { axis: intAttr(0) })[0]!;
  }

  /**
   * Removes the nodes no graph output depends on, and constants no remaining
   * node uses (dead code: e.g. gradients computed for inputs that need
   * none). Inputs stay declared. Returns the number of nodes removed.
   */
  prune(): number {
    const live = new Set(this.outputs.map((o) => o.name));
    const keep: boolean[] = new Array(this.nodes.length).fill(false);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (!n.outputs.some((o) => live.has(o))) continue;
      keep[i] = true;
      for (const x of n.inputs) live.add(x);
    }
    const before = this.nodes.length;
    const kept = this.nodes.filter((_, i) => keep[i]);
    this.nodes.length = 0;
    this.nodes.push(...kept);
    const usedConstants = this.constants.filter((c) => live.has(c.name));
    this.constants.length = 0;
    this.constants.push(...usedConstants);
    for (const [k, name] of this.constantKeys) if (!live.has(name)) this.constantKeys.delete(k);
    for (const [k, name] of this.shapeNodes) if (!live.has(name)) this.shapeNodes.delete(k);
    return before - kept.length;
  }

  private symExprTensor(d: SymExpr | 'unknown'): string {
    if (d === 'unknown') {
      throw new BackendCapabilityError({
        backend: 'onnx',
        op: 'shape of a dynamic axis',
        remedy: 'A shape argument depends on an axis whose size the graph cannot express (e.g. after concatenating along a dynamic axis). Export with static sizes for that axis.',
      });
    }
    let acc: string | undefined = d.coef === 1 ? undefined : this.int64s([d.coef]);
    for (const s of d.syms) {
      const src = this.symbolSources.get(s);
      if (!src) {
        throw new BackendCapabilityError({ backend: 'onnx', op: `size of symbol '${s}'`, remedy: `No graph input declares an axis '${s}'.` });
      }
      const key = `${src.input}:${src.axis}`;
      let part = this.shapeNodes.get(key);
      if (!part) {
        const [shape] = this.node('Shape', [src.input]);
        [part] = this.node('Gather', [shape!, this.int64s([src.axis])], { axis: intAttr(0) });
        this.shapeNodes.set(key, part!);
      }
      acc = acc === undefined ? part! : this.node('Mul', [acc, part!])[0]!;
    }
    return acc!;
  }

  /** A description for error messages: `[batch, 784]`. */
  static formatDims(dims: readonly SymDim[]): string {
    return `[${dims.map(formatDim).join(', ')}]`;
  }

  private makeNode(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: Record<string, Attribute>): GraphNode {
    return { name: `${opType}_${this.counter++}`, opType, inputs: [...inputs], outputs: [...outputs], attributes };
  }
}
