import type { Tensor } from '@strata/backend';
import type { Layer } from '@strata/core';
import { LayerNotFoundError } from '../errors.js';
import type { ExternData } from '../extern-data.js';
import type { NetDictNode } from './net-dict-node.js';
import type { NetDict } from './schema.js';
import { splitSubLayerRef, subLayersOf } from './sub-layer.js';

/** The state of the current frame of a running rec unit (seed 003 `set_rec_step_info`). */
export interface RecStepInfo {
  /** The frame index (seed `i`). */
  i: number;
  /** bool `[batch]`: the sequence has ended (seed `end_flag`), when known. */
  endFlag?: Tensor;
  /** int32 `[batch]`: the sequence lengths (seed `seq_lens`), when known. */
  seqLens?: Tensor;
}

/** Options of {@link LayerGraph}. */
export interface LayerGraphOptions {
  /** The network this graph is the graph of (a `NetDictNetwork`): what layer classes see as `ctx.network`. */
  network: { readonly name: string };
  /** For messages (`network`, a rec layer's name). */
  name: string;
  externData: ExternData;
  /** The layer that tracks the graph's layers: their variables are `<owner scope>/<entry>/<weight>`. */
  owner: Layer;
  /** A rec unit's enclosing graph and the prefix of its loss names (`output/`). */
  enclosing?: { graph: LayerGraph; lossPrefix: string };
  /** The graph an extra net is made next to (seed `extra_parent_net`). */
  extraParent?: LayerGraph;
  /** Seed `train_flag`: fixed training/evaluation; absent: each call's context decides. */
  trainFlag?: boolean;
  /** Seed `eval_flag`. Default true (true when `trainFlag` is true). */
  evalFlag?: boolean;
  /** Seed `search_flag`. Default false. */
  searchFlag?: boolean;
  /** Seed `is_inside_rec_layer`. Default: true in a rec unit. */
  insideRec?: boolean;
  /** Seed `absolute_name_prefix` (`output/` in rec unit `output`, `extra.search:` in an extra net). */
  absoluteNamePrefix?: string;
  /** RETURNN's `behavior_version` (see {@link NetDictNetworkArgs.behaviorVersion}). Default: the enclosing graph's, else 0. */
  behaviorVersion?: number;
}

/**
 * A net dict as ordinary layers wired in a graph: each node is a layer with
 * its sources (`from`), its output {@link Data} template and its loss. The
 * net-dict builder (`construct.ts`) fills it in dependency order; a forward
 * pass (`forward.ts`) runs the nodes in that order. It holds what one net
 * dict needs while it is built and run (the entries, the flags, the extra
 * nets, a rec unit's frame); the layers themselves are tracked by `owner`
 * (the NetDictNetwork, or a rec layer for its unit), so their variables are
 * named and saved as every layer's.
 */
export class LayerGraph {
  readonly network: { readonly name: string };
  readonly name: string;
  readonly externData: ExternData;
  readonly owner: Layer;
  /** The constructed layers, in construction (dependency) order. */
  readonly nodes = new Map<string, NetDictNode>();
  /** The net dict being constructed (entries added by `addLayer` included). */
  netDict: NetDict = {};
  /** Names of the layers under construction (dependency-loop detection). */
  readonly constructing: string[] = [];
  /** Extra nets by prefix (`search` for `extra.search:`), on the base graph. */
  readonly extraNets = new Map<string, LayerGraph>();
  readonly enclosing: LayerGraphOptions['enclosing'];
  readonly extraParent: LayerGraph | undefined;
  readonly trainFlag: boolean | undefined;
  readonly evalFlag: boolean;
  readonly searchFlag: boolean;
  readonly insideRec: boolean;
  readonly absoluteNamePrefix: string;
  /** RETURNN's `behavior_version` the layers' defaults follow (0 when unset, RETURNN's default). */
  readonly behaviorVersion: number;
  /** The running frame of a rec unit (seed `get_rec_step_info`). */
  recStepInfo: RecStepInfo | undefined;
  /** Extern-data keys layers asked for (seed `get_extern_data(mark_data_key_as_used)`). */
  readonly markedDataKeys = new Set<string>();
  /** Keys marked by the network itself (`seq_tag`), left out of `usedDataKeys` by default. */
  readonly extraAddedKeys = new Set<string>();
  /** Extern-data keys registered by a layer's `register_as_extern_data`: key → layer name. */
  readonly registeredExternData = new Map<string, string>();
  /** An extra graph's own layers (the others are its base's); `depLayersInExtra`: also layers first needed by them. */
  readonly extraOwned = new Set<string>();
  depLayersInExtra = false;
  /** Layers constructed on request (`constructLayer`, `addLayer`): params, as in RETURNN, needed or not. */
  readonly explicitLayers = new Set<string>();
  /**
   * Entries RETURNN would not construct whose construction failed (`constructFromDict` goes on without them): name →
   * the error. A later request for one ({@link node}, `constructLayer`) throws that error.
   */
  readonly unconstructed = new Map<string, Error>();
  private readonly layersByName = new Map<string, Layer>();

  constructor(o: LayerGraphOptions) {
    this.network = o.network;
    this.name = o.name;
    this.externData = o.externData;
    this.owner = o.owner;
    this.enclosing = o.enclosing;
    this.extraParent = o.extraParent;
    const up = this.parent ?? this.extraParent;
    this.trainFlag = o.trainFlag ?? up?.trainFlag;
    this.evalFlag = this.trainFlag === true ? true : (o.evalFlag ?? up?.evalFlag ?? true);
    this.searchFlag = o.searchFlag ?? up?.searchFlag ?? false;
    this.insideRec = o.insideRec ?? (o.enclosing !== undefined || (this.parent?.insideRec ?? false));
    this.behaviorVersion = o.behaviorVersion ?? up?.behaviorVersion ?? 0;
    this.absoluteNamePrefix = o.absoluteNamePrefix ?? (o.enclosing ? `${o.enclosing.graph.absoluteNamePrefix}${o.enclosing.lossPrefix}` : '');
  }

