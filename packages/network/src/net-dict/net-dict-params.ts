import { sizeOf, type Tensor, type TensorData } from '@strata/backend';
import type { Variable } from '@strata/core';
import { load, save } from '@strata/savers';
import { NetworkArgumentError } from '../errors.js';
import type { ExternData } from '../extern-data.js';
import { Network } from '../network.js';
import type { LayerNode } from './layer-node.js';
import type { NetDictNetwork } from './net-dict-network.js';
import { describeFailure, networkInfo } from './network-info.js';
import {
  assignValues,
  getParamValuesDict,
  type NetworkParamsSerialized,
  type ParamValueInput,
  type ParamValuesDict,
  type SetParamValuesOptions,
  setParamValuesByDict,
} from './params.js';

/** Options of {@link NetDictParams.declareTrainParams} (seed 003 `declare_train_params`). */
export interface TrainParamsSelection {
  /** Non-output layers to train (default: all of them). */
  hiddenLayerSelection?: readonly string[];
  /** Also train the output layers (default true). */
  withOutput?: boolean;
  /** `false` trains nothing (default true). */
  globalTrainable?: boolean;
}

/**
 * The parameter part of {@link NetDictNetwork} (seed 003 `TFNetwork`):
 * param lists, values by layer, (de)serialisation, files, the global train
 * step, initialisation, and the step hooks (post-control dependencies,
 * graph-reset callbacks), plus network info and step-failure diagnostics.
 * A base class only to keep the network's files small.
 */
export abstract class NetDictParams extends Network {
  abstract readonly nodes: Map<string, LayerNode>;
  abstract readonly externData: ExternData;
  /** A newly constructed copy (same net dict, extern data, seed, extra nets): fresh initial values. */
  protected abstract freshCopy(): NetDictNetwork;
  private globalTrainStep = 0;
  private readonly postInit = new Map<Variable, (v: Variable) => void>();
  private readonly postControl: (() => void)[] = [];
  private readonly resetCallbacks: (() => void)[] = [];

  /** This object as the network it is. */
  protected get self(): NetDictNetwork {
    return this as unknown as NetDictNetwork;
  }

  /** Seed `get_params_list`: every variable of the network's layers (trainable or not), each once. */
  getParamsList(): Variable[] {
    return [...new Set([...this.weights, ...[...this.nodes.values()].flatMap((n) => n.layer.weights)])];
  }
  /** Seed `get_saveable_params_list`: what a checkpoint holds (the same as {@link getParamsList}: Strata keeps the train step as metadata, not as a variable). */
  getSaveableParamsList(): Variable[] {
    return this.getParamsList();
  }
  /** Seed `get_auxiliary_params`: none (the global train step is a number, see {@link getGlobalTrainStep}). */
  getAuxiliaryParams(): Variable[] {
    return [];
  }
  /** Seed `get_trainable_params`: the variables the optimizer updates (after {@link declareTrainParams}). */
  getTrainableParams(): Variable[] {
    return this.getParamsList().filter((v) => v.trainable);
  }
  /**
   * Seed `declare_train_params`: selects the layers whose variables are
   * trained; the others become non-trainable (entries with `"trainable": false` stay so).
   * @throws LayerNotFoundError for an unknown name in `hiddenLayerSelection`.
   */
  declareTrainParams(sel: TrainParamsSelection = {}): void {
    const nodes = [...this.nodes.values()];
    for (const name of sel.hiddenLayerSelection ?? []) this.self.node(name);
    const chosen = new Set(sel.hiddenLayerSelection ?? nodes.filter((n) => !n.isOutputLayer).map((n) => n.name));
    if (sel.withOutput ?? true) for (const n of nodes) if (n.isOutputLayer) chosen.add(n.name);
    for (const n of nodes) n.layer.trainable = (sel.globalTrainable ?? true) && chosen.has(n.name) && n.entry.trainable !== false;
  }
  /** Seed `get_num_params`: the number of scalars in all params. */
  getNumParams(): number {
    return this.getParamsList().reduce((n, v) => n + sizeOf(v.shape), 0);
  }
  /**
   * Seed `initialize_params`: sets every param back to its initial value
   * (the values a fresh construction with the same seed gets), then runs the
   * functions of {@link setCustomPostInit}. On a sub-network, the root's params.
   */
  initializeParams(): void {
    const root = this.self.getRootNetwork();
    if (root !== this.self) return root.initializeParams();
    const fresh = this.freshCopy();
    const init = new Map(fresh.getParamsList().map((v) => [v.path, v]));
    for (const v of this.getParamsList()) {
      const f = init.get(v.path);
      if (f) v.assign(f.value);
    }
    fresh.dispose();
    for (const [v, fn] of this.postInit) fn(v);
  }
  /** Seed `set_custom_post_init`: `fn(variable)` runs after each {@link initializeParams}. */
  setCustomPostInit(variable: Variable, fn: (v: Variable) => void): void {
    this.postInit.set(variable, fn);
  }
  /** Seed `get_var_assigner`: a function assigning row-major values to `variable`. @throws NetworkArgumentError for a wrong element count. */
  getVarAssigner(variable: Variable): (values: TensorData | number[]) => void {
    return (values) => {
      const size = sizeOf(variable.shape);
      if (values.length !== size) throw new NetworkArgumentError(`Variable '${variable.name}' has ${size} values ([${variable.shape.join(', ')}]), the assigner got ${values.length}.`);
      assignValues(variable, values);
    };
  }
  /** Seed `get_param_values_dict`: layer → param → `{ shape, dtype, data }`. */
  getParamValuesDict(): ParamValuesDict {
    return getParamValuesDict(this.self);
  }
  /** Seed `set_param_values_by_dict`; all checked before anything is assigned. @throws LayerNotFoundError, ParamNotFoundError, ParamShapeMismatchError */
  setParamValuesByDict(values: Readonly<Record<string, Readonly<Record<string, ParamValueInput>>>>, opts: SetParamValuesOptions = {}): void {
    setParamValuesByDict(this.self, values, opts);
  }
  /** Seed `get_params_serialized`: all params and the global train step. */
  getParamsSerialized(): NetworkParamsSerialized {
    return { valuesDict: this.getParamValuesDict(), globalTrainStep: this.globalTrainStep };
  }
  /** Seed `set_params_by_serialized`. @throws as {@link setParamValuesByDict} */
  setParamsBySerialized(serialized: NetworkParamsSerialized, opts: SetParamValuesOptions = {}): void {
    this.setParamValuesByDict(serialized.valuesDict, opts);
    this.setGlobalTrainStep(serialized.globalTrainStep);
  }
  /** Seed `set_global_train_step`. @throws NetworkArgumentError unless a non-negative integer. */
  setGlobalTrainStep(step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new NetworkArgumentError(`setGlobalTrainStep: the step must be a non-negative integer. Received: ${step}.`);
    this.globalTrainStep = step;
  }
  /** Seed `get_global_train_step`: the number of training steps taken (set by the trainer). */
  getGlobalTrainStep(): number {
    return this.globalTrainStep;
  }
  /**
   * Seed `save_params_to_file`: writes every param (keyed by variable path)
   * and the global train step (metadata `global_train_step`) with `save` of
   * `@strata/savers` (safetensors, written to a temporary file, fsynced and
   * renamed, so a crash keeps the old file).
   * @throws CheckpointArgumentError if the network has no params yet; CheckpointWriteError if the write fails.
   */
  saveParamsToFile(filename: string): Promise<void> {
    return save({ variables: this.getSaveableParamsList() }, filename, { metadata: { global_train_step: String(this.globalTrainStep) } });
  }
  /**
   * Seed `load_params_from_file`: `load` of `@strata/savers` (format from the
   * content; a Strata checkpoint all or nothing by param path, other files
   * mapped by `CheckpointLoader`), then restores the global train step.
   * @throws CheckpointNotFoundError, CheckpointMismatchError, CheckpointMappingError, ... (see `load`).
   */
  async loadParamsFromFile(filename: string): Promise<void> {
    const { metadata } = await load({ variables: this.getSaveableParamsList() }, filename);
    if (metadata.global_train_step !== undefined) this.setGlobalTrainStep(Number(metadata.global_train_step));
  }

