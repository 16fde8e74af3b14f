import type { Tensor } from '@strata/backend';
import { type CallContext, type Data, Layer, type SymbolicShape } from '@strata/core';
import { NetDictError } from '../errors.js';
import type { NetDictNode } from './net-dict-node.js';

/**
 * The layer of a `masked_computation` entry (RETURNN's `MaskedComputationLayer`), in a rec unit or outside one: its
 * output template is its unit's (`<name>(unit)`), the unit is built as a node of the network, and the network's
 * forward pass runs it (the layer is never applied on its own).
 */
export abstract class MaskedUnitLayer extends Layer {
  constructor(
    name: string,
    /** The unit's hidden node `<name>(unit)`. */
    readonly unitNode: NetDictNode,
    /** Where the unit runs, for the error of {@link call}: e.g. "inside a rec unit's forward pass". */
    private readonly runsIn: string,
  ) {
    super({ name });
    this.untracked(unitNode);
  }

  /** The unit's output template. */
  get frame(): Data {
    return this.unitNode.output;
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.frame.batchShape;
  }

  override build(_inputShape: SymbolicShape | SymbolicShape[]): void {
    // The unit is built as a node of the network.
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`masked_computation layer '${this.name}' runs ${this.runsIn}, not through apply().`);
  }
}
