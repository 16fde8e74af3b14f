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

/**
 * Thrown by `input`, `output`, `inputShape`, ... and `getInputAt(i)`, ... when
 * the layer has never been called (seed: AttributeError "no inbound nodes").
 */
export class LayerNotConnectedError extends LayerError {
  override name = 'LayerNotConnectedError';
  constructor(layer: string, attribute: string) {
    super(`Layer '${layer}' has never been called, so it has no ${attribute}. Call it on an input first (layer.apply(x)).`);
  }
}

/**
 * Thrown by `input`, `output`, `inputMask`, `outputMask` (and `inputShape`/
 * `outputShape` when the calls' shapes differ) when the layer was called more
 * than once (seed: AttributeError "connected to more than one incoming layers").
 */
export class AmbiguousLayerNodeError extends LayerError {
  override name = 'AmbiguousLayerNodeError';
  constructor(layer: string, attribute: string, nodes: number, atMethod: string, detail = '') {
    super(
      `Layer '${layer}' has ${nodes} inbound nodes (it was called ${nodes} times)${detail}, so the notion of its "${attribute}" is ill-defined. ` +
        `Use ${atMethod}(nodeIndex) instead (nodeIndex 0 is the first call).`,
    );
  }
}

/** Thrown by `getInputAt(i)` and the other `...At` methods for a node index that does not exist or is no longer kept. */
export class NodeIndexError extends LayerError {
  override name = 'NodeIndexError';
}

/**
 * Thrown when a node's tensor is asked for after the node released it: a
 * layer keeps the tensors of its calls in the current pass only (shapes and
 * dtypes of every kept node remain).
 */
export class TensorReleasedError extends LayerError {
  override name = 'TensorReleasedError';
}

/** Thrown by `apply` when the layer's `call` returned `undefined` or `null` (seed: ValueError "call method returns None"). */
export class CallReturnedNothingError extends LayerError {
  override name = 'CallReturnedNothingError';
  constructor(layer: string, className: string, received: null | undefined) {
    super(
      `The call() method of layer '${layer}' (${className}) returned ${received}, an invalid value. ` +
        `call() must return the output tensor (or a list of tensors); check that every branch of call() ends in a return.`,
    );
  }
}

/**
 * Thrown when a mask reaches a layer that does not support masking
 * (`supportsMasking` false; seed/Keras: TypeError "does not support masking, but was passed an input_mask").
 */
export class MaskNotSupportedError extends LayerError {
  override name = 'MaskNotSupportedError';
}

/**
 * Thrown by `addWeight` for `synchronization: 'onRead'` with `trainable: true`
 * (seed: ValueError "trainable has been set to True with synchronization set as ON_READ").
 */
export class VariableSynchronizationError extends LayerArgumentError {
  override name = 'VariableSynchronizationError';
}

/** Thrown when tracking a layer would make a layer contain itself (seed: an endless weight list). The message names both layers and the fix. */
export class TrackingCycleError extends LayerError {
  override name = 'TrackingCycleError';
}

/** Thrown by `trackLayer` for a value that is not a Layer (seed `track_layer`: TypeError). */
export class NotALayerError extends LayerError {
  override name = 'NotALayerError';
}
