import { formatShape, type Shape } from '@strata/backend';

/** Base class of the Layer API's errors (the seed's ValueError/TypeError/RuntimeError cases). */
export class LayerError extends Error {
  override name = 'LayerError';
}

/**
 * Thrown by `countParams()` (and other methods needing weights) before the layer is built.
 * Seed 004: "You tried to call `count_params` on NAME, but the layer isn't built."
 */
export class LayerNotBuiltError extends LayerError {
  override name = 'LayerNotBuiltError';
  constructor(layer: string, method: string) {
    super(
      `You tried to call \`${method}\` on layer '${layer}', but the layer isn't built. ` +
        `Build it first: call it on an input (layer.apply(x)) or call layer.build(inputShape).`,
    );
  }
}

/** Thrown when an explicitly given name is already taken in the same parent. The message names both owners. */
export class DuplicateNameError extends LayerError {
  override name = 'DuplicateNameError';
}

/** Thrown by `setWeights` and checkpoint loading when counts, shapes or dtypes do not match. */
export class WeightMismatchError extends LayerError {
  override name = 'WeightMismatchError';
}

/** Thrown when an input's shape does not fit what the layer was built for or expects. */
export class InputShapeError extends LayerError {
  override name = 'InputShapeError';
  constructor(layer: string, expected: string, received: Shape | readonly (number | null)[]) {
    super(`Layer '${layer}': ${expected}. Received: input shape ${formatShape(received as Shape)}.`);
  }
}

/** Thrown for an invalid layer argument, in Keras' form: what was expected, and what was received. */
export class LayerArgumentError extends LayerError {
  override name = 'LayerArgumentError';
}
