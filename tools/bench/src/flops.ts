/**
 * Floating-point operations of the matrix products and convolutions of a
 * chain network (Linear and Conv2D layers; elementwise ops, pooling, softmax
 * and the optimizer are left out), for the effective GFLOP/s column.
 */
import { Conv2D, Linear } from '@strata/core';
import type { NetDictNetwork } from '@strata/network';

/**
 * FLOPs of one forward pass over `batch` examples: `2·batch·in·out` per
 * Linear, `2·batch·Ho·Wo·kh·kw·Cin·Cout` per Conv2D (a multiply-add is 2).
 */
export function forwardFlops(net: NetDictNetwork, batch: number): number {
  let flops = 0;
  for (const node of net.nodes.values()) {
    const l = node.layer;
    if (l instanceof Linear) {
      flops += 2 * batch * l.kernel.shape[0]! * l.kernel.shape[1]!;
    } else if (l instanceof Conv2D) {
      const [kh, kw, ci, co] = l.kernel.shape as number[];
      const [ho, wo] = node.output.shape as number[];
      flops += 2 * batch * ho! * wo! * kh! * kw! * ci! * co!;
    }
  }
  return flops;
}

/**
 * FLOPs of one training step: the forward pass, the weight gradients (as
 * much again) and the input gradients (as much again): 3× the forward.
 * This is the usual convention (it slightly overcounts the first layer,
 * whose input gradient is not needed).
 */
export function trainStepFlops(net: NetDictNetwork, batch: number): number {
  return 3 * forwardFlops(net, batch);
}
