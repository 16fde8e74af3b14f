import type { Layer, LayerArgs } from '@strata/core';
import { NetworkArgumentError } from '../errors.js';
import type { ExternData } from '../extern-data.js';
import type { LayerGraph } from './graph.js';

/** A net-dict network as its options refer to one (NetDictNetwork, without importing it). */
export type NetDictNetworkRef = Layer & { readonly graph: LayerGraph };

/** Options of `NetDictNetwork` (seed 003 `TFNetwork(config, extern_data, rnd_seed, train_flag, ...)`). */
export interface NetDictNetworkArgs extends LayerArgs {
  /** `extern_data` of the config, or an ExternData. Default: `config.extern_data`. */
  externData?: ExternData | Record<string, unknown>;
  /** The run config (seed `config`): read by `getRunConfig`, and its `extern_data` if `externData` is absent. */
  config?: Readonly<Record<string, unknown>>;
  /** Seed `rnd_seed`: the seed of weight initialisation (same as `seed`). */
  rndSeed?: number;
  /** Seed `train_flag`: `true`/`false` fix training or evaluation whatever the call context says; absent (default): each call's `ctx.training` decides. */
  trainFlag?: boolean;
  /** Seed `eval_flag`: whether steps compute the losses. Default true (forced true when `trainFlag` is true). */
  evalFlag?: boolean;
  /** Seed `search_flag`: rec layers with a `choice` run a beam search. Default: the parent network's, else false. */
  searchFlag?: boolean;
  /** Seed `parent_layer`: the layer this network is the sub-network of (a rec unit's rec layer). Default: `owner`. */
  parentLayer?: Layer;
  /** Seed `parent_net`: the network whose layers `base:` sources name; same as `enclosing.network`. */
  parentNet?: NetDictNetworkRef;
  /** Seed `extra_parent_net`: this network's layers are made next to that network's (see `constructExtraNet`). */
  extraParentNet?: NetDictNetworkRef;
  /** Seed `is_inside_rec_layer`. Default: true inside a rec unit. */
  isInsideRecLayer?: boolean;
  /** Seed `absolute_name_prefix`: prefix of layer names in messages and loss names (`dec/`). */
  absoluteNamePrefix?: string;
  /** For the unit of a rec layer: the enclosing network (`base:` sources) and a prefix for loss names (`output/`). */
  enclosing?: { network: NetDictNetworkRef; lossPrefix: string };
  /** The layer that tracks this network's layers (a rec unit's rec layer). Default: the network itself. */
  owner?: Layer;
  /**
   * RETURNN's `behavior_version` (RETURNN `BehaviorVersion`, set from the
   * config): the defaults of layer keys that changed between versions follow
   * it, e.g. `conv`'s `with_bias` (false before 10) and `batch_norm`'s
   * `momentum`/`param_version` (0.99/0 before 12, 0.1/2 from 12). Default:
   * `config.behavior_version`, else the enclosing network's, else 0 (RETURNN's
   * value when the config does not set it). A non-negative integer.
   */
  behaviorVersion?: number;
}

/**
 * The `behavior_version` a network's layers follow: `args.behaviorVersion`,
 * else `args.config.behavior_version`, else undefined (the enclosing
 * network's, else 0).
 * @throws NetworkArgumentError if it is not a non-negative integer.
 */
export function behaviorVersionOf(args: NetDictNetworkArgs): number | undefined {
  const [v, where] = args.behaviorVersion !== undefined ? [args.behaviorVersion, 'behaviorVersion'] : [args.config?.behavior_version, 'config behavior_version'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new NetworkArgumentError(`${where} must be a non-negative integer (RETURNN's BehaviorVersion). Received: ${JSON.stringify(v)}.`);
  }
  return v;
}
