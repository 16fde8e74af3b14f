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

/** Options of {@link NetworkConstructionDependencyLoopError}. */
export interface NetworkConstructionDependencyLoopErrorOptions {
  /** The layer that closed the loop (it depends on itself). */
  layerName: string;
  /** The chain of layers being constructed when the loop closed, outermost first. */
  constructionStack: string[];
  /** The network whose net dict has the loop. Default `'network'`. */
  networkName?: string;
}

/**
 * The net dict has a dependency cycle (seed 003
 * `NetworkConstructionDependencyLoopException(network, layer_name, constructing_layers, net_dict)`).
 * `constructionStack` is the chain of layers being constructed when the loop
 * closed; `layerName` the layer that closed it; `networkName` the network.
 */
export class NetworkConstructionDependencyLoopError extends NetworkError {
  override name = 'NetworkConstructionDependencyLoopError';
  /** The layer that closed the loop. */
  readonly layerName: string;
  /** The chain of layers being constructed when the loop closed. */
  readonly constructionStack: string[];
  /** The network. */
  readonly networkName: string;
  constructor(options: NetworkConstructionDependencyLoopErrorOptions) {
    const { layerName, constructionStack, networkName = 'network' } = options;
    super(
      `Dependency loop in the net dict of network '${networkName}': ${[...constructionStack, layerName].join(' -> ')}. ` +
        `Layer '${layerName}' depends (through "from" or "target") on itself. Break the cycle; ` +
        `recurrence over time belongs in a "rec" layer.`,
    );
    this.layerName = layerName;
    this.constructionStack = constructionStack;
    this.networkName = networkName;
  }
}

/** Options of {@link CannotHandleUndefinedSourcesError}. */
export interface CannotHandleUndefinedSourcesErrorOptions {
  /** The net-dict entry's name. */
  layerName: string;
  /** The entry as written (its `class` is named in the message). */
  layerDesc: Readonly<Record<string, unknown>>;
  /** A sentence appended to the message (seed `extended_info_str`). Default: none. */
  extendedInfo?: string;
}

/**
 * A layer that needs sources was given none (seed 003
 * `CannotHandleUndefinedSourcesException(layer_name, layer_desc, extended_info_str)`):
 * e.g. `"from": []` on a linear layer. `layerDesc` is the entry as written.
 */
export class CannotHandleUndefinedSourcesError extends NetworkError {
  override name = 'CannotHandleUndefinedSourcesError';
  readonly layerClass: string;
  /** The net-dict entry's name. */
  readonly layerName: string;
  /** The entry as written. */
  readonly layerDesc: Readonly<Record<string, unknown>>;
  /** The sentence appended to the message, if any. */
  readonly extendedInfo: string | undefined;
  constructor(options: CannotHandleUndefinedSourcesErrorOptions) {
    const { layerName, layerDesc, extendedInfo } = options;
    const cls = String(layerDesc.class);
    super(
      `Layer '${layerName}' (class '${cls}') has no sources and cannot handle that. Entry: ${JSON.stringify(layerDesc)}. ` +
        `Give it "from": "data" (the default input), a layer name, or a list of layer names.${extendedInfo ? ` ${extendedInfo}` : ''}`,
    );
    this.layerClass = cls;
    this.layerName = layerName;
    this.layerDesc = layerDesc;
    this.extendedInfo = extendedInfo;
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

/** Options of {@link ParamNotFoundError}. */
export interface ParamNotFoundErrorOptions {
  /** The layer the parameter was looked for in. */
  layerName: string;
  /** The parameter name asked for. */
  paramName: string;
  /** The layer's parameter names, listed in the message. */
  known: readonly string[];
}

/**
 * `setParamValuesByDict` names a parameter that the layer does not have
 * (seed 003 `set_param_values_by_dict`'s exception); the message lists the layer's parameters.
 */
export class ParamNotFoundError extends NetworkError {
  override name = 'ParamNotFoundError';
  /** The layer the parameter was looked for in. */
  readonly layerName: string;
  /** The parameter name asked for. */
  readonly paramName: string;
  /** The layer's parameter names. */
  readonly known: readonly string[];
  constructor(options: ParamNotFoundErrorOptions) {
    const { layerName, paramName, known } = options;
    super(
      `Layer '${layerName}' has no parameter '${paramName}'. Its parameters: ${known.join(', ') || 'none'}. ` +
        `Rename the entry, or pass { ignoreNonExisting: true } to skip it.`,
    );
    this.layerName = layerName;
    this.paramName = paramName;
    this.known = known;
  }
}

/** Options of {@link ParamShapeMismatchError}. */
export interface ParamShapeMismatchErrorOptions {
  /** The layer of the parameter. */
  layerName: string;
  /** The parameter's name in the layer. */
  paramName: string;
  /** The variable's shape. */
  expected: readonly number[];
  /** The value's shape, or its number of elements for a flat value. */
  received: readonly number[] | number;
}

/** A parameter value has another shape than the variable (seed 003 `set_param_values_by_dict`'s assert). */
export class ParamShapeMismatchError extends NetworkError {
  override name = 'ParamShapeMismatchError';
  /** The layer of the parameter. */
  readonly layerName: string;
  /** The parameter's name in the layer. */
  readonly paramName: string;
  /** The variable's shape. */
  readonly expected: readonly number[];
  /** The value's shape, or its number of elements. */
  readonly received: readonly number[] | number;
  constructor(options: ParamShapeMismatchErrorOptions) {
    const { layerName, paramName, expected, received } = options;
    super(
      `Parameter '${layerName}/${paramName}' has shape [${expected.join(', ')}], but the value has ` +
        `${typeof received === 'number' ? `${received} elements` : `shape [${received.join(', ')}]`}. Give a value of that shape.`,
    );
    this.layerName = layerName;
    this.paramName = paramName;
    this.expected = expected;
    this.received = received;
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

/** Options of {@link LayerExecutionError}. */
export interface LayerExecutionErrorOptions {
  /** The layer, with the rec-unit prefix (`dec/s`). */
  layerName: string;
  /** The layer's net-dict class (`linear`, `rec`, ...). */
  layerClass: string;
  /** Each input's source name and summary. */
  inputs: readonly { source: string; summary: TensorSummary }[];
  /** The error the layer threw (becomes `cause`). */
  cause: unknown;
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
  readonly layerName: string;
  readonly layerClass: string;
  readonly inputs: readonly { source: string; summary: TensorSummary }[];
  override readonly cause: unknown;
  constructor(options: LayerExecutionErrorOptions) {
    const { layerName, layerClass, inputs, cause } = options;
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      `Layer '${layerName}' (class '${layerClass}') failed: ${why}\n  inputs: ` +
        (inputs.map((i) => `${i.source} [${i.summary.shape.join(', ')}] ${i.summary.dtype}`).join('; ') || 'none') +
        `\n  Call network.describeStepFailure(error, batch) for the layer's entry and the batch.`,
    );
    this.layerName = layerName;
    this.layerClass = layerClass;
    this.inputs = inputs;
    this.cause = cause;
  }
}
