import { type DType, getBackend, ops, shapesEqual, sizeOf, type TensorData } from '@strata/backend';
import type { Variable } from '@strata/core';
import { LayerNotFoundError, NetworkArgumentError, ParamNotFoundError, ParamShapeMismatchError } from '../errors.js';
import type { LayerGraph } from './graph.js';

/** One parameter's values (seed: a numpy array): shape, dtype and row-major data. */
export interface ParamValue {
  shape: number[];
  dtype: DType;
  data: TensorData;
}

/** Layer name → parameter name (e.g. `kernel`, or `s/kernel` inside a rec unit) → values (seed 003 `get_param_values_dict`). */
export type ParamValuesDict = Record<string, Record<string, ParamValue>>;

/** All params plus the global train step (seed 003 `TFNetworkParamsSerialized(values_dict, global_train_step)`). */
export interface NetworkParamsSerialized {
  valuesDict: ParamValuesDict;
  globalTrainStep: number;
}

/** Options of {@link setParamValuesByDict}. */
export interface SetParamValuesOptions {
  /** Skip layers and params that do not exist instead of throwing (seed `ignore_non_existing`). */
  ignoreNonExisting?: boolean;
}

/** A value given to {@link setParamValuesByDict}: a {@link ParamValue} (shape checked) or flat data (element count checked). */
export type ParamValueInput = ParamValue | TensorData | number[];

/** The layer's parameters by name relative to the layer (`kernel`; `s/kernel` for a rec unit's layer `s`). */
export function layerParams(net: LayerGraph, layerName: string): Map<string, Variable> {
  const layer = net.node(layerName).layer;
  return new Map(layer.weights.map((v) => [v.path.startsWith(`${layer.scopeName}/`) ? v.path.slice(layer.scopeName.length + 1) : v.localName, v]));
}

/** Seed `get_param_values_dict`: every layer's params (auxiliary ones too: Strata has no separate auxiliary variables); with `only`, just those variables. */
export function getParamValuesDict(net: LayerGraph, only?: ReadonlySet<Variable>): ParamValuesDict {
  const out: ParamValuesDict = {};
  for (const name of net.nodes.keys()) {
    const params = new Map([...layerParams(net, name)].filter(([, v]) => !only || only.has(v)));
    if (params.size === 0) continue;
    out[name] = {};
    for (const [p, v] of params) out[name][p] = { shape: [...v.shape], dtype: v.dtype, data: v.readSync().slice() };
  }
  return out;
}

/**
 * Seed `set_param_values_by_dict`: checks every layer, param and shape first,
 * then assigns, so a bad dict changes nothing.
 * @throws LayerNotFoundError, ParamNotFoundError (unless `ignoreNonExisting`), ParamShapeMismatchError.
 */
export function setParamValuesByDict(net: LayerGraph, values: Readonly<Record<string, Readonly<Record<string, ParamValueInput>>>>, opts: SetParamValuesOptions = {}): void {
  const plan: [Variable, TensorData | number[]][] = [];
  for (const [layerName, params] of Object.entries(values)) {
    if (!net.nodes.has(layerName)) {
      if (opts.ignoreNonExisting) continue;
      throw new LayerNotFoundError(
        `setParamValuesByDict: network '${net.name}' has no layer '${layerName}'. Layers: ${[...net.nodes.keys()].join(', ')}. Pass { ignoreNonExisting: true } to skip it.`,
      );
    }
    const own = layerParams(net, layerName);
    for (const [paramName, value] of Object.entries(params)) {
      const v = own.get(paramName);
      if (!v) {
        if (opts.ignoreNonExisting) continue;
        throw new ParamNotFoundError({ layerName, paramName, known: [...own.keys()] });
      }
      if (isParamValue(value)) {
        if (!shapesEqual(value.shape, v.shape)) throw new ParamShapeMismatchError({ layerName, paramName, expected: v.shape, received: value.shape });
        plan.push([v, value.data]);
      } else {
        if (value.length !== sizeOf(v.shape)) throw new ParamShapeMismatchError({ layerName, paramName, expected: v.shape, received: value.length });
        plan.push([v, value]);
      }
    }
  }
  for (const [v, data] of plan) assignValues(v, data);
}

function isParamValue(x: ParamValueInput): x is ParamValue {
  return !Array.isArray(x) && !ArrayBuffer.isView(x) && typeof x === 'object' && 'shape' in x;
}

/** Assigns flat row-major values to a variable (seed `get_var_assigner`'s assignment). */
export function assignValues(v: Variable, data: TensorData | number[]): void {
  const t = ops.tensor(v.dtype === 'float32' ? Float32Array.from(data as ArrayLike<number>) : Int32Array.from(data as ArrayLike<number>), v.shape, v.dtype);
  v.assign(t);
  getBackend().dispose(t);
}

/** Seed `get_params_list`: every variable of the graph's layers (and of the layer that tracks them), each once. */
export function paramsList(g: LayerGraph): Variable[] {
  return [...new Set([...g.owner.weights, ...[...g.nodes.values()].flatMap((n) => n.layer.weights)])];
}

/** Options of `declareTrainParams` (seed 003 `declare_train_params`). */
export interface TrainParamsSelection {
  /** Non-output layers to train (default: all of them). */
  hiddenLayerSelection?: readonly string[];
  /** Also train the output layers (default true). */
  withOutput?: boolean;
  /** `false` trains nothing (default true). */
  globalTrainable?: boolean;
}

/**
 * Seed `declare_train_params`: makes the layers outside the selection
 * non-trainable (entries with `"trainable": false` stay so).
 * @throws LayerNotFoundError for an unknown name in `hiddenLayerSelection`.
 */
export function declareTrainParams(g: LayerGraph, sel: TrainParamsSelection = {}): void {
  const nodes = [...g.nodes.values()];
  for (const name of sel.hiddenLayerSelection ?? []) g.node(name);
  const chosen = new Set(sel.hiddenLayerSelection ?? nodes.filter((n) => !n.isOutputLayer).map((n) => n.name));
  if (sel.withOutput ?? true) for (const n of nodes) if (n.isOutputLayer) chosen.add(n.name);
  for (const n of nodes) n.layer.trainable = (sel.globalTrainable ?? true) && chosen.has(n.name) && n.entry.trainable !== false;
}

/**
 * Seed `get_var_assigner`: a function assigning row-major values to `variable`.
 * @throws NetworkArgumentError (from the function) for a wrong element count.
 */
export function varAssigner(variable: Variable): (values: TensorData | number[]) => void {
  return (values) => {
    const size = sizeOf(variable.shape);
    if (values.length !== size) throw new NetworkArgumentError(`Variable '${variable.name}' has ${size} values ([${variable.shape.join(', ')}]), the assigner got ${values.length}.`);
    assignValues(variable, values);
  };
}
