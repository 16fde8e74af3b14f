import { BackendCapabilityError, type DType, type Tensor } from '@strata/backend';
import { GraphBuilder, type OnnxValue } from '@strata/onnx';
import type { Tape } from './autodiff/tape.js';
import { OrtTensor, OrtVariable } from './ort-tensor.js';

/** A `randomUniform` of a trace: the graph input and how to fill it. */
export interface RandomInput {
  readonly name: string;
  readonly shape: number[];
  readonly min: number;
  readonly max: number;
  readonly seed: number;
}

/**
 * The state of one trace of a compiled function: the graph being built,
 * the tensors it captured from outside, the variable assignments it made
 * (extra outputs written back after each run) and its random inputs.
 */
export class Trace {
  readonly graph: GraphBuilder;
  /**
   * Variables the graph reads before assigning them (if at all), each an
   * input named `var_<k>` (fed, or baked in by `CompiledTrace` when never assigned).
   */
  readonly variables = new Map<OrtVariable, OnnxValue>();
  /** `variable := value` made inside the trace, in call order (the last one wins). */
  readonly assigns = new Map<OrtVariable, OnnxValue>();
  /** `randomUniform` calls, each an input fed with fresh samples on every run (see {@link Trace.randomUniform}). */
  readonly randoms: RandomInput[] = [];
  /** While a `valueAndGrads` function runs: the tape its ops are recorded on. */
  tape: Tape | undefined;
  private readonly constants = new Map<OrtTensor, OnnxValue>();

  constructor(opset: number) {
    this.graph = new GraphBuilder({ opset, capture: (t) => this.capture(t) });
  }

  /**
   * A graph input named `random_<k>` that the compiled function feeds with
   * `shape` samples uniform in `[min, max)` drawn on the host from `seed`
   * and the run number. (onnxruntime 1.30 has no `RandomUniform` kernel for
   * opset 22 and later, so the op cannot be a node of the graph.)
   */
  randomUniform(shape: readonly number[], min: number, max: number, seed: number): OnnxValue {
    const input = this.graph.input(`random_${this.randoms.length}`, 'float32', shape);
    this.randoms.push({ name: input.name, shape: [...shape], min, max, seed });
    return input;
  }

  private capture(t: Tensor): OnnxValue {
    if (!(t instanceof OrtTensor)) {
      throw new BackendCapabilityError({
        backend: 'onnxruntime',
        op: 'compile',
        remedy: `A tensor of another backend (${t.constructor.name}) was used in a compiled function; create it with the onnxruntime backend.`,
      });
    }
    if (t instanceof OrtVariable) {
      // Reads after an assign in the same trace see the assigned value, as in eager mode.
      const assigned = this.assigns.get(t);
      if (assigned) return assigned;
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
