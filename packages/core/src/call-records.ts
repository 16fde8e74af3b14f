import type { Tensor } from '@strata/backend';
import type { CallContext } from './call-context.js';
import type { Variable } from './variable.js';

/** One state update (seed `add_update`): assign `value` to `variable`, e.g. a batch-norm moving average. */
export interface VariableUpdate {
  variable: Variable;
  value: Tensor;
}

/** Inputs as the seed passes them: one tensor, a list, or `null`/`undefined` for "unconditional". */
export type InputsKey = Tensor | Tensor[] | null | undefined;

interface Entry<T> {
  item: T;
  /** `null`: unconditional. Otherwise the inputs the entry depends on, and those of the calls it happened inside. */
  inputs: Tensor[][] | null;
}

const asList = (inputs: Tensor | Tensor[]): Tensor[] => (Array.isArray(inputs) ? inputs : [inputs]);

/**
 * Losses or updates of a layer, each conditional on a set of inputs or
 * unconditional (seed `add_loss(losses, inputs)`, `get_losses_for(inputs)`).
 *
 * A conditional entry matches the inputs it was added for and, when it was
 * added while an outer layer was being called, that outer call's inputs too:
 * `network.getLossesFor(x)` finds the losses its sub-layers added during
 * `network.apply(x)` (what Keras finds by walking the graph). Inputs are
 * compared by identity; the per-pass records (and so their inputs) are
 * dropped at the next pass. No `WeakRef`s: V8 keeps their targets alive until
 * the running job ends, which a synchronous training loop never does.
 */
export class CallRecords<T> {
  private entries: Entry<T>[] = [];

  /** Adds `item`, conditional on `inputs` (and the enclosing calls' `outer` inputs) unless `inputs` is null/undefined. */
  add(item: T, inputs: InputsKey, outer: readonly Tensor[][] = []): void {
    const keys = inputs == null ? null : [asList(inputs), ...outer.map((xs) => [...xs])];
    this.entries.push({ item, inputs: keys });
  }
  /** Every entry, oldest first. */
  all(): T[] {
    return this.entries.map((e) => e.item);
  }
  /** The unconditional entries for `inputs == null`, else the entries conditional on exactly these inputs. */
  forInputs(inputs: InputsKey): T[] {
    if (inputs == null) return this.entries.filter((e) => e.inputs === null).map((e) => e.item);
    const want = asList(inputs);
    const same = (xs: Tensor[]) => xs.length === want.length && xs.every((x, i) => x === want[i]);
    return this.entries.filter((e) => e.inputs?.some(same)).map((e) => e.item);
  }
  /** Removes and returns every entry. */
  clear(): T[] {
    const items = this.all();
    this.entries = [];
    return items;
  }
  get size(): number {
    return this.entries.length;
  }
}

// Inputs and contexts of the layer calls under way, innermost last. A call made
// outside any other layer call starts a new *pass*; per-pass records are dropped then.
const callStack: Tensor[][] = [];
const contextStack: CallContext[] = [];
let passCounter = 0;

/** The call stack shared by all layers (one per process; it holds only the calls under way). */
export const calls = {
  /** Enters a layer call with inputs `xs` and context `ctx`; returns true if it starts a new pass (no call under way). */
  enter(xs: Tensor[], ctx: CallContext): boolean {
    const top = callStack.length === 0;
    if (top) passCounter++;
    callStack.push(xs);
    contextStack.push(ctx);
    return top;
  },
  exit(): void {
    callStack.pop();
    contextStack.pop();
  },
  /** Number of the current pass. */
  get pass(): number {
    return passCounter;
  },
  /** Inputs of the calls under way (outermost first). */
  get stack(): readonly Tensor[][] {
    return callStack;
  },
  /**
   * The context of the innermost call under way, or `undefined` outside any
   * call: what a nested `apply` without a context inherits (Keras' call-context rule).
   */
  get context(): CallContext | undefined {
    return contextStack[contextStack.length - 1];
  },
};
