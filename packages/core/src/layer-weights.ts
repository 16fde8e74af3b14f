import { getBackend, ops, type Tensor, type TensorData } from '@strata/backend';
import { LayerArgumentError, WeightMismatchError } from './errors.js';
import type { Variable } from './variable.js';

/**
 * Checks the values given to `setWeights` against the weights, before anything is assigned.
 * @throws WeightMismatchError if the count differs (naming the weights; hinting at building first
 *   when the layer has none yet) or an array's size differs from its weight's.
 */
export function checkSetWeights(layer: string, built: boolean, ws: Variable[], values: (TensorData | number[])[]): void {
  if (!Array.isArray(values) || values.length !== ws.length) {
    const hint = !built && ws.length === 0 ? ' The layer is not built yet, so it has no weights: call it on an input (or build(inputShape)) first.' : '';
    throw new WeightMismatchError(
      `Layer '${layer}' has ${ws.length} weights (${ws.map((w) => w.name).join(', ') || 'none'}), but setWeights received ${Array.isArray(values) ? values.length : typeof values} arrays.${hint}`,
    );
  }
  ws.forEach((w, i) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const got = values[i]?.length;
    if (got !== n) {
      throw new WeightMismatchError(
        `Weight '${w.name}' has shape [${w.shape.join(', ')}] (${n} values), but setWeights received ${got ?? values[i]} values at index ${i}.`,
      );
    }
  });
}

/**
 * Sets `ws` from row-major values in the same order (seed `set_weights`), after checking all of them.
 * @throws WeightMismatchError if the count or any size differs; nothing is changed then.
 */
export function setLayerWeights(layer: string, built: boolean, ws: Variable[], values: (TensorData | number[])[]): void {
  checkSetWeights(layer, built, ws, values);
  ws.forEach((w, i) => {
    const src = values[i]!;
    const data = w.dtype === 'float32' ? Float32Array.from(src) : Int32Array.from(src);
    const t = ops.tensor(data, w.shape, w.dtype);
    w.assign(t);
    getBackend().dispose(t);
  });
}

/** What {@link cloneLayer} needs of a layer (structural, so that this file does not import layer.ts). */
export interface CloneableLayer {
  readonly name: string;
  built: boolean;
  readonly builtInputShape: readonly (number | null)[] | (readonly (number | null)[])[] | undefined;
  readonly weights: Variable[];
  readonly dtype: string | null;
  getConfig(): Record<string, unknown>;
  build(inputShape: never): void;
  apply(x: Tensor): Tensor;
  getWeights(): TensorData[];
  setWeights(values: TensorData[]): void;
  clearNodes(): void;
}

/**
 * A deep copy of `layer`: recreated from its config (through the class'
 * static `fromConfig` when it has one), built for the same input shape and
 * given copies of the weight values. Layers that create weights during their
 * first call (a Network's sub-layers) are built by one call on zeros of the
 * built input shape (unknown sizes 1), whose node is then forgotten.
 * @throws LayerArgumentError if the copy's weights still differ in number from the original's.
 */
export function cloneLayer<L extends CloneableLayer>(layer: L): L {
  const cls = layer.constructor as unknown as { new (config: unknown): L; fromConfig?: (config: unknown) => L };
  const config = layer.getConfig();
  const copy = typeof cls.fromConfig === 'function' ? cls.fromConfig(config) : new cls(config);
  if (!layer.built) return copy;
  const shape = layer.builtInputShape;
  if (shape !== undefined) copy.build(shape as never);
  copy.built = true;
  if (copy.weights.length !== layer.weights.length && shape !== undefined && !Array.isArray(shape[0])) {
    const concrete = (shape as readonly (number | null)[]).map((d) => d ?? 1);
    ops.tidy(() => void copy.apply(ops.zeros(concrete, (layer.dtype ?? 'float32') as 'float32')));
    copy.clearNodes();
  }
  if (copy.weights.length !== layer.weights.length) {
    throw new LayerArgumentError(
      `clone(): the copy of layer '${layer.name}' has ${copy.weights.length} weights after building, the original ${layer.weights.length}. ` +
        `Its getConfig() must describe every weight-creating argument. Received: config=${JSON.stringify(config)}.`,
    );
  }
  copy.setWeights(layer.getWeights());
  return copy;
}
