import {
  type Backend,
  BackendCapabilityError,
  type DType,
  type LossAndAux,
  type MemoryInfo,
  type Shape,
  type Tensor,
  type TensorData,
  type ValueAndGrads,
} from '@strata/backend';
import { formatDim } from './dims.js';
import { GraphBuilder, type OnnxValue } from './graph.js';
import { GraphOps, type Lowering, randomUniformNode } from './graph-ops.js';

/** Options of {@link OnnxTracer}. */
export interface OnnxTracerOptions {
  /** The ONNX opset of the default domain the graph is written for (17..26). */
  opset: number;
  /** The backend that owns captured tensors (read once with `readSync`), usually `getBackend()`. */
  source: Backend;
  /** Initializer names for captured tensors, e.g. variable paths (`net/dense/kernel`). Default: none (generated names). */
  names?: ReadonlyMap<Tensor, string>;
}

/**
 * A `Backend` that only records: every op appends ONNX nodes to one
 * {@link GraphBuilder}. Tensors from outside (a layer's variables, living on
 * the backend the model was trained on) are read once through `source` and
 * become initializers, named after the variable where `names` knows it.
 * Used by {@link traceToOnnx} for export; it computes nothing.
 */
export class OnnxTracer extends GraphOps implements Backend {
  readonly name = 'onnx-tracer';
  readonly kind = 'graph' as const;
  readonly graph: GraphBuilder;
  private readonly captured = new Map<Tensor, OnnxValue>();

  /** The backend that owns captured tensors (read with `readSync`). */
  private readonly source: Backend;
  /** Initializer names for captured tensors, e.g. variable paths (`net/dense/kernel`). */
  private readonly names: ReadonlyMap<Tensor, string>;

  constructor(options: OnnxTracerOptions) {
    super();
    this.source = options.source;
    this.names = options.names ?? new Map();
    this.graph = new GraphBuilder({ opset: options.opset, capture: (t, g) => this.capture(t, g) });
  }

  private capture(t: Tensor, g: GraphBuilder): OnnxValue {
    let v = this.captured.get(t);
    if (!v) {
      const data = this.source.readSync(t);
      v = g.constantValue(data, t.shape, t.dtype as DType, this.names.get(t));
      this.captured.set(t, v);
    }
    return v;
  }

  protected run(_op: string, inputs: Tensor[], lower: Lowering): Tensor {
    const g = this.graph;
    return lower(g, inputs.map((t) => g.resolve(t)));
  }

  /**
   * A constant whose shape has the traced size of a dynamic axis (a zero
   * state `[batch, units]`, a frame index `[time]`) would freeze that size
   * into the exported graph: refuse it.
   * @throws BackendCapabilityError naming the axis.
   */
  private checkStaticShape(op: string, shape: Shape): void {
    const hit = this.graph.symbolSizes().find(([size]) => shape.includes(size));
    if (hit) {
      throw new BackendCapabilityError({
        backend: this.name,
        op: `${op} of shape [${shape.join(', ')}]`,
        remedy: `A layer creates a constant whose size follows the dynamic axis '${formatDim(hit[1])}' (e.g. initial states or masks built on the host), which an exported graph cannot hold. Export with that axis static (dynamicAxes), or use a layer that derives it from its input.`,
      });
    }
  }

  private unsupported(op: string, remedy: string): never {
    throw new BackendCapabilityError({ backend: this.name, op, remedy });
  }

  async init(): Promise<void> {}
  tidy<T>(fn: () => T): T {
    return fn();
  }
  keep<T extends Tensor>(t: T): T {
    return t;
  }
  dispose(_t: Tensor | Tensor[]): void {}
  memory(): MemoryInfo {
    return { numTensors: this.graph.nodes.length, numBytes: 0 };
  }
  compile<A extends Tensor[], R>(fn: (...args: A) => R): (...args: A) => R {
    return fn;
  }
  tensor(values: TensorData | number[], shape: Shape, dtype: DType): Tensor {
    this.checkStaticShape('tensor', shape);
    const data = values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array
      ? values
      : dtype === 'float32' ? Float32Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
    return this.graph.constantValue(data, shape, dtype);
  }
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return this.tensor([value], [], dtype);
  }
  fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    this.checkStaticShape('fill', shape);
    const n = shape.reduce((a, b) => a * b, 1);
    return this.tensor(new Array<number>(n).fill(value), shape, dtype);
  }
  read(_t: Tensor): Promise<TensorData> {
    return this.unsupported('read', 'Values of a traced graph exist only when it runs; run the exported model instead.');
  }
  readSync(_t: Tensor): TensorData {
    return this.unsupported('readSync', 'Values of a traced graph exist only when it runs; run the exported model instead.');
  }
  variable(_initial: Tensor, _trainable: boolean): Tensor {
    return this.unsupported('variable', 'A layer created weights while being exported: build the model (run it once) before exporting.');
  }
  assign(_variable: Tensor, _value: Tensor): void {
    this.unsupported('assign', 'Export traces inference only; a layer updated state (e.g. batch-norm statistics in training mode). Export with training off.');
  }
  valueAndGrads(_f: () => LossAndAux, _variables: Tensor[]): ValueAndGrads {
    return this.unsupported('valueAndGrads', 'Export traces inference only.');
  }
  randomUniform(shape: Shape, min: number, max: number, seed: number): Tensor {
    this.checkStaticShape('randomUniform', shape);
    return randomUniformNode(this.graph, shape, min, max, seed);
  }
}
