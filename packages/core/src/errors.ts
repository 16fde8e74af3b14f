import { formatShape, type Shape } from '@strata/backend';

/** Base class of the Layer API's errors (the seed's ValueError/TypeError/RuntimeError cases). */
export class LayerError extends Error {
  override name = 'LayerError';
}

/** Options of {@link LayerNotBuiltError}. */
export interface LayerNotBuiltErrorOptions {
  /** The layer's name. */
  layer: string;
  /** The method that needs weights, as the user wrote it (`countParams`, `getWeights`). */
  method: string;
}

/**
 * Thrown by `countParams()` (and other methods needing weights) before the layer is built.
 * Seed 004: "You tried to call `count_params` on NAME, but the layer isn't built."
 */
export class LayerNotBuiltError extends LayerError {
  override name = 'LayerNotBuiltError';
  constructor(options: LayerNotBuiltErrorOptions) {
    const { layer, method } = options;
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

/** Options of {@link InputShapeError}. */
export interface InputShapeErrorOptions {
  /** The layer's name. */
  layer: string;
  /** What the layer expects, as a phrase: `expected x of rank 3 [batch, time, features]`. */
  expected: string;
  /** The shape received (`null` for an unknown size). */
  received: Shape | readonly (number | null)[];
}

/** Thrown when an input's shape does not fit what the layer was built for or expects. */
export class InputShapeError extends LayerError {
  override name = 'InputShapeError';
  constructor(options: InputShapeErrorOptions) {
    const { layer, expected, received } = options;
    super(`Layer '${layer}': ${expected}. Received: input shape ${formatShape(received as Shape)}.`);
  }
}

/** Thrown for an invalid layer argument, in Keras' form: what was expected, and what was received. */
export class LayerArgumentError extends LayerError {
  override name = 'LayerArgumentError';
}

/** Options of {@link LayerNotConnectedError}. */
export interface LayerNotConnectedErrorOptions {
  /** The layer's name. */
  layer: string;
  /** What was asked for, as a noun phrase: `input`, `output mask`, `input shape`. */
  attribute: string;
}

/**
 * Thrown by `input`, `output`, `inputShape`, ... and `getInputAt(i)`, ... when
 * the layer has never been called (seed: AttributeError "no inbound nodes").
 */
export class LayerNotConnectedError extends LayerError {
  override name = 'LayerNotConnectedError';
  constructor(options: LayerNotConnectedErrorOptions) {
    const { layer, attribute } = options;
    super(`Layer '${layer}' has never been called, so it has no ${attribute}. Call it on an input first (layer.apply(x)).`);
  }
}

/** Options of {@link AmbiguousLayerNodeError}. */
export interface AmbiguousLayerNodeErrorOptions {
  /** The layer's name. */
  layer: string;
  /** The attribute asked for (`input`, `output shape`, ...). */
  attribute: string;
  /** How many inbound nodes (calls) the layer has. */
  nodes: number;
  /** The per-node method to use instead, e.g. `getInputAt`. */
  atMethod: string;
  /** Appended after the call count, e.g. ` with different input shapes ([2, 3], [4, 3])`. Default `''`. */
  detail?: string;
}

/**
 * Thrown by `input`, `output`, `inputMask`, `outputMask` (and `inputShape`/
 * `outputShape` when the calls' shapes differ) when the layer was called more
 * than once (seed: AttributeError "connected to more than one incoming layers").
 */
export class AmbiguousLayerNodeError extends LayerError {
  override name = 'AmbiguousLayerNodeError';
  constructor(options: AmbiguousLayerNodeErrorOptions) {
    const { layer, attribute, nodes, atMethod, detail = '' } = options;
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

/** Options of {@link CallReturnedNothingError}. */
export interface CallReturnedNothingErrorOptions {
  /** The layer's name. */
  layer: string;
  /** The layer's class name (its static `className`). */
  className: string;
  /** What `call` returned. */
  received: null | undefined;
}

/** Thrown by `apply` when the layer's `call` returned `undefined` or `null` (seed: ValueError "call method returns None"). */
export class CallReturnedNothingError extends LayerError {
  override name = 'CallReturnedNothingError';
  constructor(options: CallReturnedNothingErrorOptions) {
    const { layer, className, received } = options;
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

  /** The error for layer `layer` (class `className`) given `masks`: their shapes and the two fixes. */
  static forLayer(layer: string, className: string, masks: readonly ({ readonly shape: readonly number[] } | null)[]): MaskNotSupportedError {
    return new MaskNotSupportedError(
      `Layer '${layer}' (${className}) does not support masking, but was passed an input mask ` +
        `(shapes ${masks.map((m) => (m ? `[${m.shape.join(', ')}]` : 'none')).join(', ')}). Remove the mask (pass { mask: null }), or use a layer with supportsMasking.`,
    );
  }
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

/**
 * Misuse of a functional graph's symbolic tensors (`input(...)`, Keras'
 * KerasTensor): a bad input shape, a list mixing symbolic and real tensors,
 * or a graph that does not connect its outputs to its inputs (Keras:
 * "Graph disconnected"). The message names the tensor or layer and the fix.
 */
export class SymbolicTensorError extends LayerError {
  override name = 'SymbolicTensorError';
}
