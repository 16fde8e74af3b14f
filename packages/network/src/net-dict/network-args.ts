import type { Layer, LayerArgs } from '@strata/core';
import type { ExternData } from '../extern-data.js';
import type { NetDictNetwork } from './net-dict-network.js';

/** Options of {@link NetDictNetwork} (seed 003 `TFNetwork(config, extern_data, rnd_seed, train_flag, ...)`). */
export interface NetDictNetworkArgs extends LayerArgs {
  /** `extern_data` of the config, or an ExternData. Default: `config.extern_data`. */
  externData?: ExternData | Record<string, unknown>;
  /** The run config (seed `config`): read by {@link NetDictNetwork.getRunConfig}, and its `extern_data` if `externData` is absent. */
  config?: Readonly<Record<string, unknown>>;
  /** Seed `rnd_seed`: the seed of weight initialisation (same as `seed`). */
  rndSeed?: number;
  /**
   * Seed `train_flag`: `true`/`false` fix training or evaluation (dropout,
   * batch statistics) whatever the call context says; absent (default): dynamic,
   * each call's `CallContext.training` decides (the engine's train and eval steps).
   */
  trainFlag?: boolean;
  /** Seed `eval_flag`: whether steps compute the losses. Default true (forced true when `trainFlag` is true). */
  evalFlag?: boolean;
  /** Seed `search_flag`: rec layers with a `choice` run a beam search. Default: the parent network's, else false. */
  searchFlag?: boolean;
  /** Seed `parent_layer`: the layer this network is the sub-network of (a rec unit's rec layer). */
  parentLayer?: Layer;
  /** Seed `parent_net`: the network whose layers `base:` sources name. */
  parentNet?: NetDictNetwork;
  /** Seed `extra_parent_net`: this is an extra net of that network (see {@link NetDictNetwork.constructExtraNet}). */
  extraParentNet?: NetDictNetwork;
  /** Seed `is_inside_rec_layer`. Default: true inside a rec unit. */
  isInsideRecLayer?: boolean;
  /** Seed `absolute_name_prefix`: prefix of layer names in messages and loss names (`dec/`). */
  absoluteNamePrefix?: string;
  /**
   * For the unit of a recurrent layer: the enclosing network (resolves
   * `base:` sources) and a prefix for loss names (`output/` gives
   * `output/output_prob`, as RETURNN names them).
   */
  enclosing?: { network: NetDictNetwork; lossPrefix: string };
}

