import { ops, type Tensor } from '@strata/backend';
import { type CallContext, Data, Dim, Layer, type SymbolicShape } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { ExternData } from '../extern-data.js';
import { baseDataValue } from './base-data.js';
import type { LayerGraph } from './graph.js';
import type { EvalEnv, EvalResult, NetDictNode } from './net-dict-node.js';
import { NetDictNetwork } from './net-dict-network.js';
import { registerNetDictClass } from './registry.js';
import { runGraph } from './run-graph.js';
import type { NetDict } from './schema.js';
import type { HasSubLayers } from './sub-layer.js';

/** Arguments of {@link Subnetwork}. */
export interface SubnetworkArgs {
  /** The layer's name: its layers' weights are `<network>/<name>/<sub-layer>/...` (RETURNN: `<name>/<sub-layer>/W`). */
  name: string;
  /** The `subnetwork` net dict; it needs a layer `output`. */
  subnetwork: NetDict;
  /** The enclosing network (`base:` sources, extern data). */
  parent: NetDictNetwork;
  /** Templates of the layer's `from` sources: inside, `data` (or `data:data`) is them concatenated on the feature axis. */
  sources: Data[];
}

/**
 * RETURNN's `SubnetworkLayer` (`class: "subnetwork"`, returnn/tf/layers/basic.py):
 * a net dict run as one layer. Inside, `data` (`data:data`) is the layer's
 * `from` sources concatenated on the feature axis (`concat_sources=True`,
 * RETURNN's default), other `data:<key>` the network's extern data, and
 * `base:<layer>` a layer of the enclosing network. Its output is the
 * sub-network's `output` layer; `<name>/<layer>` from outside is any of its
 * layers (RETURNN's `get_sub_layer`). The layers' weights are named
 * `<name>/<layer>/<weight>` as RETURNN names its params.
 *
 * Shapes: whatever the sub-network gives; the time axis of `data` is the
 * sources' own, so lengths pass through.
 */
export class Subnetwork extends Layer implements HasSubLayers {
  static override readonly className: string = 'Subnetwork';
  /** The sub-network (RETURNN's `subnetwork`): its layers, tracked by this layer. */
  readonly net: NetDictNetwork;
  private readonly subNodes = new Map<string, NetDictNode>();

  /** @throws NetDictError when the dict has no layer `output`, or for any of its entries' errors. */
  constructor(args: SubnetworkArgs) {
    const ext = new ExternData();
    for (const key of args.parent.externData.keys) ext.registerData(args.parent.externData.getData(key));
    if (args.sources.length > 0) {
      const first = args.sources[0]!;
      const feature = args.sources.reduce((n, s) => n + (s.dim ?? 0), 0);
      // RETURNN's concat_sources template: the sources' axes (their Dims: the time axis stays the sources'), a new feature axis of the summed size.
      const joined = new Dim({ description: 'data:feature', size: feature, kind: 'feature' });
      const data = args.sources.length === 1 ? first.copy({ name: 'data' }) : first.copy({ name: 'data', dims: [...first.dims.slice(0, -1), joined] });
      ext.registerData(data, { replace: true });
      ext.defaultInput = 'data';
    }
    ext.defaultTarget = args.parent.externData.defaultTarget;
    super({ name: args.name });
    const parentGraph = args.parent.graph;
    this.net = this.untracked(
      new NetDictNetwork({ name: args.name, externData: ext, enclosing: { network: args.parent, lossPrefix: `${args.name}/` }, isInsideRecLayer: parentGraph.insideRec, owner: this }),
    );
    if (!('output' in (args.subnetwork as object))) {
      throw new NetDictError(`The "subnetwork" of layer '${args.name}' needs a layer named "output" (the layer's output). Layers: ${Object.keys(args.subnetwork).join(', ')}.`);
    }
    this.net.constructFromDict(args.subnetwork);
  }

  /** The sub-network's graph. */
  get graph(): LayerGraph {
    return this.net.graph;
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [null, ...this.graph.node('output').output.shape];
  }

