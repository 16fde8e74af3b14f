import type { Tensor } from '@strata/backend';
import { type CallContext, describeValue, Layer, type LayerArgs, type SymbolicShape, toSnakeCase } from '@strata/core';
import { LayerNotFoundError, NetworkError } from './errors.js';
import { InvalidNetworkNameError, LayerSelectorError, NetworkNameNotFinalError, NetworkNotInitializedError } from './network-errors.js';
import type { TopLevelScope } from './top-level-scope.js';

/** Selects a layer by its name or by its tracking index (exactly one of both). */
export type LayerSelector = { name: string; index?: undefined } | { index: number; name?: undefined };

/** Arguments of {@link Network} (seeds 000–002 `__init__(name=None)`), plus the Layer's. */
export interface NetworkArgs extends LayerArgs {
  /**
   * Unique where the network is first tracked (among that parent's layers)
   * or first called/built at top level (among the networks of `topLevel`).
   * Default: the class name in snake_case (`MyNetwork` → `my_network`), made
   * unique there (`my_network_1`).
   * @throws InvalidNetworkNameError if empty or containing `/`.
   */
  name?: string;
  /**
   * The context in which this network gets a unique name if it is first
   * called/built at top level (see {@link TopLevelScope}). Default: none, the
   * network is alone and keeps its name (or class name) as is.
   */
  topLevel?: TopLevelScope;
}

/**
 * A composition of layers (seeds 000–002: `tfe.Network`), itself a
 * {@link Layer}. Subclass it, give it sub-layers and override `call`:
 *
 * ```ts
 * class TwoLayerNetwork extends Network {
 *   layerOne = new Linear({ units: 16 });                  // tracked on assignment (tf.keras.Model's way)
 *   layerTwo = this.trackLayer(new Linear({ units: 1 }));  // or explicitly (the seed's way); both work
 *   override call(x: Tensor, ctx: CallContext) { return this.layerTwo.apply(this.layerOne.apply(x, ctx), ctx); }
 * }
 * const net = new TwoLayerNetwork({ name: 'net' });
 * net.apply(ops.ones([1, 8]));
 * net.variables.map((v) => v.name);
 * // ['net/dense/kernel:0', 'net/dense/bias:0', 'net/dense_1/kernel:0', 'net/dense_1/bias:0']
 * ```
 *
 * Tracking: as in every {@link Layer}, layers and variables assigned to
 * properties (also in arrays and plain objects) are tracked in assignment
 * order, like `tf.keras.Model`; `trackLayer` does the same explicitly; a
 * layer is tracked once however it arrives.
 *
 * Naming (the seed's rules, with per-parent counters): a sub-layer is named
 * uniquely within the network that first tracks it; a network first
 * called/built without a parent is *top-level* and, with a
 * {@link TopLevelScope}, named uniquely among that scope's networks. A layer
 * or network tracked after that is *shared*: it keeps its first owner's name
 * (`first/dense/kernel:0`) and its weights also appear here.
 *
 * The default name uses the class's own static `className` if it sets one,
 * else the constructor's name: set `className` in subclasses whose code is
 * minified, or their default names change.
 *
 * A network built from a RETURNN net dict is a {@link NetDictNetwork}.
 */
export class Network extends Layer {
  static override readonly className: string = 'Network';

  private readonly networkInitialized: boolean;
  private readonly explicitNetworkName: string | undefined;
  private readonly topLevel: TopLevelScope | undefined;
  /** True once called/built without a parent: later tracking shares it. */
  private calledAtTopLevel = false;
  private topLevelName: string | undefined;

  constructor(args: NetworkArgs = {}) {
    if (args.name !== undefined) checkNetworkName(args.name);
    super(args);
    this.networkInitialized = true;
    this.explicitNetworkName = args.name;
    this.topLevel = args.topLevel;
  }

  /** Default name base: the class name in snake_case (`MyNetwork` → `my_network`). */
  override get baseName(): string {
    const ctor = this.constructor as typeof Network;
    return toSnakeCase(Object.hasOwn(ctor, 'className') ? ctor.className : ctor.name);
  }

  /**
   * The network's name (seed `name`).
   * @throws NetworkNameNotFinalError for an anonymous network of a {@link TopLevelScope} not yet tracked nor called.
   */
  override get name(): string {
    if (this.topLevelName !== undefined) return this.topLevelName;
    if (this.topLevel && this.explicitNetworkName === undefined && !this.parent) {
      throw new NetworkNameNotFinalError(
        `This ${this.constructor.name} has no final name yet: it gets one when first tracked by another Network ` +
          `or first called/built at top level (then '${this.baseName}' or '${this.baseName}_<n>' in its TopLevelScope). ` +
          `Call it, or pass a name.`,
      );
    }
    return super.name;
  }

