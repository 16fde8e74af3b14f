import type { Backend, Conv2dOptions, Pool2dOptions, Tensor } from '@strata/backend';

/**
 * What gradient rules compute with: the contract ops of the backend (each
 * recorded as ONNX nodes of the graph being traced) plus the few ops only
 * gradients need, lowered by `@strata/onnx`'s `lower/grad.ts`.
 */
export interface GradOps extends Backend {
  /** `x` broadcast to `shape` (ONNX `Expand`). */
  expand(x: Tensor, shape: readonly number[]): Tensor;
  /** `d conv2d(x, f, o) / d x` for the upstream gradient `dy` (ONNX `ConvTranspose`). */
  conv2dBackpropInput(dy: Tensor, filter: Tensor, xShape: readonly number[], o?: Conv2dOptions): Tensor;
  /** `d conv2d(x, f, o) / d f` for the upstream gradient `dy` (ONNX `Conv`). */
  conv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: readonly number[], o?: Conv2dOptions): Tensor;
  /** `d maxPool2d(x, o) / d x` for `dy` (ONNX `MaxPool` indices + `ScatterElements`). */
  maxPool2dGrad(x: Tensor, dy: Tensor, o: Pool2dOptions): Tensor;
  /** `d avgPool2d(x, o) / d x` for `dy` (ONNX `ConvTranspose`, depthwise). */
  avgPool2dGrad(xShape: readonly number[], dy: Tensor, o: Pool2dOptions): Tensor;
  /** `d gather(x, indices, axis) / d x` for `dy` (ONNX `ScatterND`, reduction add). */
  gatherGrad(xShape: readonly number[], indices: Tensor, dy: Tensor, axis: number): Tensor;
}
