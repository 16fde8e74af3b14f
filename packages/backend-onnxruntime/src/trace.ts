import type { DType, Tensor } from '@strata/backend';
import { GraphBuilder, type OnnxValue } from '@strata/onnx';
import { OrtTensor, OrtVariable } from './ort-tensor.js';

/**
 * The state of one trace of a compiled function: the graph being built,
 * the tensors it captured from outside, and the variable assignments it
 * made (extra outputs written back after each run).
 */
export class Trace {
  readonly graph: GraphBuilder;
  /** Variables read by the graph, each fed as an input named `var_<k>` (or baked in, see `finish`). */
  readonly variables = new Map<OrtVariable, OnnxValue>();
  /** `variable := value` made inside the trace, in call order (the last one wins). */
  readonly assigns = new Map<OrtVariable, OnnxValue>();
  private readonly constants = new Map<OrtTensor, OnnxValue>();

  constructor(opset: number) {
    this.graph = new GraphBuilder(opset, (t) => this.capture(t));
  }

  private capture(t: Tensor): OnnxValue {
    if (!(t instanceof OrtTensor)) {
      throw new Error(`onnxruntime: a tensor of another backend (${t.constructor.name}) was used in a compiled function; create it with the onnxruntime backend.`);
    }
    if (t instanceof OrtVariable) {
      let v = this.variables.get(t);
      if (!v) {
        v = this.graph.input(`var_${this.variables.size}`, t.dtype, t.shape);
        this.variables.set(t, v);
      }
      return v;
    }
    let c = this.constants.get(t);
    if (!c) {
      c = this.graph.constantValue(t.data, t.shape, t.dtype as DType);
      this.constants.set(t, c);
    }
    return c;
  }
}
