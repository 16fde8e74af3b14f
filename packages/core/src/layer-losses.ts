import { ops, type Tensor } from '@strata/backend';
import { CallRecords, calls, type InputsKey, type VariableUpdate } from './call-records.js';
import { LayerConnectivity } from './layer-connectivity.js';
import type { NodeLayer } from './layer-node.js';

/**
 * The seed's losses and updates of a layer (`add_loss`, `losses`,
 * `get_losses_for`, `add_update`, `updates`, `get_updates_for`), kept apart
 * from {@link Layer} so that each file holds one concept.
 *
 * Functions given to {@link LayerLosses.addLoss} (weight penalties) persist
 * and are evaluated on every read. Tensors added during a call (activity
 * regularization, batch-norm updates) belong to the current *pass*: they are
 * dropped when the layer, or a layer tracking it, is next called from outside
 * any layer call, so a training loop does not accumulate them.
 */
export abstract class LayerLosses<L extends LayerLosses<L> & NodeLayer> extends LayerConnectivity<L> {
  protected readonly persistentLosses = new CallRecords<() => Tensor>();
  private readonly callLosses = new CallRecords<Tensor>();
  private readonly callUpdates = new CallRecords<VariableUpdate & { owned: boolean }>();
  private recordsPass = 0;

  /** Layers tracked by this one, whose losses and updates are listed too. */
  abstract get layers(): L[];

  /**
   * Adds loss(es) (seed `add_loss`). A function is a persistent loss,
   * evaluated on every read of {@link LayerLosses.losses} (e.g. a weight
   * penalty); a tensor belongs to the current pass. With `inputs`, the losses
   * are conditional on these inputs (see {@link LayerLosses.getLossesFor});
   * without, unconditional.
   */
  addLoss(losses: Tensor | (() => Tensor) | (Tensor | (() => Tensor))[], inputs: InputsKey = null): void {
    for (const l of Array.isArray(losses) ? losses : [losses]) {
      if (typeof l === 'function') this.persistentLosses.add(l, inputs, calls.stack);
      else this.callLosses.add(l, inputs, calls.stack);
    }
  }

  /** Current losses, own and of sub-layers: persistent ones evaluated now, then those of the current pass (seed `losses`). */
  get losses(): Tensor[] {
    return [...this.persistentLosses.all().map((f) => f()), ...this.callLosses.all(), ...this.layers.flatMap((l) => l.losses)];
  }

  /**
   * Losses that depend on `inputs` (the tensors passed to a call of this
   * layer, or of a layer it was called inside: what Keras finds by
   * reachability), own and of sub-layers; with `null`, the unconditional
   * ones (seed `get_losses_for`).
   */
  getLossesFor(inputs: InputsKey): Tensor[] {
    const own = [...this.persistentLosses.forInputs(inputs).map((f) => f()), ...this.callLosses.forInputs(inputs)];
    return [...own, ...this.layers.flatMap((l) => l.getLossesFor(inputs))];
  }

  /**
   * Records state update(s) (seed `add_update`) and applies them: during a
   * call with a context that collects updates (`ctx.addUpdate`, the engine's
   * training step) they are handed to it and applied after the step;
   * otherwise they are assigned at once. Listed in {@link LayerLosses.updates}
   * for the current pass; `inputs` makes them conditional as in {@link LayerLosses.addLoss}.
   */
  addUpdate(updates: VariableUpdate | VariableUpdate[], inputs: InputsKey = null): void {
    for (const u of Array.isArray(updates) ? updates : [updates]) {
      const ctx = calls.context;
      const collect = ctx?.addUpdate;
      if (collect) collect.call(ctx, u.variable, u.value);
      else u.variable.assign(u.value);
      this.callUpdates.add({ ...u, owned: !collect }, inputs, calls.stack);
    }
  }

  /** The updates of the current pass, own and of sub-layers (seed `updates`). */
  get updates(): VariableUpdate[] {
    return [...this.callUpdates.all().map(({ variable, value }) => ({ variable, value })), ...this.layers.flatMap((l) => l.updates)];
  }

  /** Updates conditional on `inputs` (`null`: the unconditional ones), own and of sub-layers (seed `get_updates_for`). */
  getUpdatesFor(inputs: InputsKey): VariableUpdate[] {
    const own = this.callUpdates.forInputs(inputs).map(({ variable, value }) => ({ variable, value }));
    return [...own, ...this.layers.flatMap((l) => l.getUpdatesFor(inputs))];
  }

  /** At the start of a call: a new pass drops the previous pass' records (of the whole tree when `newPass`). */
  protected startCallRecords(newPass: boolean): void {
    if (newPass) this.clearCallRecords(true);
    else if (this.recordsPass !== calls.pass) this.clearCallRecords(false);
  }

  /** Drops the tensors of the previous pass (losses, updates, the nodes' tensors; own, with `tree` of sub-layers too); updates applied at once are disposed. */
  private clearCallRecords(tree: boolean): void {
    this.recordsPass = calls.pass;
    this.releaseNodeTensors();
    this.callLosses.clear();
    for (const u of this.callUpdates.clear()) if (u.owned) ops.dispose(u.value);
    if (tree) for (const l of this.layers) l.clearCallRecords(true);
  }
}
