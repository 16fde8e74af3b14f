import { ops, type Tensor } from '@strata/backend';
import { type CallContext, Data, Dim, Layer, type SymbolicShape } from '@strata/core';
import { z } from 'zod';
import { NetDictError } from '../errors.js';
import { constructLayer } from './construct.js';
import type { LayerGraph } from './graph.js';
import type { EvalEnv, EvalResult, LayerCreateContext, LayerOutput, NetDictNode } from './net-dict-node.js';
import { registerNetDictClass } from './registry.js';
import type { LayerDescription } from './schema.js';

/** The keys of a `cond` entry naming its parts, in RETURNN's order. */
export const COND_KEYS = ['condition', 'true_layer', 'false_layer'] as const;
type CondKey = (typeof COND_KEYS)[number];

/** One part of a `cond`: a layer name (resolved like `from`) or a layer dict built in the cond's network. */
interface CondPart {
  /** The ref-source index (a layer name), or the hidden node (a layer dict). */
  ref: { kind: 'source'; index: number } | { kind: 'node'; node: NetDictNode };
  data: Data;
}

/**
 * RETURNN's `CondLayer` (`class: "cond"`, returnn/tf/layers/basic.py):
 * `condition`, `true_layer` and `false_layer` are each a layer name or a
 * layer dict; the output is the true layer's output where the scalar bool
 * condition holds, else the false layer's.
 *
 * RETURNN runs `tf.cond`, which computes only the taken branch. Strata's
 * graph backend (onnxruntime) compiles one graph per model and cannot branch
 * on a value in JavaScript, so Strata computes **both** branches on every
 * backend and selects with `where` (a scalar bool broadcast over the output).
 * The value is the same; so is the gradient: `where` passes the output's
 * gradient to the taken branch and zeros to the other, whose params get a
 * zero gradient, as `tf.cond` gives them (none). The one difference is a
 * non-taken branch whose backward turns a zero into NaN (e.g. `sqrt` at 0,
 * `0 * inf`), which tf.cond never runs; and both branches cost compute.
 *
 * A layer dict is built in the cond's own network (its `from` names resolve
 * there, `prev:` and `base:` inside a rec unit too) as the hidden layer
 * `<name>(<key>)`, and its params take the cond's name as RETURNN names them
 * (`cond/W` for a plain layer, `cond/lin/W` for a sub-network's layer `lin`).
 *
 * Shapes: the output is the true layer's template (RETURNN takes its
 * `Data`); the false layer must give the same shape. The condition: a scalar
 * (no batch axis, no other axis) of dtype bool. When the branches' time axes
 * differ, the output's lengths are selected as the values are.
 *
 * Sub-layers of the branches (RETURNN's `_extra_out`) are not exposed.
 */
export class Cond extends Layer {
  static override readonly className: string = 'Cond';
  private readonly parts: Record<CondKey, CondPart>;
  /** The output's time Dim when it is not the true layer's (the branches' time axes differ). */
  private readonly ownTime: Dim | undefined;

  /** @throws NetDictError for a condition that is not a scalar bool, or branches of different shapes. */
  constructor(c: LayerCreateContext) {
    super({ name: c.name });
    const graph = (c.network as { graph: LayerGraph }).graph;
    const named = COND_KEYS.filter((k) => typeof c.entry[k] === 'string');
    const nFrom = c.sources.length - named.length;
    const parts = {} as Record<CondKey, CondPart>;
    for (const k of COND_KEYS) {
      const v = c.entry[k];
      if (typeof v === 'string') {
        const index = nFrom + named.indexOf(k);
        parts[k] = { ref: { kind: 'source', index }, data: c.sources[index]! };
      } else {
        const node = partNode(graph, c.name, k, v as LayerDescription, this);
        parts[k] = { ref: { kind: 'node', node }, data: node.output };
      }
    }
    const cond = parts.condition.data;
    if (cond.hasBatch || cond.dims.length > 0 || cond.dtype !== 'bool') {
      throw new NetDictError(
        `Layer '${c.name}' (class 'cond'): "condition" must be a scalar bool (no batch or other axis), as RETURNN's tf.cond takes; it is ${cond}. ` +
          `Reduce it to a scalar first, e.g. {"class": "reduce", "mode": "max", "axes": ["B", "T", "F"]} and {"class": "compare", ...}, or use "switch" for a condition per position.`,
      );
    }
    const t = parts.true_layer.data;
    const f = parts.false_layer.data;
    const same = t.batchShape.length === f.batchShape.length && t.batchShape.every((d, i) => d === f.batchShape[i]) && t.dtype === f.dtype && t.hasBatch === f.hasBatch;
    if (!same) {
      throw new NetDictError(
        `Layer '${c.name}' (class 'cond'): "true_layer" gives ${t} and "false_layer" gives ${f}. Strata computes both branches and selects one with where, so both must give the same shape and dtype.`,
      );
    }
    this.parts = parts;
    this.ownTime = t.timeDim && t.timeDim !== f.timeDim ? new Dim({ description: `${c.name}:time`, derivedFrom: t.timeDim }) : undefined;
  }

