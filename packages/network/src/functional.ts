import type { Tensor } from '@strata/backend';
import { type CallContext, type Layer, type SymbolicNode, SymbolicTensor, SymbolicTensorError } from '@strata/core';
import { Network, type NetworkArgs } from './network.js';

/** Arguments of {@link Functional}: the graph's ends, plus the Network's. */
export interface FunctionalArgs extends NetworkArgs {
  /** The graph's inputs (from `input(...)`), in the order `apply` takes the real tensors. */
  inputs: SymbolicTensor<Layer> | readonly SymbolicTensor<Layer>[];
  /** What the graph computes: one tensor (or a list of one); see {@link Functional.callAll} for several. */
  outputs: SymbolicTensor<Layer> | readonly SymbolicTensor<Layer>[];
}

/**
 * A network defined by a graph of layer calls (Keras' functional API,
 * `keras.Model(inputs, outputs)`; tfjs-layers `tf.model`): the layers called
 * between `inputs` and `outputs` are tracked in the order the graph first
 * uses them, a layer called twice is one layer (shared weights), and a call
 * runs the recorded calls in that order. As any {@link Network} it trains
 * with the engine through a `LayerModel`, saves, loads and exports.
 *
 * ```ts
 * const x = input({ shape: [784] });
 * const h = new Linear({ units: 128, activation: 'relu' }).apply(x);
 * const y = new Linear({ units: 10, activation: 'softmax' }).apply(new Dropout({ rate: 0.2 }).apply(h));
 * const net = new Functional({ inputs: x, outputs: y, name: 'mlp' });
 * net.apply(ops.zeros([2, 784]));   // [2, 10]; variables mlp/linear/kernel:0, ...
 * ```
 *
 * `apply(x)` with one input takes a tensor; with several, a list in the
 * order of `inputs`. Calling it on symbolic tensors nests the graph in a
 * larger one.
 * @throws SymbolicTensorError if an output does not depend only on `inputs`
 *   (Keras: "Graph disconnected"), naming the missing input and the layer
 *   that needs it; if `inputs` holds a computed tensor or one input twice.
 */
export class Functional extends Network {
  static override readonly className: string = 'Functional';
  /** The graph's inputs, in call order. */
  readonly inputs: readonly SymbolicTensor<Layer>[];
  /** The graph's outputs. */
  readonly outputs: readonly SymbolicTensor<Layer>[];
  /** The recorded calls in execution order (each once); held as a reference, its layers are tracked explicitly. */
  private readonly steps: readonly SymbolicTensor<Layer>[];

  constructor(args: FunctionalArgs) {
    const { inputs, outputs, ...rest } = args;
    super(rest);
    this.inputs = this.untracked(toList(inputs));
    this.outputs = this.untracked(toList(outputs));
    checkInputs(this.inputs);
    if (this.outputs.length === 0) throw new SymbolicTensorError('Functional: outputs is empty. Give the symbolic tensor(s) the graph computes.');
    this.steps = this.untracked(executionOrder(this.inputs, this.outputs));
    for (const t of this.steps) this.trackLayer(t.node!.layer);
  }

  /**
   * Runs the graph on real tensors (`inputs` as {@link Functional.inputs}) and
   * returns its one output. Each layer is called with `ctx` (training flag).
   * @throws SymbolicTensorError for a wrong number of inputs or a graph of several outputs (use {@link Functional.callAll}).
   */
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    if (this.outputs.length !== 1) {
      throw new SymbolicTensorError(`Functional '${this.name}' has ${this.outputs.length} outputs; apply returns one tensor. Use callAll(inputs, ctx) for all of them.`);
    }
    return this.callAll(inputs, ctx)[0]!;
  }

  /** All outputs, in the order of {@link Functional.outputs}; arguments and errors as {@link Functional.call}. */
  callAll(inputs: Tensor | Tensor[], ctx: CallContext): Tensor[] {
    const given = Array.isArray(inputs) ? inputs : [inputs];
    if (given.length !== this.inputs.length) {
      throw new SymbolicTensorError(
        `Functional '${this.name}' takes ${this.inputs.length} input(s) (${this.inputs.map((t) => t.name).join(', ')}), received ${given.length} tensor(s).`,
      );
    }
    const values = new Map<SymbolicTensor<Layer>, Tensor>(this.inputs.map((t, i) => [t, given[i]!]));
    for (const t of this.steps) {
      const node = t.node!;
      const xs = node.inputs.map((s) => values.get(s)!);
      values.set(t, node.layer.apply(node.list ? xs : xs[0]!, ctx));
    }
    return this.outputs.map((t) => values.get(t)!);
  }
}

function toList(x: SymbolicTensor<Layer> | readonly SymbolicTensor<Layer>[]): readonly SymbolicTensor<Layer>[] {
  return Array.isArray(x) ? [...(x as readonly SymbolicTensor<Layer>[])] : [x as SymbolicTensor<Layer>];
}

function checkInputs(inputs: readonly SymbolicTensor<Layer>[]): void {
  if (inputs.length === 0) throw new SymbolicTensorError('Functional: inputs is empty. Give the graph input(s) made with input({ shape }).');
  for (const [i, t] of inputs.entries()) {
    if (!t?.isInput) {
      throw new SymbolicTensorError(
        `Functional: inputs[${i}] (${t?.name ?? String(t)}) is not a graph input. Make inputs with input({ shape }) and pass those, not tensors computed from them.`,
      );
    }
    if (inputs.indexOf(t) !== i) throw new SymbolicTensorError(`Functional: input '${t.name}' is given twice (inputs[${inputs.indexOf(t)}] and inputs[${i}]).`);
  }
}

/**
 * The computed tensors `outputs` depend on, each after its inputs (a depth-first
 * post-order from the outputs, so layers come in the order the graph first uses them).
 * @throws SymbolicTensorError if a path ends at an input not in `inputs`.
 */
function executionOrder(inputs: readonly SymbolicTensor<Layer>[], outputs: readonly SymbolicTensor<Layer>[]): SymbolicTensor<Layer>[] {
  const order: SymbolicTensor<Layer>[] = [];
  const done = new Set<SymbolicTensor<Layer>>(inputs);
  const visit = (t: SymbolicTensor<Layer>, consumer: SymbolicNode<Layer> | undefined): void => {
    if (done.has(t)) return;
    if (!t.node) {
      const by = consumer ? ` needed by layer '${consumer.layer.name}'` : ' given as an output';
      throw new SymbolicTensorError(
        `Graph disconnected: input '${t.name}'${by} is not among the Functional's inputs (${inputs.map((i) => i.name).join(', ')}). Add it to inputs.`,
      );
    }
    // Symbolic tensors are immutable and made after their inputs, so the graph has no cycles.
    for (const s of t.node.inputs) visit(s, t.node);
    done.add(t);
    order.push(t);
  };
  for (const t of outputs) {
    if (!(t instanceof SymbolicTensor)) throw new SymbolicTensorError(`Functional: an output is not a symbolic tensor. Received: ${String(t)}.`);
    visit(t, undefined);
  }
  return order;
}
