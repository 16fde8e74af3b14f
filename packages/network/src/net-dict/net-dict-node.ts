import { ops, type Tensor } from '@strata/backend';
import type { CallContext, Data, Layer } from '@strata/core';
import type { LossHolder } from '@strata/losses';
import type { z } from 'zod';
import type { LayerOutput } from '../model.js';
import type { LayerDescription } from './schema.js';

export type { LayerOutput } from '../model.js';

/**
 * Where a layer's input comes from (RETURNN's `from` syntax): an extern-data
 * key (`data:classes`), another layer of the same network (`hidden`), and
 * inside a recurrent unit the previous frame's output of a unit layer
 * (`prev:s`) or a layer of the enclosing network (`base:encoder`), or a
 * layer of an extra net with other flags (`extra.search:output`).
 */
export type SourceRef =
  | { kind: 'data'; key: string }
  | { kind: 'layer'; name: string }
  | { kind: 'prev'; name: string }
  | { kind: 'base'; name: string }
  /** A layer of an extra net (`extra.search:output`, see `NetDictNetwork.constructExtraNet`). */
  | { kind: 'extra'; net: string; name: string };

/**
 * A constructed net-dict entry, one node of the network's `LayerGraph`
 * (RETURNN's `LayerBase` instance in a `TFNetwork`): its entry, layer,
 * sources, output template and loss. Not `@strata/core`'s `LayerNode`, which
 * records one call of a layer (Keras' `Node`).
 */
export interface NetDictNode {
  name: string;
  entry: LayerDescription;
  cls: NetDictLayerClass;
  layer: Layer;
  /** Its sources: the `from` entries, then the layers its class's `refKeys` name (in that order). */
  sources: SourceRef[];
  /** How many of `sources` come from `from` (the rest are `refKeys` sources). */
  nFrom: number;
  /** The sources' templates, in `sources` order: their time Dims hold the lengths the layer gets. */
  sourceData: Data[];
  /**
   * The output's template, known before any number is computed. Its time
   * Dim is a source's when the layer keeps the time axis, else the layer's
   * own, whose sizes the forward pass sets when the layer runs.
   */
  output: Data;
  /** Dropout applied to the layer's input in training (RETURNN `dropout`). */
  dropout: number;
  /** The loss on this layer's output, if the entry has `loss`. */
  lossHolder?: LossHolder;
  /** The target data key of the loss. */
  target?: string;
  isOutputLayer: boolean;
}

/** What a net-dict class's own evaluation sees (see `NetDictLayerClass.evaluate`). */
export interface EvalEnv {
  /** The node being evaluated. */
  node: NetDictNode;
  /** Its sources' outputs, in `from` order. */
  sources: LayerOutput[];
  /** Outputs computed so far in this forward pass (a class may add side outputs such as `rec/output_prob`). */
  outs: Map<string, LayerOutput>;
  /** The forward pass's inputs: extern-data values and their `<key>:size1` lengths. */
  inputs: Readonly<Record<string, Tensor>>;
  ctx: CallContext;
}

/**
 * What an evaluation returns: the output, and, when the layer makes a time
 * axis of its own (a rec unit's search, `resize`), that axis' lengths, int32
 * `[batch]`, which the forward pass stores in the output Dim.
 */
export type EvalResult = LayerOutput & { seqLens?: Tensor };

/**
 * How a `masked_computation` in a rec unit carries one of its unit's states over a frame (RETURNN's
 * `RETURNN_masked_comp_state_transform`): this frame's `value`, the state before (`prevValue`, undefined before the
 * first frame) and the mask (bool `[B]`) → the state after. Without one it is `where(mask, value, prevValue)`.
 */
export type MaskedStateTransform = (value: Tensor, prevValue: Tensor | undefined, mask: Tensor) => Tensor;

/** A `state:` output of a layer with its own {@link MaskedStateTransform}. */
export type MaskedStateOutput = LayerOutput & { maskedTransform?: MaskedStateTransform };

/** The lengths of source `i`'s time axis in this pass (its Dim's sizes), or undefined. */
export const sourceLens = (env: EvalEnv, i = 0): Tensor | undefined => env.node.sourceData[i]?.timeDim?.dynSize;

/** The lengths of the first source with a time axis, or undefined. */
export const firstSourceLens = (env: EvalEnv): Tensor | undefined => env.node.sourceData.find((d) => d.timeDim?.dynSize)?.timeDim?.dynSize;

/** The index into `node.sources` of the source `refKey` names (after the `from` sources), or -1 when the entry does not name one. */
export function refSourceIndex(node: NetDictNode, refKey: string): number {
  const given = (node.cls.refKeys ?? []).filter((k) => typeof (node.entry as Record<string, unknown>)[k] === 'string');
  const i = given.indexOf(refKey);
  return i < 0 ? -1 : node.nFrom + i;
}

