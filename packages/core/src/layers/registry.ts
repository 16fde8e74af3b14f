import { LayerArgumentError } from '../errors.js';
import type { Layer, LayerConfig } from '../layer.js';
import { ActivationLayer } from './activation.js';
import { BatchNorm } from './batch-norm.js';
import { Combine } from './combine.js';
import { Conv2D } from './conv2d.js';
import { Copy } from './copy.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Flatten, MergeDims } from './merge-dims.js';
import { Pool2D } from './pool2d.js';
import { Rec } from './rec/index.js';
import { Conv1D, DotAttention, Gather, LayerNorm, Length, PositionalEncoding, PostfixInTime, PrefixInTime, Reduce, SelfAttention, Slice, Window } from './seq/index.js';
import { Reshape, SplitDims } from './split-dims.js';
import { Softmax } from './softmax.js';

/**
 * A layer class that can be recreated from its config: constructed with its
 * `getConfig()` object, or through a static `fromConfig` where the
 * constructor's arguments differ from the config.
 */
export interface LayerClass {
  // The config is checked by the constructor itself; `any` lets every layer's own args type fit.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  new (args: any): Layer;
  readonly className: string;
  fromConfig?(config: LayerConfig): Layer;
}

/** A layer as JSON: its registered class name and its `getConfig()`. */
export interface SerializedLayer {
  className: string;
  config: LayerConfig;
}

// Built-in classes are listed here (not registered by each module) so that the
// registry is complete whatever a user imports, with no import-order side effects.
const classes = new Map<string, LayerClass>(
  [
    ...[Linear, Softmax, ActivationLayer, Copy, Combine, Dropout, Conv2D, Pool2D, MergeDims, Flatten, SplitDims, Reshape, BatchNorm, Rec],
    ...[LayerNorm, Conv1D, Window, Reduce, PositionalEncoding, PrefixInTime, PostfixInTime, Slice, Length, Gather, SelfAttention, DotAttention],
  ].map((c) => [c.className, c as LayerClass]),
);

/**
 * Registers a layer class under `cls.className` (seed: Keras'
 * `register_keras_serializable`), so {@link layerFromConfig} can recreate it.
 * Registering the same class again is a no-op.
 * @throws LayerArgumentError if another class holds the name and `override` is not set.
 */
export function registerLayerClass(cls: LayerClass, options: { override?: boolean } = {}): void {
  const existing = classes.get(cls.className);
  if (existing && existing !== cls && !options.override) {
    throw new LayerArgumentError(
      `A layer class named '${cls.className}' is already registered (${existing.name}). ` +
        `Give your class another static className, or pass { override: true }. Received: ${cls.name}.`,
    );
  }
  classes.set(cls.className, cls);
}

/** Names of the registered layer classes. */
export function registeredLayerClasses(): string[] {
  return [...classes.keys()];
}

/** `{className, config}` of a layer, inverted by {@link layerFromConfig}. */
export function serializeLayer(layer: Layer): SerializedLayer {
  return { className: (layer.constructor as unknown as LayerClass).className, config: layer.getConfig() };
}

/**
 * Recreates a layer (unbuilt, with fresh weights) from its class name and
 * config, or from {@link serializeLayer}'s output (seed `from_config`).
 * @throws LayerArgumentError if the class is not registered (the message lists the registered ones),
 *   or whatever the class' constructor throws for a bad config.
 */
export function layerFromConfig(serialized: SerializedLayer): Layer;
export function layerFromConfig(className: string, config: LayerConfig): Layer;
export function layerFromConfig(a: string | SerializedLayer, b?: LayerConfig): Layer {
  const { className, config } = typeof a === 'string' ? { className: a, config: b! } : a;
  const cls = classes.get(className);
  if (!cls) {
    throw new LayerArgumentError(
      `Unknown layer class. Registered: ${registeredLayerClasses().join(', ')}; register custom classes with registerLayerClass(cls). ` +
        `Received: className='${className}'.`,
    );
  }
  return cls.fromConfig ? cls.fromConfig(config) : new cls(config);
}
