import { TrackingCycleError } from './errors.js';
import { describeValue } from './naming.js';
import { Variable } from './variable.js';

/**
 * What auto-tracking needs of a layer: a way to make something a sub-layer,
 * a way to list a variable, and what counts as a layer (passed in, so that
 * this module does not import layer.ts).
 */
export interface Tracker {
  /** Makes `layer` a sub-layer (named, its weights listed). */
  trackLayer(layer: object): unknown;
  /** Lists `variable` among the layer's own weights (adopting it if it has no owner). */
  trackVariable(variable: Variable): void;
}

/** Properties that hold a layer without owning it: `parent` points up the tree. */
const NOT_TRACKED: ReadonlySet<PropertyKey> = new Set(['parent']);

/** Containers already wrapped by a tracking view, so that one is never wrapped twice. */
const views = new WeakSet<object>();

/** A value wrapped by {@link untracked}. */
class Untracked {
  constructor(readonly value: unknown) {}
}

/**
 * Marks a value assigned to a layer property as a reference, not a member:
 * `this.encoder = untracked(sharedEncoder)` stores `sharedEncoder` as it is,
 * without tracking it (no sub-layer, no weights listed, no tracking view).
 * Use it for links to layers owned elsewhere (a parent, a sibling). Only
 * meaningful as the right-hand side of an assignment to a layer property.
 */
export function untracked<T>(value: T): T {
  return new Untracked(value) as unknown as T;
}

/**
 * Wraps a layer so that what is assigned to its properties is tracked, the
 * way Keras 3 tracks attribute assignment in every `Layer` (and PyTorch in
 * every `Module`):
 *
 * * a layer assigned to a property (a class field, `this.x = ...` in the
 *   constructor or later) becomes a sub-layer, in assignment order;
 * * a {@link Variable} assigned to a property is listed in the layer's
 *   weights (a free variable is adopted: named under the layer's scope);
 * * arrays and plain objects are searched (nested ones too) and the property
 *   holds a tracking view of them, so layers and variables put into them later
 *   (`push`, index or key assignment) are tracked as well (like Keras'
 *   `TrackedList`/`TrackedDict`; the view is not `===` the value assigned, and
 *   nested containers are replaced by their views). A non-empty container of
 *   primitives only (a shape, an options object) is stored as it is;
 * * a value wrapped with {@link untracked}, and the `parent` property, are stored as they are.
 *
 * One trap is enough: an assignment (`this.x = v`) to an ordinary object ends
 * in `[[DefineOwnProperty]]` on the receiver, the proxy, exactly like a class
 * field initialiser. Reads are not trapped. A failed track (a name clash, a
 * cycle) throws before the property is set.
 */
export function autoTracking<L extends Tracker & object>(layer: L, isLayer: (v: unknown) => boolean): L {
  let proxy: L;
  const handler: ProxyHandler<L> = {
    defineProperty(target, key, descriptor) {
      if ('value' in descriptor && typeof key === 'string' && !NOT_TRACKED.has(key)) {
        const value = track(proxy, descriptor.value, isLayer, new Set());
        if (value !== descriptor.value) descriptor = { ...descriptor, value };
      }
      return Reflect.defineProperty(target, key, descriptor);
    },
  };
  proxy = new Proxy(layer, handler);
  return proxy;
}

/** Tracks `value` and returns what the property should hold (the value, a tracking view, or the unwrapped untracked value). */
function track(tracker: Tracker, value: unknown, isLayer: (v: unknown) => boolean, seen: Set<object>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Untracked) return value.value;
  if (isLayer(value)) {
    tracker.trackLayer(value);
    return value;
  }
  if (value instanceof Variable) {
    tracker.trackVariable(value);
    return value;
  }
  if (!isContainer(value) || views.has(value) || seen.has(value) || !mayHold(value, isLayer, new Set())) return value;
  seen.add(value);
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const tracked = track(tracker, item, isLayer, seen);
    if (tracked !== item) (value as Record<string, unknown>)[key] = tracked;
  }
  return trackingView(tracker, value, isLayer);
}

/** An array or a plain object (`{...}`, `Object.create(null)`), not a class instance. */
function isContainer(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether a container can hold layers or variables: it is empty (things may
 * be put into it later), or holds one, or a container that can. A container
 * of primitives only (a shape, an options object) is stored as it is.
 */
function mayHold(container: object, isLayer: (v: unknown) => boolean, seen: Set<object>): boolean {
  const keys = Object.keys(container);
  if (keys.length === 0) return true;
  seen.add(container);
  return keys.some((k) => {
    const item = (container as Record<string, unknown>)[k];
    if (typeof item !== 'object' || item === null) return false;
    if (item instanceof Untracked || item instanceof Variable || isLayer(item) || views.has(item)) return true;
    return isContainer(item) && !seen.has(item) && mayHold(item, isLayer, seen);
  });
}

/** A view of an array or plain object that tracks what is put into it later (`push`, `splice`, index or key assignment). */
function trackingView(tracker: Tracker, container: object, isLayer: (v: unknown) => boolean): object {
  const view = new Proxy(container, {
    defineProperty(target, key, descriptor) {
      if ('value' in descriptor && key !== 'length') {
        const value = track(tracker, descriptor.value, isLayer, new Set());
        if (value !== descriptor.value) descriptor = { ...descriptor, value };
      }
      return Reflect.defineProperty(target, key, descriptor);
    },
  });
  views.add(view);
  return view;
}

/** What {@link checkNoCycle} needs of a layer. */
interface TreeNode {
  readonly scopeName: string;
  readonly layers: readonly TreeNode[];
}

/**
 * @throws TrackingCycleError if `layer` is `owner` or (transitively) tracks it,
 *   so that tracking it would make `owner` contain itself (an endless weight list).
 */
export function checkNoCycle(owner: TreeNode, layer: TreeNode): void {
  const seen = new Set<TreeNode>();
  const stack: TreeNode[] = [layer];
  while (stack.length) {
    const l = stack.pop()!;
    if (l === owner) {
      throw new TrackingCycleError(
        `Cannot track ${describeValue(layer)} in '${owner.scopeName}': ` +
          `${layer === owner ? 'it is the layer itself' : 'it contains this layer'}, so the layer would contain itself. ` +
          `Keep references to enclosing layers out of tracked properties (pass them as call arguments, or store them with untracked(...)).`,
      );
    }
    if (seen.has(l)) continue;
    seen.add(l);
    stack.push(...l.layers);
  }
}
