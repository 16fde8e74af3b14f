import { DuplicateNameError, NotALayerError } from './errors.js';
import { LayerLosses } from './layer-losses.js';
import { classNameOf, describeValue, NameScope, toSnakeCase } from './naming.js';
import { PartitionedVariable } from './partitioned-variable.js';
import { checkNoCycle, heldMembers } from './tracking.js';
import type { Variable } from './variable.js';

/**
 * A layer's names and members (the base of {@link Layer}; one concept per
 * file): its name and scope path, its sub-layers and own variables.
 *
 * Naming: a layer without an explicit name gets its class name in snake_case,
 * made unique within its parent when it is tracked (`dense`, `dense_1`; the
 * counters belong to the parent). Weights are named by their scope path plus
 * `:0` (`net/dense/kernel:0`).
 *
 * Tracking (Keras 3 / PyTorch): layers and variables held in the layer's
 * properties (class fields, `this.x = ...` at any time), also inside arrays
 * and plain objects, are owned by this layer: their weights, losses and
 * updates appear in this layer's lists. They are found (see `heldMembers`)
 * whenever the layer lists its sub-layers or weights, at each `apply` and
 * before each explicit `trackLayer`, in property order (the order of first
 * assignment), and tracked from then on: a held layer's default name is
 * final from then (`dense_1`), and a name clash is thrown there. {@link LayerTracking.trackLayer}
 * tracks one explicitly (the seed's way); {@link LayerTracking.untracked}
 * marks a value the layer refers to without owning it.
 */
export abstract class LayerTracking<L extends LayerTracking<L>> extends LayerLosses<L> {
  /** The layer that tracks this one, if any. */
  parent: L | null = null;

  private assignedName: string | undefined;
  private readonly explicitName: boolean;
  /** Variables created here (`addWeight`) or held in properties, in order. */
  protected readonly ownVariables: Variable[] = [];
  /** Tracked sub-layers, in tracking order. */
  protected readonly subLayers: L[] = [];
  private readonly scope = new NameScope();
  /** Values held as references (see {@link LayerTracking.untracked}). */
  private references: Set<unknown> | undefined;
  /** Index of the first own property a subclass added: the layer's constructor sets it (the earlier ones are the base classes' bookkeeping). */
  protected firstOwnKey = 0;

  /** False if this layer or any ancestor is frozen (what an adopted variable asks its owner). */
  abstract get effectiveTrainable(): boolean;

  constructor(name: string | undefined) {
    super();
    this.assignedName = name;
    this.explicitName = name !== undefined;
  }

  /** Default name base: the class name in snake_case (`Dense` → `dense`). */
  get baseName(): string {
    return toSnakeCase((this.constructor as { className?: string }).className ?? this.constructor.name);
  }

  /** The layer's name, unique within its parent. */
  get name(): string {
    return (this.assignedName ??= this.baseName);
  }

  /**
   * The scope path: parent path plus own name, e.g. `net/dense_1` (seed
   * `scope_name`). It prefixes the layer's variable names; it replaces the
   * seed's variable scopes (and its `scope` keyword of `__call__`).
   */
  get scopeName(): string {
    return this.parent ? `${this.parent.scopeName}/${this.name}` : this.name;
  }

  /** Layers tracked by this one, in tracking order (after tracking what the properties hold). */
  get layers(): L[] {
    this.trackHeld();
    return [...this.subLayers];
  }

  /**
   * Marks `value` as a reference this layer holds without owning it, and
   * returns it: `this.encoder = this.untracked(sharedEncoder)`. A layer (or a
   * variable, array or object) so marked is not tracked from this layer's
   * properties: no sub-layer, no weights listed here. Use it for links to
   * layers owned elsewhere (an enclosing layer, a sibling).
   */
  untracked<T>(value: T): T {
    (this.references ??= new Set()).add(value);
    return value;
  }

  /** The layers this one tracks or holds, without tracking anything (what a cycle check walks). */
  private reachableLayers(): L[] {
    return [...this.subLayers, ...heldMembers(this, this.firstOwnKey, this.references ?? NO_REFERENCES, isLayer).layers.map((h) => h.value as L)];
  }