  /** The output template: the true layer's, named after the cond (with a time Dim of its own when the branches' differ). */
  outputTemplate(name: string): Data {
    const t = this.parts.true_layer.data;
    return t.copy({ name, dims: this.ownTime ? t.dims.map((d) => (d === t.timeDim ? this.ownTime! : d)) : t.dims });
  }

  override computeOutputShape(_inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.parts.true_layer.data.batchShape;
  }

  override build(_inputShape: SymbolicShape | SymbolicShape[]): void {
    // The branches' layers are built as nodes of the cond's network.
  }

  override call(_inputs: Tensor | Tensor[], _ctx: CallContext): Tensor {
    throw new NetDictError(`Cond layer '${this.name}' runs inside a net dict's forward pass, not through apply().`);
  }

  private partOutput(env: EvalEnv, k: CondKey): LayerOutput {
    const { ref } = this.parts[k];
    const out = ref.kind === 'source' ? env.sources[ref.index] : env.outs.get(ref.node.name);
    if (!out) throw new NetDictError(`Cond layer '${this.name}': its ${k} has no output yet in this forward pass.`);
    return out;
  }

  /** The selected branch's output: `where(condition, true, false)`. @throws NetDictError when the branches' shapes differ in this batch. */
  run(env: EvalEnv): EvalResult {
    const c = this.partOutput(env, 'condition').value;
    const t = this.partOutput(env, 'true_layer');
    const f = this.partOutput(env, 'false_layer');
    if (t.value.shape.join() !== f.value.shape.join()) {
      throw new NetDictError(
        `Cond layer '${this.name}': "true_layer" gives shape [${t.value.shape}] and "false_layer" [${f.value.shape}] in this batch; Strata selects one with where, so both must have the same shape.`,
      );
    }
    const value = ops.where(c, t.value, f.value);
    const logits = t.logits && f.logits ? ops.where(c, t.logits, f.logits) : undefined;
    const seqLens = this.ownTime ? selectLens(c, this.parts.true_layer.data, this.parts.false_layer.data) : undefined;
    return { value, ...(logits ? { logits } : {}), ...(seqLens ? { seqLens } : {}) };
  }
}

function selectLens(c: Tensor, t: Data, f: Data): Tensor | undefined {
  const tl = t.timeDim?.dynSize;
  const fl = f.timeDim?.dynSize;
  return tl && fl ? ops.where(c, tl, fl) : tl;
}

/**
 * Builds the layer dict of part `key` in the cond's network as the hidden
 * node `<name>(<key>)` (RETURNN: layer `<name>` of the extra net
 * `<name>(<key>)`), its params in the cond's scope (`<name>/W`).
 */
function partNode(graph: LayerGraph, name: string, key: CondKey, desc: LayerDescription, cond: Layer): NetDictNode {
  const hidden = `${name}(${key})`;
  const node = graph.nodes.get(hidden) ?? constructLayer(graph, { [hidden]: desc }, hidden);
  // RETURNN creates the part under the cond's own name: its params are `<cond>/W`, `<cond>/<sub-layer>/W`.
  Object.defineProperty(node.layer, 'scopeName', { configurable: true, get: () => cond.scopeName });
  return node;
}

const partSchema = z.union([z.string(), z.record(z.string(), z.unknown()).refine((d) => typeof d.class === 'string', { error: 'a layer dict needs a "class"' })], {
  error: 'must be a layer name or a layer dict such as {"class": "copy", "from": "x"}',
});

/** Registers the net-dict class `cond` ({@link Cond}). */
export function registerCondClass(): void {
  registerNetDictClass('cond', {
    sources: 'concat',
    optionalSources: true,
    acceptsSparse: true,
    refKeys: COND_KEYS,
    options: z.strictObject({ condition: partSchema, true_layer: partSchema, false_layer: partSchema }),
    create: (c) => new Cond(c),
    outputData: (c) => (c.layer as Cond).outputTemplate(c.name),
    evaluate: (env) => (env.node.layer as Cond).run(env),
  });
}