/** int32 `[batch]` lengths of `batch` sequences that all run `time` frames (a time axis without sizes). */
export const fullSeqLens = (batch: number, time: number): Tensor => ops.fill([batch], time, 'int32');

/** What a net-dict class factory gets to create its layer. */
export interface LayerCreateContext {
  /** The entry's name (the layer's name). */
  name: string;
  /** The entry, validated by the common schema and the class's own `options` schema. */
  entry: LayerDescription & Record<string, unknown>;
  /** Templates of the sources, in `from` order. */
  sources: Data[];
  /** The template of the entry's `target` (or of the default target when it has a loss); RETURNN infers `n_out` from it. */
  target?: Data;
  /** The network being constructed (a `NetDictNetwork`; typed loosely to keep this module free of import cycles). */
  network: unknown;
  /** The net's RETURNN `behavior_version` (0 when unset): RETURNN's defaults that depend on it follow it. */
  behaviorVersion?: number;
}

/**
 * A layer class usable in net dicts (RETURNN's `get_layer_class` registry).
 *
 * `sources` says how several `from` entries reach the layer: `concat` joins
 * them along the feature axis into one input (RETURNN's default), `list`
 * passes them as a list (combine), `none` means the layer takes no input.
 */
export interface NetDictLayerClass {
  sources: 'concat' | 'list' | 'none';
  /** Schema of the class's own keys (beyond the common ones). */
  options?: z.ZodType;
  /** Creates the (unbuilt) layer. */
  create(ctx: LayerCreateContext): Layer;
  /** `from` entries are `(layer, axis)` pairs (RETURNN's `concat`); the class reads the axes from the entry. */
  fromAxes?: boolean;
  /** The node of sub-layer `<node>/<sub>` (RETURNN's `get_sub_layer`) for a class whose layer has sub-outputs; undefined if none. */
  subLayerNode?(node: NetDictNode, sub: string): NetDictNode | undefined;
  /**
   * `input`: the layer takes the sequence lengths of its input's time axis
   * as its last input (`[x, seqLens]`), for masking (rec, reduce over time,
   * attention). Without it a layer sees only the padded values.
   */
  seqLens?: 'input' | ((layer: Layer) => boolean);
  /** With `seqLens`: the `refKeys` key whose source's lengths the layer takes (default: the first source with a time axis). */
  seqLensFrom?: string;
  /** The layer takes sparse (class-index, int32) sources, e.g. `linear` as an embedding. */
  acceptsSparse?: boolean;
  /** With `sources: 'list'`: the sources are transposed and expanded to their common axes (RETURNN `get_common_data`) before the layer runs. */
  broadcastSources?: boolean;
  /** The layer's output (and loss) means something only under search (`decide`); evaluation with targets leaves its loss out. */
  searchOnly?: boolean;
  /** The layer may have no sources even though it takes some (a `rec` unit stepping over its target: `"from": []`). */
  optionalSources?: boolean;
  /**
   * Class keys whose values name layers (RETURNN's `base`, `base_ctx`,
   * `weights`): they are resolved like `from` entries and appended to the
   * sources in this order, so construction order and shapes account for them.
   * Without `evaluate`, the layer gets them as inputs of their own after the
   * joined `from` input: `[x, ...refs]` (`[...refs]` with sources `none`, the
   * `from` inputs spread first with `list`), and the matching shapes.
   */
  refKeys?: readonly string[];
  /**
   * Class keys whose value is a layer name, a list of names or a dict of
   * names (RETURNN's `explicit_search_sources`): each is a source after
   * those of `refKeys` (a dict's in sorted key order): dependencies, for
   * classes with their own `evaluate` (the default evaluation would pass
   * them as inputs like `refKeys` sources).
   */
  refListKeys?: readonly string[];
  /**
   * The layer makes search choices (RETURNN's `search_choices`): `choice`,
   * or a `rec` whose unit has one. Used by `NetDictNetwork.getSearchChoices`.
   */
  searchChoices?: boolean | ((layer: Layer) => boolean);
  /**
   * Replaces the default evaluation (`layer.applyWithLogits` on the joined
   * sources) for classes that need more than their sources: a recurrent
   * unit, `choice`, attention over a `base` layer.
   */
  evaluate?(env: EvalEnv): EvalResult;
  /**
   * The output template, for classes whose output is not what the layer's
   * `computeOutputShape` says (e.g. a sparse `choice`). Default: a dense
   * template from `computeOutputShape`.
   */
  outputData?(ctx: LayerCreateContext & { layer: Layer }): Data | undefined;
}