  /**
   * Whether this layer took its final name without a parent (a `Network`
   * first called at top level): tracked later, it is shared, as one with
   * another parent is, and keeps its name and variable names. Default false.
   */
  protected namedAtTopLevel(): boolean {
    return false;
  }

  /**
   * Tracks the layers and variables this layer's properties hold that are not
   * tracked yet (Keras 3 / PyTorch attribute tracking; see `heldMembers`).
   * @throws DuplicateNameError, TrackingCycleError as {@link LayerTracking.trackLayer}.
   */
  protected trackHeld(): void {
    const { layers, variables } = heldMembers(this, this.firstOwnKey, this.references ?? NO_REFERENCES, isLayer);
    for (const { value, path } of layers) if (!this.subLayers.includes(value as L)) this.trackLayerHeldAt(value as L, path);
    for (const { value } of variables) this.trackVariable(value);
  }

  /**
   * Makes `layer` a sub-layer: names it uniquely within this layer and
   * includes its weights in this layer's lists. Returns `layer`. A layer held
   * in a property is tracked the same way when the layer next lists its
   * sub-layers or weights, or is applied.
   *
   * A layer already tracked by another parent is *shared* (seeds 000–002):
   * it keeps its first parent and its name, and its weights also appear here.
   *
   * @throws NotALayerError if `layer` is not a Layer (seed: TypeError).
   * @throws DuplicateNameError if `layer` has an explicit name already used here, naming both layers.
   * @throws TrackingCycleError if `layer` is this layer or contains it.
   */
  trackLayer<T extends L>(layer: T): T {
    // What the properties hold so far comes first: tracking order (and default names) follow assignment order.
    this.trackHeld();
    return this.trackLayerHeldAt(layer, undefined);
  }

  /** {@link LayerTracking.trackLayer}, its errors naming the property `heldAt` (`blocks[2]`) when the layer was found there. */
  private trackLayerHeldAt<T extends L>(layer: T, heldAt: string | undefined): T {
    if (!(layer instanceof LayerTracking)) {
      throw new NotALayerError(`trackLayer expects a Layer. Received: ${describeValue(layer)}. Wrap plain functions in a Layer subclass.`);
    }
    if (this.subLayers.includes(layer)) return layer;
    const held = heldAt === undefined ? '' : ` (held in its property ${heldAt})`;
    checkNoCycle(this, layer, (l) => (l as L).reachableLayers(), held);
    if (layer.parent || layer.namedAtTopLevel()) {
      this.subLayers.push(layer);
      return layer;
    }
    if (layer.explicitName) {
      if (this.scope.has(layer.name)) {
        const other = this.subLayers.find((l) => l.name === layer.name);
        throw new DuplicateNameError(
          `Cannot track layer '${layer.name}' (${classNameOf(layer)}) in '${this.scopeName}'${held}: ` +
            `the name is already used by ${other ? `'${other.scopeName}' (${classNameOf(other)})` : 'another layer'}. ` +
            `Give one of them another name, or omit the name to get a unique default.`,
        );
      }
      this.scope.reserve(layer.name);
    } else {
      layer.assignedName = this.scope.unique(layer.baseName);
    }
    layer.parent = this as unknown as L;
    this.subLayers.push(layer);
    return layer;
  }

  /**
   * Lists `variable` among this layer's own weights (what holding a
   * Variable in a property does; a partitioned one as its parts). A free
   * variable (no owner) is adopted: its name gets this layer's scope
   * (`net/w:0`); an owned one is shared and keeps its name.
   */
  trackVariable(variable: Variable): void {
    // A partitioned weight is listed as its parts (what addWeight lists).
    if (variable instanceof PartitionedVariable) return variable.parts.forEach((p) => this.trackVariable(p));
    if (this.ownVariables.includes(variable)) return;
    variable.adopt(this);
    this.ownVariables.push(variable);
  }
}

const isLayer = (v: unknown): boolean => v instanceof LayerTracking;
const NO_REFERENCES: ReadonlySet<unknown> = new Set();
