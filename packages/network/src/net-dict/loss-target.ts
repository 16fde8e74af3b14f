import type { Data } from '@strata/core';
import { lossClass } from '@strata/losses';
import { NetDictError } from '../errors.js';

/** Static sizes agree (a dynamic axis, `null`, matches anything: its size is only known per batch). */
const sameAxes = (a: readonly (number | null)[], b: readonly (number | null)[]): boolean =>
  a.length === b.length && a.every((x, i) => x === null || b[i] === null || x === b[i]);

/**
 * Checks, at construction, that the output template of layer `name` pairs
 * with its target's as loss `loss` needs, so a mismatch is reported with the
 * layer and its sources before any batch runs (the loss would only say
 * "cannot pair output [4, 3, 2, 5] with target [4, 3]"):
 *
 * * frame-wise losses (`ce`, `mse`, `l1`) on a sparse target `[..., T]`: output `[..., T, classes]`
 *   with `classes` the target's class count (`ctc`: plus the blank);
 * * on a dense target: the output has the target's shape.
 *
 * `ctc` and `edit_distance` pair unaligned sequences (only the class count is
 * checked for `ctc`); a sparse output (a search choice) is not checked.
 * @param fromChain describes the layer's `from` chain back to the data (made only for the message).
 * @throws NetDictError naming the layer, its sources, the target and both shapes, with the fix.
 */
export function checkLossTarget(name: string, output: Data, target: Data, loss: string, fromChain: () => string = () => ''): void {
  if (loss === 'edit_distance' || output.sparse) return;
  // CTC has one more output class than the target: the blank (RETURNN's convention, the last class).
  const want = loss === 'ctc' && target.dim !== null ? target.dim + 1 : target.dim;
  if (target.sparse && output.dim !== want) {
    throw new NetDictError(
      `Layer '${name}' has ${output.dim} output features, but its target '${target.name}' has ${target.dim} classes${loss === 'ctc' ? ' plus the CTC blank' : ''}. Set "n_out": ${want}.`,
    );
  }
  if (loss === 'ctc') return;
  const outAxes = output.shape;
  const wantAxes = target.sparse ? [...target.shape, want] : target.shape;
  if (sameAxes(outAxes, wantAxes)) return;
  const fmt = (axes: readonly (number | null)[]) => `[B${axes.map((a) => `, ${a ?? 'T'}`).join('')}]`;
  const chain = fromChain();
  const from = chain ? ` It takes "from": ${chain}.` : '';
  throw new NetDictError(
    `Layer '${name}' outputs ${fmt(outAxes)}, but loss "${loss}" on its target '${target.name}' ${fmt(target.shape)}${target.sparse ? ` (class indices, ${target.dim} classes)` : ''} ` +
      `needs the output ${fmt(wantAxes)}${target.sparse ? ' (the target axes, then the classes)' : ' (the target shape)'}.${from} ` +
      `Fix the "from" chain (an axis too many or too few: e.g. a window or split_dims layer adds one, flatten or merge_dims removes one) or the target.`,
  );
}

/** Whether loss `loss` takes a target (RETURNN `Loss.need_target`; false for `as_is`): only then does a layer with it get the default target. Unknown names: true (the loss's own error names them). */
export function lossNeedsTarget(loss: string): boolean {
  try {
    return (lossClass(loss) as { needTarget?: boolean }).needTarget !== false;
  } catch {
    return true;
  }
}
