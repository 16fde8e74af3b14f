import { sizeOf, type TensorData } from '@strata/backend';
import type { Variable } from '@strata/core';
import { load, save } from '@strata/savers';
import { NetworkArgumentError } from '../errors.js';
import type { LayerGraph } from './graph.js';
import type { NetDictHooks } from './hooks.js';
import {
  declareTrainParams,
  getParamValuesDict,
  type NetworkParamsSerialized,
  type ParamValueInput,
  type ParamValuesDict,
  paramsList,
  type SetParamValuesOptions,
  setParamValuesByDict,
  type TrainParamsSelection,
  varAssigner,
} from './params.js';
import { returnnParamsList } from './returnn-constructed.js';

/** Options of {@link NetworkParams}. */
export interface NetworkParamsOptions {
  /** The network's graph: its layers' variables are the params. */
  graph: LayerGraph;
  /** Where the global train step and the post-init functions live. */
  hooks: NetDictHooks;
  /** A newly constructed copy of the network (same dict, extern data, seed): fresh initial values. */
  fresh: () => { readonly params: NetworkParams; dispose(): void };
}

/**
 * The parameters of a NetDictNetwork (`network.params`): RETURNN's
 * TFNetwork param methods (seed 003: `get_params_list`,
 * `set_param_values_by_dict`, `save_params_to_file`, ...), kept in their own
 * object so that the network class stays small. Params are the variables of
 * the network's layers; checkpoints use `save`/`load` of @strata/savers.
 */
export class NetworkParams {
  /** @internal the network's graph. */
  readonly graph: LayerGraph;
  private readonly hooks: NetDictHooks;
  private readonly fresh: NetworkParamsOptions['fresh'];

  constructor(options: NetworkParamsOptions) {
    this.graph = options.graph;
    this.hooks = options.hooks;
    this.fresh = options.fresh;
  }

  /**
   * Seed `get_params_list`: the variables (trainable or not, each once) of
   * the layers RETURNN would construct, top level and inside rec units and
   * sub-networks (see `returnnConstructedLayers`). The layers nobody needs
   * (no path to `output`, a loss or an `is_output_layer` layer) are built by
   * Strata, but their variables are not params: not saved, not loaded, not
   * trained, not counted, as RETURNN never creates them.
   */
  getParamsList(): Variable[] {
    return returnnParamsList(this.graph, paramsList(this.graph));
  }
  /** Seed `get_saveable_params_list`: what a checkpoint holds (the same: the train step is metadata). */
  getSaveableParamsList(): Variable[] {
    return this.getParamsList();
  }
  /** Seed `get_auxiliary_params`: none (the global train step is a number). */
  getAuxiliaryParams(): Variable[] {
    return [];
  }
  /** Seed `get_trainable_params`: the variables the optimizer updates. */
  getTrainableParams(): Variable[] {
    return this.getParamsList().filter((v) => v.trainable);
  }
  /** Seed `declare_train_params`. @throws LayerNotFoundError for an unknown name in `hiddenLayerSelection`. */
  declareTrainParams(sel: TrainParamsSelection = {}): void {
    declareTrainParams(this.graph, sel);
  }
  /** Seed `get_num_params`: the number of scalars in all params. */
  getNumParams(): number {
    return this.getParamsList().reduce((n, v) => n + sizeOf(v.shape), 0);
  }
  /**
   * Seed `initialize_params`: every param back to its initial value (those of
   * a fresh construction with the same seed), then the functions of
   * {@link setCustomPostInit}. On a sub-network, the root's params.
   */
  initializeParams(): void {
    const root = this.graph.root;
    if (root !== this.graph) return (root.network as unknown as { params: NetworkParams }).params.initializeParams();
    const fresh = this.fresh();
    const init = new Map(paramsList(fresh.params.graph).map((v) => [v.path, v]));
    for (const v of paramsList(this.graph)) {
      const f = init.get(v.path);
      if (f) v.assign(f.value);
    }
    fresh.dispose();
    this.hooks.runPostInit();
  }
  /** Seed `set_custom_post_init`: `fn(variable)` runs after each {@link initializeParams}. */
  setCustomPostInit(variable: Variable, fn: (v: Variable) => void): void {
    this.hooks.postInit.set(variable, fn);
  }
  /** Seed `get_var_assigner`: a function assigning row-major values. @throws NetworkArgumentError (from it) for a wrong count. */
  getVarAssigner(variable: Variable): (values: TensorData | number[]) => void {
    return varAssigner(variable);
  }
  /** Seed `get_param_values_dict`: layer → param (`kernel`, `s/kernel` in a rec unit) → `{ shape, dtype, data }`. */
  getParamValuesDict(): ParamValuesDict {
    return getParamValuesDict(this.graph, new Set(this.getParamsList()));
  }
  /** Seed `set_param_values_by_dict`, all checked before anything is assigned. @throws LayerNotFoundError, ParamNotFoundError, ParamShapeMismatchError */
  setParamValuesByDict(values: Readonly<Record<string, Readonly<Record<string, ParamValueInput>>>>, opts: SetParamValuesOptions = {}): void {
    setParamValuesByDict(this.graph, values, opts);
  }
  /** Seed `get_params_serialized`: all params and the global train step. */
  getParamsSerialized(): NetworkParamsSerialized {
    return { valuesDict: this.getParamValuesDict(), globalTrainStep: this.hooks.globalTrainStep };
  }
  /** Seed `set_params_by_serialized`. @throws as {@link setParamValuesByDict} */
  setParamsBySerialized(serialized: NetworkParamsSerialized, opts: SetParamValuesOptions = {}): void {
    this.setParamValuesByDict(serialized.valuesDict, opts);
    this.setGlobalTrainStep(serialized.globalTrainStep);
  }
  /** Seed `set_global_train_step`. @throws NetworkArgumentError unless a non-negative integer. */
  setGlobalTrainStep(step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new NetworkArgumentError(`setGlobalTrainStep: the step must be a non-negative integer. Received: ${step}.`);
    this.hooks.globalTrainStep = step;
  }
  /** Seed `get_global_train_step`: the number of training steps taken (set by the trainer or a checkpoint). */
  getGlobalTrainStep(): number {
    return this.hooks.globalTrainStep;
  }
  /** Seed `save_params_to_file`: `save` of @strata/savers (atomic safetensors), with the metadata `global_train_step`. */
  async saveParamsToFile(filename: string): Promise<void> {
    await save({ variables: this.getSaveableParamsList() }, filename, { metadata: { global_train_step: String(this.hooks.globalTrainStep) } });
  }
  /** Seed `load_params_from_file`: `load` of @strata/savers (format from the content, all or nothing); restores the global train step. */
  async loadParamsFromFile(filename: string): Promise<void> {
    const { metadata } = await load({ variables: this.getSaveableParamsList() }, filename);
    if (metadata.global_train_step !== undefined) this.setGlobalTrainStep(Number(metadata.global_train_step));
  }
}
