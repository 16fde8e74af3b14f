/** Base class of network construction errors (seed 003's exceptions). */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/**
 * A layer, extern-data key or net-dict entry was asked for and does not exist
 * (seed 003 `LayerNotFound`; seeds 000–002 `get_layer`'s ValueError).
 * The message lists what exists.
 */
export class LayerNotFoundError extends NetworkError {
  override name = 'LayerNotFoundError';
}

/**
 * The net dict has a dependency cycle (seed 003
 * `NetworkConstructionDependencyLoopException(network, layer_name, constructing_layers, net_dict)`).
 * `constructionStack` is the chain of layers being constructed when the loop
 * closed; `layerName` the layer that closed it; `networkName` the network.
 */
export class NetworkConstructionDependencyLoopError extends NetworkError {
  override name = 'NetworkConstructionDependencyLoopError';
  constructor(readonly layerName: string, readonly constructionStack: string[], readonly networkName = 'network') {
    super(
      `Dependency loop in the net dict of network '${networkName}': ${[...constructionStack, layerName].join(' -> ')}. ` +
        `Layer '${layerName}' depends (through "from" or "target") on itself. Break the cycle; ` +
        `recurrence over time belongs in a "rec" layer.`,
    );
  }
}

/**
 * A layer that needs sources was given none (seed 003
 * `CannotHandleUndefinedSourcesException(layer_name, layer_desc, extended_info_str)`):
 * e.g. `"from": []` on a linear layer. `layerDesc` is the entry as written.
 */
export class CannotHandleUndefinedSourcesError extends NetworkError {
  override name = 'CannotHandleUndefinedSourcesError';
  readonly layerClass: string;
  constructor(readonly layerName: string, readonly layerDesc: Readonly<Record<string, unknown>>, readonly extendedInfo?: string) {
    const cls = String(layerDesc.class);
    super(
      `Layer '${layerName}' (class '${cls}') has no sources and cannot handle that. Entry: ${JSON.stringify(layerDesc)}. ` +
        `Give it "from": "data" (the default input), a layer name, or a list of layer names.${extendedInfo ? ` ${extendedInfo}` : ''}`,
    );
    this.layerClass = cls;
  }
}

/** A net-dict entry names a `class` that is not registered; the message lists the known classes. */
export class UnknownLayerClassError extends NetworkError {
  override name = 'UnknownLayerClassError';
}

/** A net-dict entry or extern_data entry is malformed (wrong type, missing field, bad value). */
export class NetDictError extends NetworkError {
  override name = 'NetDictError';
}

/** `trackLayer` got something that is not a Layer (seeds 000–002: TypeError). */
/** Thrown by `trackLayer` for a value that is not a Layer; defined in @strata/core (every Layer tracks). */
export { NotALayerError } from '@strata/core';

/**
 * A network method got an argument it cannot use (seed 003's asserts and
 * ValueErrors: a negative train step, an unknown `construct_from` type, a
 * layer added twice, `cond_on_train` with a dynamic train flag and no context).
 */
export class NetworkArgumentError extends NetworkError {
  override name = 'NetworkArgumentError';
}

/**
 * `setParamValuesByDict` names a parameter that the layer does not have
 * (seed 003 `set_param_values_by_dict`'s exception); the message lists the layer's parameters.
 */
export class ParamNotFoundError extends NetworkError {
  override name = 'ParamNotFoundError';
  constructor(readonly layerName: string, readonly paramName: string, readonly known: readonly string[]) {
    super(
      `Layer '${layerName}' has no parameter '${paramName}'. Its parameters: ${known.join(', ') || 'none'}. ` +
        `Rename the entry, or pass { ignoreNonExisting: true } to skip it.`,
    );
  }
}

/** A parameter value has another shape than the variable (seed 003 `set_param_values_by_dict`'s assert). */
export class ParamShapeMismatchError extends NetworkError {
  override name = 'ParamShapeMismatchError';
  constructor(readonly layerName: string, readonly paramName: string, readonly expected: readonly number[], readonly received: readonly number[] | number) {
    super(
      `Parameter '${layerName}/${paramName}' has shape [${expected.join(', ')}], but the value has ` +
        `${typeof received === 'number' ? `${received} elements` : `shape [${received.join(', ')}]`}. Give a value of that shape.`,
    );
  }
}

/** `getRecStepInfo({ mustExist: true })` outside a running rec unit (seed 003 `get_rec_step_info`'s exception). */
export class RecStepInfoNotAvailableError extends NetworkError {
  override name = 'RecStepInfoNotAvailableError';
}

/** `getCurrentNetwork({ mustExist: true })` while no network is being constructed (seed 003 `get_current_network`'s assert). */
export class NoCurrentNetworkError extends NetworkError {
  override name = 'NoCurrentNetworkError';
}

/** `getTotalLoss`/`getObjective`/`getTotalConstraints` before the losses of a batch were computed. */
export class LossesNotComputedError extends NetworkError {
  override name = 'LossesNotComputedError';
}

/** Summary of one tensor for a diagnostic: shape, dtype and value statistics (`null` if not readable, e.g. while tracing). */
export interface TensorSummary {
  shape: number[];
  dtype: string;
  min: number | null;
  max: number | null;
  mean: number | null;
}

/** Where a forward pass failed: the layer and its inputs' summaries (see {@link layerFailureOf}). */
export interface LayerFailure {
  readonly layerName: string;
  readonly layerClass: string;
  readonly inputs: readonly { source: string; summary: TensorSummary }[];
}

const LAYER_FAILURE = Symbol.for('strata.layerFailure');

/**
 * Records on a typed error (a `ShapeError`, `BackendCapabilityError`, ...)
 * which layer raised it, without changing its class, so callers still catch
 * it by type and `describeStepFailure` still finds the layer.
 */
export function attachLayerFailure(error: object, failure: LayerFailure): void {
  if (!(LAYER_FAILURE in error)) Object.defineProperty(error, LAYER_FAILURE, { value: failure, enumerable: false });
}

/** The layer a forward-pass error came from: a {@link LayerExecutionError}'s, or one attached to a typed error. */
export function layerFailureOf(error: unknown): LayerFailure | undefined {
  if (error instanceof LayerExecutionError) return error;
  if (error !== null && typeof error === 'object' && LAYER_FAILURE in error) return (error as Record<symbol, LayerFailure>)[LAYER_FAILURE];
  return undefined;
}

/**
 * An untyped error (a plain `Error`, `TypeError`, `RangeError`, ...) thrown
 * by a layer during the forward pass (the error is `cause`), wrapped with the
 * layer (`layerName`, with the rec-unit prefix, e.g. `dec/s`) and summaries of
 * its inputs, so that `describeStepFailure` (seed 003 `help_on_tf_exception`)
 * can report them after the step's tensors are gone. Typed errors keep their
 * class (see {@link attachLayerFailure}).
 */
export class LayerExecutionError extends NetworkError implements LayerFailure {
  override name = 'LayerExecutionError';
  constructor(
    readonly layerName: string,
    readonly layerClass: string,
    readonly inputs: readonly { source: string; summary: TensorSummary }[],
    override readonly cause: unknown,
  ) {
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      `Layer '${layerName}' (class '${layerClass}') failed: ${why}\n  inputs: ` +
        (inputs.map((i) => `${i.source} [${i.summary.shape.join(', ')}] ${i.summary.dtype}`).join('; ') || 'none') +
        `\n  Call network.describeStepFailure(error, batch) for the layer's entry and the batch.`,
    );
  }
}