  /**
   * Tracks a layer so that its variables are listed by this network (seed
   * `track_layer`), and returns it. Layers assigned to properties are tracked
   * without it. Tracking a layer twice is a no-op; a layer (or a network
   * called at top level) first owned elsewhere is shared: it keeps its name.
   *
   * @throws NetworkNotInitializedError if the Network constructor never ran on `this` (seed: RuntimeError).
   * @throws NotALayerError (from @strata/core) if `layer` is not a Layer (seed: TypeError).
   * @throws DuplicateNameError (from @strata/core) if a layer with the same explicit name was already added (seed: ValueError).
   * @throws TrackingCycleError (from @strata/core) if `layer` is this network or contains it.
   */
  override trackLayer<L extends Layer>(layer: L): L {
    if (this.networkInitialized !== true) {
      throw new NetworkNotInitializedError(
        `trackLayer was called on an object whose Network constructor never ran (${describeValue(this)}). ` +
          `Create networks with \`new\` (a subclass constructor calls super(args) first).`,
      );
    }
    return super.trackLayer(layer);
  }

  /** A network first called at top level keeps its name when tracked later: it is shared, parentless (see {@link Layer.trackLayer}). */
  protected override namedAtTopLevel(): boolean {
    return this.calledAtTopLevel;
  }

  /**
   * A tracked layer by name or by index in tracking order (seed `get_layer`).
   * Names can repeat when layers are shared; the lowest index wins.
   * @throws LayerSelectorError if neither or both of `name` and `index` are given, or `index` is not an integer.
   * @throws LayerNotFoundError if no layer has the name (the message lists the names) or `index` is outside `[0, layers.length)`.
   */
  getLayer(selector: LayerSelector): Layer {
    const { name, index } = (selector ?? {}) as { name?: unknown; index?: unknown };
    if ((name === undefined) === (index === undefined)) {
      throw new LayerSelectorError(`getLayer needs exactly one of {name} or {index}. Received: ${JSON.stringify(selector)}.`);
    }
    const layers = this.layers;
    if (index !== undefined) {
      if (typeof index !== 'number' || !Number.isInteger(index)) {
        throw new LayerSelectorError(`getLayer: index must be an integer. Received: index=${JSON.stringify(index)}.`);
      }
      if (index < 0 || index >= layers.length) {
        throw new LayerNotFoundError(
          `getLayer: index ${index} is out of range [0, ${layers.length}) in network '${this.label()}' (it has ${layers.length} layers).`,
        );
      }
      return layers[index]!;
    }
    if (typeof name !== 'string' || name === '') {
      throw new LayerSelectorError(`getLayer: name must be a non-empty string. Received: name=${JSON.stringify(name)}.`);
    }
    const found = layers.find((l) => l.name === name);
    if (!found) {
      throw new LayerNotFoundError(
        `No layer named '${name}' in network '${this.label()}'. Layers: ${layers.map((l) => l.name).join(', ') || 'none'}.`,
      );
    }
    return found;
  }

  /**
   * What every call goes through ({@link Layer.apply} and `applyWithLogits`,
   * seed `__call__`): a first call without a parent makes the network
   * top-level (named in its {@link TopLevelScope}). Arguments as {@link Layer.applyWithLogits}.
   */
  override applyWithLogits(...args: Parameters<Layer['applyWithLogits']>): ReturnType<Layer['applyWithLogits']> {
    this.finalizeTopLevel();
    return super.applyWithLogits(...args);
  }

  /** Marks the network built (seed `build`); as the first call, a first build without a parent makes it top-level. */
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.finalizeTopLevel();
    super.build(inputShape);
  }

  /** Subclasses override this (or use a {@link NetDictNetwork}). */
  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetworkError(`Network '${this.label()}' has no call(): subclass Network and override call(inputs, ctx).`);
  }

  private finalizeTopLevel(): void {
    if (this.parent || this.calledAtTopLevel) return;
    if (this.topLevel) this.topLevelName = this.topLevel.claim(this, this.explicitNetworkName, this.baseName);
    this.calledAtTopLevel = true;
  }

  /** The name for messages, also while it is not final. */
  private label(): string {
    try {
      return this.name;
    } catch {
      return `<unnamed ${this.baseName}>`;
    }
  }
}

/** @throws InvalidNetworkNameError for a name that cannot be a scope-path segment. */
function checkNetworkName(name: unknown): void {
  if (typeof name !== 'string' || name === '' || name.includes('/')) {
    throw new InvalidNetworkNameError(
      `Invalid Network name ${JSON.stringify(name)}: a name is one non-empty segment of a variable path ` +
        `('net' in 'net/dense/kernel:0'), so it cannot be empty or contain '/'. ` +
        `Nest networks by tracking one in another instead of writing the path into a name.`,
    );
  }
}