  /** Seed `print_network_info`: logs (default `console.log`) and returns the table of layers, outputs and params. */
  printNetworkInfo(opts: { name?: string; log?: (text: string) => void } = {}): string {
    const text = networkInfo(this.self, opts.name);
    (opts.log ?? console.log)(text);
    return text;
  }
  /**
   * Seed `help_on_tf_exception`: describes a failed step: the failing layer
   * (from the `LayerExecutionError` the forward pass throws), its entry, its
   * inputs' shapes, dtypes and min/max/mean, and the batch's Data.
   */
  describeStepFailure(error: unknown, batch: Readonly<Record<string, Tensor>> = {}, log?: (text: string) => void): string {
    const text = describeFailure(this.self, error, batch);
    log?.(text);
    return text;
  }

  /** Seed `register_post_control_dependencies`: functions to run after each step ({@link runPostControlDependencies}), on this network. */
  registerPostControlDependencies(fns: readonly (() => void)[]): void {
    this.postControl.push(...fns);
  }
  /** Seed `get_post_control_dependencies`. */
  getPostControlDependencies(): (() => void)[] {
    return [...this.postControl];
  }
  /** Runs the registered post-control dependencies in order (a trainer calls it after each step). */
  runPostControlDependencies(): void {
    for (const f of this.postControl) f();
  }
  /** Seed `register_graph_reset_callback`: `cb` runs on {@link reset} and {@link dispose}. */
  registerGraphResetCallback(cb: () => void): void {
    this.resetCallbacks.push(cb);
  }
  /** Seed `get_graph_reset_callbacks`. */
  getGraphResetCallbacks(): (() => void)[] {
    return [...this.resetCallbacks];
  }
  /** Seed `call_graph_reset_callbacks`. */
  callGraphResetCallbacks(): void {
    for (const cb of this.resetCallbacks) cb();
  }
  /** Resets per-run state and calls the graph-reset callbacks (Strata's counterpart of resetting a TF graph). */
  reset(): void {
    this.callGraphResetCallbacks();
  }
  /** Calls the graph-reset callbacks, then releases all weights. */
  override dispose(): void {
    this.callGraphResetCallbacks();
    super.dispose();
  }
}
