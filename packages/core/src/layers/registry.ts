import { LayerArgumentError } from '../errors.js';
import type { Layer, LayerConfig } from '../layer.js';
import type { LayerSpec, SpecLayerClass } from '../layer-spec.js';
import { activationLayer } from './activation.js';
import { batchNormLayer } from './batch-norm.js';
import { combineLayer } from './combine.js';
import { compareLayer } from './compare.js';
import { evalLayer } from './eval-layer.js';
import { conv2dLayer } from './conv2d.js';
import { copyLayer, dropoutCopyLayer } from './copy.js';
import { dropoutLayer } from './dropout.js';
import { linearLayer } from './linear.js';
import { flattenLayer, mergeDimsLayer } from './merge-dims.js';
import { mergeBatchDimsLayer } from './merge-batch-dims.js';
import { pool2dLayer } from './pool2d.js';
import { recLayer, rhnLayer, rnnCellLayer } from './rec/index.js';
import { reduceOutLayer } from './reduce-out.js';
import { conv1dLayer } from './seq/conv1d.js';
import { pool1dLayer } from './seq/pool1d.js';
import {
  dotAttentionLayer,
  gatherLayer,
  genericAttentionLayer,
  layerNormLayer,
  lengthLayer,
  positionalEncodingLayer,
  postfixInTimeLayer,
  prefixInTimeLayer,
  reduceBatchLayer,
  reduceLayer,
  resizeLayer,
  selfAttentionLayer,
  sliceLayer,
  softmaxOverSpatialLayer,
  windowLayer,
} from './seq/index.js';
import { softmaxLayer } from './softmax.js';
import { cumsumLayer, expandDimsLayer, padLayer, repeatLayer, shiftAxisLayer, squeezeLayer, tileLayer } from './shape/index.js';
import { constantBatchLayer, constantLayer, rangeInAxisLayer, rangeLayer, switchLayer, variableBatchLayer, variableLayer } from './value/index.js';
import { combineDimsLayer, dotLayer, flattenBatchLayer, normLayer, reinterpretDataLayer, scatterNdLayer, seqLenMaskLayer, sliceNdLayer, splitBatchTimeLayer, unflattenBatchLayer, unflattenNdLayer } from './axes/index.js';
import { transposedConvLayer } from './transposed-conv.js';
import { relativePositionalEncodingLayer } from './seq/relative-positional-encoding.js';
import { reshapeLayer, splitDimsLayer } from './split-dims.js';
import { castLayer, concatLayer, rangeFromLengthLayer, reshapeDimsLayer, splitLayer, swapAxesLayer, topKLayer, trainFlagLayer, transposeLayer } from './structure/index.js';

/** A layer class that can be recreated from its config (see {@link LayerSpec.cls}). */
export type LayerClass = SpecLayerClass;

/** A layer as JSON: its registered class name and its `getConfig()`. */
export interface SerializedLayer {
  className: string;
  config: LayerConfig;
}

// Built-in layers are listed here (not registered by each module) so that the
// registry is complete whatever a user imports, with no import-order side effects.
const classOnly = (cls: unknown): LayerSpec => ({ cls: cls as LayerClass, options: {} });
const BUILT_IN: readonly LayerSpec[] = [
  // Dense family.
  linearLayer,
  softmaxLayer,
  activationLayer,
  copyLayer,
  dropoutCopyLayer,
  combineLayer,
  compareLayer,
  evalLayer,
  reduceOutLayer,
  dropoutLayer,
  // Convolution, pooling and shape family.
  conv2dLayer, conv1dLayer, pool2dLayer, pool1dLayer, mergeDimsLayer, mergeBatchDimsLayer, flattenLayer, splitDimsLayer, reshapeLayer, batchNormLayer,
  // Sequence family.
  layerNormLayer, windowLayer, reduceLayer, reduceBatchLayer, positionalEncodingLayer, prefixInTimeLayer, postfixInTimeLayer, sliceLayer, lengthLayer, gatherLayer, selfAttentionLayer, dotAttentionLayer,
  // Attention and time-axis resizing (RETURNN's attention decoders: softmax_over_spatial, generic_attention; resize).
  softmaxOverSpatialLayer, genericAttentionLayer, resizeLayer,
  // RETURNN's axis-wise classes (dot, norm, seq_len_mask, combine_dims, flatten_batch, reinterpret_data) and transposed_conv.
  dotLayer, normLayer, seqLenMaskLayer, combineDimsLayer, flattenBatchLayer, reinterpretDataLayer, transposedConvLayer, relativePositionalEncodingLayer, sliceNdLayer, unflattenNdLayer, scatterNdLayer, unflattenBatchLayer, splitBatchTimeLayer,
  // RETURNN's shape and value classes (cumsum, pad, repeat, tile, shift_axis, expand_dims, squeeze; constant, range, range_in_axis, variable, switch).
  cumsumLayer, padLayer, repeatLayer, tileLayer, shiftAxisLayer, expandDimsLayer, squeezeLayer, constantLayer, constantBatchLayer, rangeLayer, rangeInAxisLayer, variableLayer, variableBatchLayer, switchLayer,
  // RETURNN's structure classes (concat, split, cast, top_k, swap_axes, transpose, train_flag).
  concatLayer, splitLayer, castLayer, topKLayer, swapAxesLayer, transposeLayer, trainFlagLayer, rangeFromLengthLayer, reshapeDimsLayer,
  // Recurrent family.
  rhnLayer,
  recLayer,
  rnnCellLayer,
];

