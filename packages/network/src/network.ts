import type { Tensor } from '@strata/backend';
import { type CallContext, Layer, type LayerArgs } from '@strata/core';
import { LayerNotFoundError, NetworkError, NotALayerError } from './errors.js';

/** Selects a layer by its name or by its tracking index (exactly one of both). */
export type LayerSelector = { name: string; index?: undefined } | { index: number; name?: undefined };

/**
 * A composition of layers (seeds 000–002: `tfe.Network`), itself a
 * {@link Layer}. Subclass it, track sub-layers with {@link Network.trackLayer}
 * and override `call`:
 *
 * ```ts
 * class TwoLayerNetwork extends Network {
 *   one = this.trackLayer(new Linear({ units: 16 }));
 *   two = this.trackLayer(new Linear({ units: 1 }));
 *   override call(x: Tensor) { return this.two.apply(this.one.apply(x)); }
 * }
 * const net = new TwoLayerNetwork({ name: 'net' });
 * net.apply(ops.ones([1, 8]));
 * net.variables.map((v) => v.name);
 * // ['net/dense/kernel:0', 'net/dense/bias:0', 'net/dense_1/kernel:0', 'net/dense_1/bias:0']
 * ```
 *
 * A network built from a RETURNN net dict is a {@link NetDictNetwork}.
 */
export class Network extends Layer {
  static override readonly className: string = 'Network';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  /**
   * Tracks a layer so that its variables are listed by this network (seed `track_layer`).
   * @throws NotALayerError if `layer` is not a Layer (seed: TypeError).
   * @throws DuplicateNameError (from @strata/core) if a layer with the same explicit name was already added (seed: ValueError).
   */
  override trackLayer<L extends Layer>(layer: L): L {
    if (!(layer instanceof Layer)) {
      const what = layer === null ? 'null' : typeof layer === 'object' ? (layer as object).constructor?.name : typeof layer;
      throw new NotALayerError(`trackLayer expects a Layer. Received: ${what}. Wrap plain functions in a Layer subclass.`);
    }
    return super.trackLayer(layer);
  }

  /**
   * A tracked layer by name or by index in tracking order (seed `get_layer`).
   * For shared layers with equal names, the lowest index wins.
   * @throws LayerNotFoundError if neither or both of `name` and `index` are given, or nothing matches.
   */
  getLayer(selector: LayerSelector): Layer {
    const { name, index } = selector as { name?: string; index?: number };
    const layers = this.layers;
    if ((name === undefined) === (index === undefined)) {
      throw new LayerNotFoundError(
        `getLayer needs exactly one of {name} or {index}. Received: ${JSON.stringify(selector)}.`,
      );
    }
    if (index !== undefined) {
      if (!Number.isInteger(index) || index < 0 || index >= layers.length) {
        throw new LayerNotFoundError(`getLayer: index ${index} out of range [0, ${layers.length}) in network '${this.name}'.`);
      }
      return layers[index]!;
    }
    const found = layers.find((l) => l.name === name);
    if (!found) {
      throw new LayerNotFoundError(
        `No layer named '${name}' in network '${this.name}'. Layers: ${layers.map((l) => l.name).join(', ') || 'none'}.`,
      );
    }
    return found;
  }

  /** Subclasses override this (or use a {@link NetDictNetwork}). */
  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetworkError(`Network '${this.name}' has no call(): subclass Network and override call(inputs, ctx).`);
  }
}
