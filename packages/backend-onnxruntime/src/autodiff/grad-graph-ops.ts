import type { Conv2dOptions, Pool2dOptions, Tensor } from '@strata/backend';
import { avgPool2dGrad, conv2dBackpropFilter, conv2dBackpropInput, expand, gatherGrad, GraphOps, maxPool2dGrad } from '@strata/onnx';

/**
 * The contract ops of {@link GraphOps} plus the gradient-only ops of
 * `GradOps` (see `grad-ops.ts`), each lowered by `@strata/onnx`. They run
 * like any op (recorded in a trace, or as a one-op session) and are never
 * differentiated themselves.
 */
export abstract class GradGraphOps extends GraphOps {
  expand(x: Tensor, shape: readonly number[]): Tensor {
    return this.run('expand', [x], (g, [v]) => expand(g, v!, shape));
  }
  conv2dBackpropInput(dy: Tensor, filter: Tensor, xShape: readonly number[], o?: Conv2dOptions): Tensor {
    return this.run('conv2dBackpropInput', [dy, filter], (g, [d, f]) => conv2dBackpropInput(g, d!, f!, xShape, o));
  }
  conv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: readonly number[], o?: Conv2dOptions): Tensor {
    return this.run('conv2dBackpropFilter', [x, dy], (g, [v, d]) => conv2dBackpropFilter(g, v!, d!, filterShape, o));
  }
  maxPool2dGrad(x: Tensor, dy: Tensor, o: Pool2dOptions): Tensor {
    return this.run('maxPool2dGrad', [x, dy], (g, [v, d]) => maxPool2dGrad(g, v!, d!, o));
  }
  avgPool2dGrad(xShape: readonly number[], dy: Tensor, o: Pool2dOptions): Tensor {
    return this.run('avgPool2dGrad', [dy], (g, [d]) => avgPool2dGrad(g, xShape, d!, o));
  }
  gatherGrad(xShape: readonly number[], indices: Tensor, dy: Tensor, axis: number): Tensor {
    return this.run('gatherGrad', [indices, dy], (g, [i, d]) => gatherGrad(g, xShape, i!, d!, axis));
  }
}
