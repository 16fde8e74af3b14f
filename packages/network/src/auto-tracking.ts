import { Layer } from '@strata/core';

/** What auto-tracking needs of a Network: its `trackLayer`. */
interface Tracker {
  trackLayer(layer: Layer): Layer;
}

/**
 * Properties that hold a layer without owning it: `parent` points up the
 * tree (tracking it would make a cycle).
 */
const NOT_TRACKED: ReadonlySet<PropertyKey> = new Set(['parent']);

/** Arrays already wrapped by {@link trackingArray}, so that one is never wrapped twice. */
const wrapped = new WeakSet<object>();

/**
 * Wraps a Network so that layers assigned to its properties are tracked, the
 * way `tf.keras.Model` tracks attribute assignment (the replacement the seeds
 * 000–002 recommend over `track_layer`):
 *
 * * `this.dense = new Linear(...)` (or a class field `dense = new Linear(...)`)
 *   tracks the layer, in assignment order, before the property is set;
 * * an array of layers is tracked item by item (nested arrays too), and the
 *   property holds a tracking view of it, so layers pushed or assigned into it
 *   later are tracked as well (the view is not `===` the array assigned,
 *   like Keras' ListWrapper);
 * * a layer already tracked (by `trackLayer` or an earlier assignment) is not
 *   tracked again, so `this.x = this.trackLayer(layer)` tracks once.
 *
 * One trap is enough: an assignment (`this.x = v`) to an ordinary object
 * ends in `[[DefineOwnProperty]]` on the receiver, the proxy, exactly like a
 * class field initialiser.
 */
export function autoTracking<N extends Tracker & object>(network: N): N {
  let proxy: N;
  const handler: ProxyHandler<N> = {
    defineProperty(target, key, descriptor) {
      if ('value' in descriptor && typeof key === 'string' && !NOT_TRACKED.has(key)) {
        const value = track(proxy, descriptor.value);
        if (value !== descriptor.value) descriptor = { ...descriptor, value };
      }
      return Reflect.defineProperty(target, key, descriptor);
    },
  };
  proxy = new Proxy(network, handler);
  return proxy;
}

/** Tracks `value` if it is a layer or an array holding layers; returns what the property should hold. */
function track(tracker: Tracker, value: unknown): unknown {
  if (value instanceof Layer) {
    tracker.trackLayer(value);
    return value;
  }
  if (Array.isArray(value)) {
    trackItems(tracker, value);
    return trackingArray(tracker, value);
  }
  return value;
}

/** Tracks the layers in `items`, nested arrays included. */
function trackItems(tracker: Tracker, items: readonly unknown[]): void {
  for (const item of items) {
    if (item instanceof Layer) tracker.trackLayer(item);
    else if (Array.isArray(item)) trackItems(tracker, item);
  }
}

/** A view of `array` that tracks layers put into it later (`push`, `splice`, index assignment). */
function trackingArray(tracker: Tracker, array: unknown[]): unknown[] {
  if (wrapped.has(array)) return array;
  const view = new Proxy(array, {
    defineProperty(target, key, descriptor) {
      if ('value' in descriptor && key !== 'length') trackItems(tracker, [descriptor.value]);
      return Reflect.defineProperty(target, key, descriptor);
    },
  });
  wrapped.add(view);
  return view;
}