  /** The graph `base:` sources resolve in: a rec unit's enclosing graph (seed `parent_net`). */
  get parent(): LayerGraph | undefined {
    return this.enclosing?.graph;
  }
  /** The graph whose layers this one shares: an extra net's base, else itself. */
  get base(): LayerGraph {
    return this.extraParent ?? this;
  }
  /** The outermost graph (through enclosing and extra-parent graphs). */
  get root(): LayerGraph {
    const up = this.parent ?? this.extraParent;
    return up ? up.root : this;
  }
  /** Prefix of this graph's loss names (`dec/` in rec unit `dec`, `extra.search:`). */
  get lossPrefix(): string {
    return this.enclosing?.lossPrefix ?? (this.extraParent ? this.absoluteNamePrefix : '');
  }

  /** Whether this graph creates layer `name` itself (an extra graph takes the others from its base). */
  ownsLayer(name: string): boolean {
    const base = this.extraParent;
    return !base || this.extraOwned.has(name) || this.nodes.has(name) || (this.depLayersInExtra && !base.nodes.has(name));
  }
  /** The layer object created for `name` by this graph or one of its extra graphs (one object, shared weights). */
  sharedLayer(name: string): Layer | undefined {
    return this.base.layersByName.get(name);
  }
  shareLayer(name: string, layer: Layer): void {
    this.base.layersByName.set(name, layer);
  }

  /**
   * The node of a layer (seed `get_layer`): `name`, `base:<name>` in the
   * enclosing graph, `extra.<prefix>:<name>` in an extra net.
   * @throws LayerNotFoundError listing the layers.
   */
  node(name: string): NetDictNode {
    if (name.startsWith('base:')) {
      if (!this.parent) throw new LayerNotFoundError(`Network '${this.name}' has no parent network, so '${name}' names nothing. "base:" works inside a rec unit.`);
      return this.parent.node(name.slice(5));
    }
    const extra = /^extra\.([^:]+):(.+)$/.exec(name);
    if (extra) {
      const en = this.base.extraNets.get(extra[1]!);
      if (!en) throw new LayerNotFoundError(`Network '${this.name}' has no extra net '${extra[1]}' for '${name}'. Extra nets: ${[...this.base.extraNets.keys()].join(', ') || 'none'}.`);
      return en.node(extra[2]!);
    }
    const n = this.nodes.get(name) ?? (this.extraParent && !this.ownsLayer(name) ? this.extraParent.nodes.get(name) : undefined) ?? this.subLayerNode(name);
    if (!n && this.unconstructed.has(name)) throw this.unconstructed.get(name)!;
    if (!n) throw new LayerNotFoundError(`No layer '${name}' in network '${this.name}'. Layers: ${[...this.nodes.keys()].join(', ')}.`);
    return n;
  }

  /** The node of a sub-layer reference `<layer>/<sub>` of a constructed layer (see `HasSubLayers`), or undefined. */
  subLayerNode(ref: string): NetDictNode | undefined {
    const split = splitSubLayerRef(ref);
    const owner = split && this.nodes.get(split[0]);
    return owner ? (subLayersOf(owner.layer)?.subLayerNode(split[1]) ?? owner.cls.subLayerNode?.(owner, split[1])) : undefined;
  }

  /** The output layers (`output`, or `is_output_layer`), in construction order. */
  outputNodes(): NetDictNode[] {
    return [...this.nodes.values()].filter((n) => n.isOutputLayer);
  }
  /** `output` if present, else the only output layer, else the first, else undefined (seed `get_default_output_layer_name`). */
  defaultOutputName(): string | undefined {
    const outs = this.outputNodes();
    return this.nodes.has('output') ? 'output' : outs[0]?.name;
  }

  /**
   * Nodes with a loss, including the losses inside recurrent units (named
   * `<rec>/<layer>`) and of extra nets (`extra.search:<layer>`). `train`:
   * without `only_on_eval` layers; `eval`: without layers meaningful only
   * under search (`decide`).
   */
  lossNodes(mode: 'all' | 'train' | 'eval' = 'all'): NetDictNode[] {
    const all = [...this.nodes.values()].flatMap((n) => [
      ...(n.lossHolder ? [n] : []),
      ...((n.layer as { unitLossNodes?: () => NetDictNode[] }).unitLossNodes?.() ?? []),
    ]);
    for (const [prefix, extra] of this.extraNets) all.push(...extra.lossNodes('all').map((n) => ({ ...n, name: `extra.${prefix}:${n.name}` })));
    if (mode === 'train') return all.filter((n) => !n.entry.only_on_eval);
    if (mode === 'eval') return all.filter((n) => !n.cls.searchOnly);
    return all;
  }

  /** Extern-data keys layers read (the inputs of inference; loss targets left out). */
  inputKeys(): string[] {
    const keys = new Set<string>();
    for (const n of this.nodes.values()) for (const s of n.sources) if (s.kind === 'data') keys.add(s.key);
    return [...keys];
  }
  /** Extern-data keys the graph reads: inputs, loss targets, keys marked as used; `excludeExtraAdded` (default true) leaves out `seq_tag`. */
  usedDataKeys(excludeExtraAdded = true): string[] {
    const keys = new Set<string>(this.inputKeys());
    for (const n of this.nodes.values()) if (n.target) keys.add(n.target);
    for (const k of this.markedDataKeys) if (!(excludeExtraAdded && this.extraAddedKeys.has(k))) keys.add(k);
    return [...keys];
  }
}
