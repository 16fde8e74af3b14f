import { NetworkError } from './errors.js';

/**
 * `trackLayer` was called on an object whose Network constructor never ran
 * (seeds 000–002 `track_layer`: RuntimeError "If __init__ has not been
 * called"). In TypeScript `this` is unusable before `super()`, so this is
 * only reachable by borrowing the method, e.g.
 * `Network.prototype.trackLayer.call(Object.create(Network.prototype), layer)`.
 */
export class NetworkNotInitializedError extends NetworkError {
  override name = 'NetworkNotInitializedError';
}

/**
 * `getLayer` was given neither or both of `name` and `index`, or an index
 * that is not an integer (seeds 000–002 `get_layer`: ValueError "If neither
 * or both of 'index' or 'name' is specified"). A lookup that finds nothing is
 * a `LayerNotFoundError` instead.
 */
export class LayerSelectorError extends NetworkError {
  override name = 'LayerSelectorError';
}

/**
 * A Network name that cannot be a scope-path segment (seeds 000–002
 * `__init__(name)`: ValueError "If `name` is not valid"): not a string,
 * empty, or with a `/` (it separates path segments, `net/dense/kernel:0`).
 */
export class InvalidNetworkNameError extends NetworkError {
  override name = 'InvalidNetworkNameError';
}

/**
 * The name of an anonymous Network in a `TopLevelScope` was read before it
 * was final: it gets its name when first tracked by another Network or first
 * called/built at top level (the seed's rule; TF raises a ValueError here too).
 */
export class NetworkNameNotFinalError extends NetworkError {
  override name = 'NetworkNameNotFinalError';
}

/** Thrown when tracking would make a layer contain itself; defined in @strata/core (every Layer tracks). */
export { TrackingCycleError } from '@strata/core';