const classes = new Map<string, LayerClass>();
const specs = new Set<LayerSpec>();
const byNetDictName = new Map<string, LayerSpec[]>();
/** Net-dict class names held by classes of @strata/network (`rec`, `choice`, ...), which a spec may take only with `override`. */
const reserved = new Set<string>();

/**
 * Marks net-dict class names as taken by a class defined elsewhere (the
 * network-level classes of @strata/network, such as `rec` and `choice`), so
 * that {@link registerLayer} refuses them without `override` instead of
 * registering a spec that would never be used.
 */
export function reserveNetDictNames(names: readonly string[]): void {
  for (const n of names) reserved.add(n);
}

/**
 * Registers a layer's spec (its one vocabulary, see {@link LayerSpec}): the
 * class under its static `className` for {@link layerFromConfig} (seed:
 * Keras' `register_keras_serializable`), and its net-dict class names
 * (`spec.netDict.names`) for net dicts. The way for users' and platform
 * teams' own layers: one call in their package, and the layer works in net
 * dicts, training, checkpoints and export like a built-in one.
 * Registering the same spec (or class) again is a no-op.
 * @throws LayerArgumentError if another class holds the class name, or another spec a net-dict
 *   name without a `when` to choose between them, and `override` is not set; if an option's
 *   `default` fails its own schema (constructors take defaults unchecked).
 */
export function registerLayer(spec: LayerSpec, options: { override?: boolean } = {}): void {
  const { cls } = spec;
  checkDefaults(spec);
  const existing = classes.get(cls.className);
  if (existing && existing !== cls && !options.override) {
    throw new LayerArgumentError(
      `A layer class named '${cls.className}' is already registered (${existing.name}). ` +
        `Give your class another static className, or pass { override: true }. Received: ${cls.name}.`,
    );
  }
  for (const name of spec.netDict?.names ?? []) {
    const specs = byNetDictName.get(name) ?? [];
    if (specs.includes(spec)) continue;
    if (reserved.has(name) && !options.override) {
      throw new LayerArgumentError(
        `The net-dict class '${name}' is a built-in class of @strata/network. Use another name for layer ${cls.className}, or pass { override: true } to replace it in net dicts.`,
      );
    }
    const clash = specs.find((s) => !s.netDict?.when || !spec.netDict?.when);
    if (clash && !options.override) {
      throw new LayerArgumentError(
        `The net-dict class '${name}' is already registered (layer ${clash.cls.className}). ` +
          `Use another name, give both specs a netDict.when that tells their entries apart, or pass { override: true }. Received: ${cls.className}.`,
      );
    }
    byNetDictName.set(name, clash && options.override ? specs.filter((s) => s !== clash).concat(spec) : [...specs, spec]);
  }
  classes.set(cls.className, cls);
  specs.add(spec);
}

function checkDefaults(spec: LayerSpec): void {
  for (const [key, opt] of Object.entries(spec.options)) {
    if (opt.default === undefined) continue;
    const r = opt.schema.safeParse(opt.default);
    if (!r.success) {
      throw new LayerArgumentError(
        `Layer ${spec.cls.className}: the default of option '${key}' fails its schema (${r.error.issues[0]?.message ?? 'invalid'}). ` +
          `Fix the spec's default or schema. Received: default=${JSON.stringify(opt.default)}.`,
      );
    }
  }
}

/** Registers a class for {@link layerFromConfig} only (no net-dict names): `registerLayer({ cls, options: {} })`. */
export function registerLayerClass(cls: LayerClass, options: { override?: boolean } = {}): void {
  const existing = classes.get(cls.className);
  if (existing === cls) return;
  registerLayer({ cls, options: {} }, options);
}

for (const spec of BUILT_IN) registerLayer(spec);

/** Names of the registered layer classes. */
export function registeredLayerClasses(): string[] {
  return [...classes.keys()];
}

/** Every registered spec (built-in and users'), in registration order. */
export function registeredLayerSpecs(): LayerSpec[] {
  return [...specs];
}

/** The specs registered under RETURNN class name `name` (several only when each has a `netDict.when`), in registration order. */
export function layerSpecsFor(name: string): readonly LayerSpec[] {
  return byNetDictName.get(name) ?? [];
}

/** The net-dict class names of registered specs, sorted. */
export function netDictLayerNames(): string[] {
  return [...byNetDictName.keys()].sort();
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
      `Unknown layer class. Registered: ${registeredLayerClasses().join(', ')}; register custom classes with registerLayer(spec). ` +
        `Received: className='${className}'.`,
    );
  }
  return cls.fromConfig ? cls.fromConfig(config) : new cls(config);
}