  override build(_inputShape: SymbolicShape | SymbolicShape[]): void {
    // Built when constructed from its dict.
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`Subnetwork layer '${this.name}' runs inside a net dict's forward pass, not through apply().`);
  }

  /** The losses inside the sub-network (nested ones too), as nodes of the enclosing network named `<name>/<layer>` (RETURNN's `sub/loss`); their outputs are set by {@link Subnetwork.run}. */
  unitLossNodes(): NetDictNode[] {
    return this.graph.lossNodes('all').map((n) => ({ ...n, name: `${this.name}/${n.name}` }));
  }

  /** The layers of the sub-network read as `prev:<layer>` (inside a rec unit). */
  innerPrevRefs(): string[] {
    return [...new Set([...this.graph.nodes.values()].flatMap((n) => n.sources.flatMap((s) => (s.kind === 'prev' ? [s.name] : []))))];
  }

  /** The enclosing rec unit's layers read as `base:prev:<layer>` in the sub-network. */
  basePrevRefs(): string[] {
    return [...new Set([...this.graph.nodes.values()].flatMap((n) => n.sources.flatMap((s) => (s.kind === 'base' && s.name.startsWith('prev:') ? [s.name.slice(5)] : []))))];
  }

  /** Layer `sub` of the sub-network, named `<name>/<sub>` outside. See `HasSubLayers`. */
  subLayerNode(sub: string): NetDictNode | undefined {
    const n = this.graph.nodes.get(sub);
    if (!n) return undefined;
    let node = this.subNodes.get(sub);
    if (!node) {
      const name = `${this.name}/${sub}`;
      node = { ...n, name, lossHolder: undefined, output: n.output.copy({ name }) };
      this.subNodes.set(sub, node);
    }
    return node;
  }

  /** Runs the sub-network on the sources (concatenated) and the enclosing network's outputs; sets `<name>/<layer>` in `env.outs` for every layer. */
  run(env: EvalEnv): EvalResult {
    const inputs: Record<string, Tensor> = { ...env.inputs };
    if (env.sources.length > 0) {
      const xs = env.sources.map((s) => s.value);
      inputs.data = xs.length === 1 ? xs[0]! : ops.concat(xs, -1);
      env.node.sourceData[0]!.dims.forEach((d, i) => {
        if (d.isDynamic && d.dynSize) inputs[`data:size${i + 1}`] = d.dynSize;
        else delete inputs[`data:size${i + 1}`];
      });
    }
    for (const n of this.graph.nodes.values()) {
      for (const s of n.sources) {
        // Inside a rec unit: `prev:<layer>` of the subnetwork's own layer, kept by the unit as `prev:<subnetwork>/<layer>`.
        if (s.kind === 'prev' && env.inputs[`prev:${this.name}/${s.name}`]) inputs[`prev:${s.name}`] = env.inputs[`prev:${this.name}/${s.name}`]!;
        if (s.kind !== 'base') continue;
        const data = baseDataValue(s.name, env.inputs) ?? (s.name.startsWith('prev:') ? env.inputs[s.name] : undefined);
        const o = data ? { value: data } : env.outs.get(s.name);
        if (!o) throw new NetDictError(`Subnetwork layer '${this.name}': base layer '${s.name}' has no output yet.`);
        inputs[`base:${s.name}`] = o.value;
      }
    }
    // Inside a rec unit: the frame state of its layers (a cell's `state:<layer>:<i>`), kept by the unit as `state:<subnetwork>/<layer>:<i>`.
    const own = `state:${this.name}/`;
    for (const [key, v] of Object.entries(env.inputs)) if (key.startsWith(own) && v) inputs[`state:${key.slice(own.length)}`] = v;
    const outs = runGraph(this.graph, inputs, env.ctx);
    for (const [name, o] of outs) {
      if (this.graph.nodes.has(name)) env.outs.set(`${this.name}/${name}`, o);
      else if (name.startsWith('state:')) env.outs.set(`${own}${name.slice(6)}`, o);
    }
    const out = outs.get('output')!;
    return { value: out.value, logits: out.logits };
  }
}

/** Registers the net-dict class `subnetwork` ({@link Subnetwork}). */
export function registerSubnetworkClass(): void {
  registerNetDictClass('subnetwork', {
    sources: 'concat',
    optionalSources: true,
    acceptsSparse: true,
    options: z.strictObject({
      subnetwork: z.record(z.string(), z.unknown(), { error: 'must be a net dict (an object of layer entries) with a layer "output"' }),
      concat_sources: z.literal(true, { error: 'only true (the default) is supported: the sources are "data" inside, concatenated' }).optional(),
    }),
    create: (c) => new Subnetwork({ name: c.name, subnetwork: c.entry.subnetwork as NetDict, parent: c.network as NetDictNetwork, sources: c.sources }),
    outputData: (c) => (c.layer as Subnetwork).graph.node('output').output.copy({ name: c.name }),
    evaluate: (env) => (env.node.layer as Subnetwork).run(env),
  });
}
