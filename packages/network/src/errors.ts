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
 * `NetworkConstructionDependencyLoopException`). `constructionStack` is the
 * chain of layers being constructed when the loop closed, ending with the
 * layer that closed it.
 */
export class NetworkConstructionDependencyLoopError extends NetworkError {
  override name = 'NetworkConstructionDependencyLoopError';
  constructor(readonly layerName: string, readonly constructionStack: string[]) {
    super(
      `Dependency loop in the net dict: ${[...constructionStack, layerName].join(' -> ')}. ` +
        `Layer '${layerName}' depends (through "from" or "target") on itself. Break the cycle; ` +
        `recurrence over time belongs in a "rec" layer.`,
    );
  }
}

/**
 * A layer that needs sources was given none (seed 003
 * `CannotHandleUndefinedSourcesException`): e.g. `"from": []` on a linear layer.
 */
export class CannotHandleUndefinedSourcesError extends NetworkError {
  override name = 'CannotHandleUndefinedSourcesError';
  constructor(readonly layerName: string, readonly layerClass: string) {
    super(
      `Layer '${layerName}' (class '${layerClass}') has no sources and cannot handle that. ` +
        `Give it "from": "data" (the default input), a layer name, or a list of layer names.`,
    );
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
export class NotALayerError extends NetworkError {
  override name = 'NotALayerError';
}
