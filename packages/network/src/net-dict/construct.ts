import { Data, Dim, type SymbolicShape } from '@strata/core';
import { L2, LossHolder } from '@strata/losses';
import { z } from 'zod';
import { CannotHandleUndefinedSourcesError, LayerNotFoundError, NetDictError, NetworkArgumentError, NetworkConstructionDependencyLoopError } from '../errors.js';
import { baseDataKey, baseDataTemplate } from './base-data.js';
import { attachLayerBatchNorm } from './layer-batch-norm.js';
import { applyParamScope, reuseDependencies } from './param-scope.js';
import { extraKey, extraOverrides, isOverridden, markOverridden, trackOverridden } from './extra-overrides.js';
import { type ExtraNetOptions, extraNetIdentity } from './extra-net.js';
import { LayerGraph } from './graph.js';
import type { NetDictNode, SourceRef } from './net-dict-node.js';
import { checkLossTarget, lossNeedsTarget } from './loss-target.js';
import { inputShapeFor, outputTemplate } from './layer-io.js';
import { checkOutShape } from './out-shape.js';
import { checkOutShapeDims, dimOptions, withoutDimKeys } from './dim-options.js';
import { checkNOut } from './n-out.js';
import { asEntryError, entryError, externDataOf, lossOf, sourceChain } from './entry-parts.js';
import { withCurrentNetwork } from './network-stack.js';
import { fromNames, parseSource } from './source-refs.js';
import { splitSubLayerRef } from './sub-layer.js';
import { drySubLayer } from './dry-sub-layer.js';
import { checkPrevTemplate, type DryOutput, inferPrevTemplate } from './prev-template.js';
import { registerAsExternData, registeredKey, registeringFirst } from './register-extern-data.js';
import { getNetDictClass, type NetDictLayerClass } from './registry.js';
import { withFirstTargets } from './target-list.js';
import { explicitSingleSteps } from './rec-single-step.js';
import { isReturnnRoot } from './returnn-constructed.js';
import { withSingleAxisReduces } from './reduce-axes.js';

/** The entries as construction reads them: a list `target` as its first ({@link withFirstTargets}), a cell rec's explicit single step as `rnn_cell` ({@link explicitSingleSteps}). */
const normalized = (d: NetDict): NetDict => explicitSingleSteps(withFirstTargets(d));
import { COMMON_KEYS, commonEntrySchema, type LayerDescription, type NetDict, parseEntry } from './schema.js';

/**
 * Hooks of {@link NetDictNetwork.constructLayer} (seed 003 `construct_layer(net_dict, name, get_layer, add_layer, check_existing)`).
 */
export interface ConstructLayerHooks {
  /**
   * Returns the node of a source layer, constructing it if needed. Default:
   * `constructLayer` with the same hooks. Called once per `from` (and class
   * key such as `base`) naming a layer of this network.
   */
  getLayer?: (name: string) => NetDictNode;
  /** Creates and registers the node once its sources exist. Default: {@link NetDictNetwork.addLayer}. */
  addLayer?: (name: string, layerClass: NetDictLayerClass, desc: LayerDescription) => NetDictNode;
  /** Return an existing node of that name instead of constructing (default true). */
  checkExisting?: boolean;
}

/** Construction order of every node (across networks): `getSearchChoices` returns the latest of several. */
export const nodeOrder = new WeakMap<NetDictNode, number>();
let nextOrder = 0;

/** The entry parsed with the common and the class's own schema, its class, and its sources. */
function describe(net: LayerGraph, name: string, raw: unknown, cls: NetDictLayerClass) {
  const entry = parseEntry(commonEntrySchema, raw, name);
  const ownKeys = Object.fromEntries(Object.entries(raw as object).filter(([k]) => !COMMON_KEYS.has(k)));
  const own = parseEntry(cls.options ?? z.strictObject({}), ownKeys, name) as Record<string, unknown>;
  const fromList = fromNames(entry.from === undefined ? (cls.sources === 'none' ? [] : ['data']) : Array.isArray(entry.from) ? entry.from : [entry.from], name, cls);
  const sources = fromList.map((r) => parseSource(net, r, name));
  if (sources.length === 0 && cls.sources !== 'none' && !cls.optionalSources) {
    throw new CannotHandleUndefinedSourcesError({ layerName: name, layerDesc: raw as Record<string, unknown>, extendedInfo: `Network '${net.name}'.` });
  }
  for (const key of cls.refKeys ?? []) if (typeof own[key] === 'string') sources.push(parseSource(net, own[key], name));
  // Keys naming several layers (a list, or a dict in sorted key order as RETURNN sorts it) come after the single ones.
  for (const key of cls.refListKeys ?? []) {
    const v = own[key];
    const names = typeof v === 'string' ? [v] : Array.isArray(v) ? v : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => (v as Record<string, unknown>)[k]) : [];
    for (const r of names) if (typeof r === 'string') sources.push(parseSource(net, r, name));
  }
  return { entry, own, sources, nFrom: fromList.length };
}

/** The node `name` of `net`, constructed if needed; in an extra net, layers it does not own come from its parent net. */
export function getOrConstruct(net: LayerGraph, name: string, hooks: ConstructLayerHooks = {}): NetDictNode {
  const extraParent = net.extraParent;
  if (extraParent && !net.ownsLayer(name)) return getOrConstruct(extraParent, name);
  const sub = name in net.netDict ? undefined : splitSubLayerRef(name);
  if (sub) {
    getOrConstruct(net, sub[0], hooks);
    return net.node(name);
  }
  return net.nodes.get(name) ?? constructLayer(net, undefined, name, hooks);
}

/**
 * Seed `construct_layer`: constructs the sources of `name` first (through
 * `hooks.getLayer`), then adds the layer (through `hooks.addLayer`).
 */
export function constructLayer(net: LayerGraph, netDict: NetDict | undefined, name: string, hooks: ConstructLayerHooks = {}): NetDictNode {
  if (netDict && netDict !== net.netDict) net.netDict = { ...net.netDict, ...withSingleAxisReduces(normalized(netDict)) };
  const done = net.nodes.get(name);
  if (done && hooks.checkExisting !== false) return done;
  const stack = net.constructing;
  if (stack.includes(name)) throw new NetworkConstructionDependencyLoopError({ layerName: name, constructionStack: stack.slice(stack.indexOf(name)), networkName: net.name });
  const failed = net.unconstructed.get(name);
  if (failed && !(netDict && name in netDict)) throw failed;
  net.unconstructed.delete(name);
  const raw = net.netDict[name];
  if (raw === undefined) throw new LayerNotFoundError(`No layer '${name}' in the net dict of network '${net.name}'. Layers: ${Object.keys(net.netDict).join(', ')}.`);
  const cls = getNetDictClass(parseEntry(commonEntrySchema, withoutDimKeys(raw as Record<string, unknown>), name).class, name, raw as Record<string, unknown>);
  const { sources } = describe(net, name, withoutDimKeys(raw as Record<string, unknown>), cls);
  const getLayer = hooks.getLayer ?? ((n: string) => getOrConstruct(net, n, hooks));
  stack.push(name);
  try {
    for (const s of sources) {
      if (s.kind === 'layer') (s.name in net.netDict ? getLayer : (n: string) => getOrConstruct(net, n, hooks))(s.name);
      else if (s.kind === 'base' && baseDataKey(s.name) === undefined && !s.name.startsWith('prev:')) getOrConstruct(net.parent!, s.name);
      else if (s.kind === 'extra') extraNetLayer(net, s.net, s.name);
    }
    for (const r of reuseDependencies(raw as Record<string, unknown>, name)) constructReused(net, r);
    return (hooks.addLayer ?? ((n, c, d) => addLayer(net, n, c, d)))(name, cls, raw);
  } finally {
    stack.pop();
  }
}

/**
 * Seed `add_layer`: creates the layer of one entry (its sources are
 * constructed if they do not exist yet), computes its output template,
 * builds its weights and registers it. In a network with extra nets a layer
 * of the same name is created once and shared (same weights).
 *
 * @throws NetworkArgumentError if the network already has a layer `name`.
 */
export function addLayer(net: LayerGraph, name: string, layerClass: string | NetDictLayerClass, raw: LayerDescription): NetDictNode {
  if (net.nodes.has(name)) {
    throw new NetworkArgumentError(`Network '${net.name}' already has a layer '${name}'. Use another name, or getLayer('${name}') to use the existing one.`);
  }
  raw = normalized({ [name]: raw })[name]!;
  const cls = typeof layerClass === 'string' ? getNetDictClass(layerClass, name, raw as Record<string, unknown>) : layerClass;
  if (net.netDict[name] !== raw) net.netDict = { ...net.netDict, [name]: raw };
  const stack = net.constructing;
  const pushed = !stack.includes(name);
  if (pushed) stack.push(name);
  try {
    return createNode(net, name, cls, raw);
  } finally {
    if (pushed) stack.pop();
  }
}

function createNode(net: LayerGraph, name: string, cls: NetDictLayerClass, raw: LayerDescription): NetDictNode {
  // The sources first (from an entry without its Dims: a class's strict options schema does not know Dim keys it never sees).
  const described = describe(net, name, withoutDimKeys(raw as Record<string, unknown>), cls);
  let sourceData = described.sources.map((s) => templateOf(net, s, name));
  // RETURNN Dims (JSON form) in the options: read against the sources' axes (dim-options.ts).
  const dimOpts = dimOptions(name, raw as Record<string, unknown>, sourceData.slice(0, described.nFrom), (d) => externDataWithDim(net, d));
  const { entry, own, sources, nFrom } = dimOpts.entry === raw ? describe(net, name, raw, cls) : describe(net, name, dimOpts.entry, cls);
  // A Dim that became a reference (transposed_conv's out_spatial_dims naming an extern axis) adds a source.
  if (sources.length !== sourceData.length) sourceData = sources.map((s) => templateOf(net, s, name));
  // Sources named by class keys (`base`, `weights`) are not part of the layer's joined input: inputs of their own after it.
  const inputShape = inputShapeFor(name, entry.class, cls, sourceData.slice(0, nFrom), sourceData.slice(nFrom));
  // RETURNN's Loss.get_default_target: the default target only for losses that need one (not `as_is`).
  const target = entry.loss && lossNeedsTarget(entry.loss) ? (entry.target ?? net.externData.defaultTarget) : entry.target;
  const targetData =
    target === undefined
      ? undefined
      : externDataOf(net, target, entry.target === undefined ? `Layer '${name}' has a "loss" but no "target", so its target is the default '${target}', but` : `Layer '${name}' takes "target": ${JSON.stringify(target)}, but`);
  const own_ = isOverridden(net, name);
  const ctx = { name, entry: { ...entry, ...own }, sources: sourceData, target: targetData, network: net.network, behaviorVersion: net.behaviorVersion };
  const shared = own_ ? undefined : net.sharedLayer(name);
  const layer = shared ?? asEntryError(name, ctx.entry, () => cls.create(ctx));
  if (!shared) {
    applyParamScope(net, name, ctx.entry, layer);
    if (entry.trainable === false) layer.trainable = false;
    if (own_) trackOverridden(net, layer);
    else net.owner.trackLayer(layer);
    if (!own_) net.shareLayer(name, layer);
  }
  let outShape: SymbolicShape;
  try {
    outShape = layer.computeOutputShape(inputShape as SymbolicShape);
    if (!shared) layer.build(inputShape as SymbolicShape);
  } catch (e) {
    throw entryError(e, name, ctx.entry, `\n  sources: ${sourceData.map(String).join(', ')}`);
  }
  if (entry.L2 && !shared) {
    const l2 = new L2({ l2: entry.L2 });
    for (const w of layer.trainableWeights) layer.addLoss(() => l2.apply(w.value));
  }
  const template = asEntryError(name, ctx.entry, () => cls.outputData?.({ ...ctx, layer }) ?? outputTemplate(name, outShape, sourceData.slice(0, nFrom), layer));
  const output = ownTimeInExtraNet(net, shared, dimOpts.named(template), sourceData);
  if (!shared) attachLayerBatchNorm(net, name, ctx.entry, layer, output);
  // RETURNN's LayerBase.is_output_layer: `output`, or any layer with a loss, unless is_output_layer says otherwise.
  const isOutputLayer = entry.is_output_layer ?? (name === 'output' || !!entry.loss);
  const node: NetDictNode = { name, entry, cls, layer, sources, nFrom, sourceData, output, dropout: entry.dropout ?? 0, isOutputLayer };
  if (entry.loss && ((target !== undefined && targetData) || !lossNeedsTarget(entry.loss))) {
    if (targetData) checkLossTarget(name, output, targetData, entry.loss, () => sourceChain(net, sources.slice(0, nFrom)));
    node.target = target;
    // Named after the layer, as RETURNN does; loss_scale (if given) overrides loss_opts.scale.
    node.lossHolder = new LossHolder({
      name: `${net.lossPrefix}${name}`,
      layerName: `${net.lossPrefix}${name}`,
      loss: lossOf(name, entry.loss, entry.loss_opts),
      scale: entry.loss_scale,
    });
  }
  checkPrevTemplate(net, name, output);
  checkOutShape(name, entry as Record<string, unknown>, output);
  const registered = registeredKey(entry);
  if (registered !== undefined) registerAsExternData(net, name, registered, output);
  if (dimOpts.outShape) checkOutShapeDims(name, dimOpts.outShape, output);
  net.nodes.set(name, node);
  nodeOrder.set(node, nextOrder++);
  return node;
}

/**
 * The template of a source. `prev:x` is `x`'s own output; while `x` is still
 * being constructed (a recurrent dependency), from its entry (`n_out`, a
 * choice's target), else inferred from its sources as RETURNN's templates
 * are (see {@link inferPrevTemplate}); `base:x` is constructed in the
 * enclosing network, `extra.search:x` in the extra net.
 */
function templateOf(net: LayerGraph, s: SourceRef, owner: string): Data {
  if (s.kind === 'data') return externDataOf(net, s.key, `Layer '${owner}' reads "data:${s.key}", but`);
  if (s.kind === 'layer') return getOrConstruct(net, s.name).output;
  if (s.kind === 'base') {
    const key = baseDataKey(s.name);
    if (s.name.startsWith('prev:')) return templateOf(net.parent!, { kind: 'prev', name: s.name.slice(5) }, owner);
    return key === undefined ? getOrConstruct(net.parent!, s.name).output : baseDataTemplate(net, key, owner);
  }
  if (s.kind === 'extra') return extraNetLayer(net, s.net, s.name).output;
  const given = net.nodes.get(s.name)?.output ?? entryTemplate(net, s.name) ?? (net.constructing.includes(s.name) ? undefined : constructPrev(net, s.name)?.output);
  if (given) return given;
  const known = (r: SourceRef) => (r.kind === 'prev' ? entryTemplate(net, r.name) : r.kind === 'layer' ? undefined : templateOf(net, r, owner));
  lastDryFailure = undefined;
  const inferred = inferPrevTemplate(net, s.name, dryOutput, known);
  if (inferred) return inferred;
  const failed = lastDryFailure as DryFailure | undefined; // set by inferPrevTemplate's dry runs
  const why = failed ? ` (inferring it, layer '${failed.name}' failed: ${String(failed.error).slice(0, 300)})` : '';
  throw new NetDictError(`Layer '${s.name}' is used as "prev:${s.name}" in a recurrent dependency, and its shape cannot be inferred from its sources${why}: give it "n_out".`);
}

/** `data:<key>` of the extern data with a dynamic axis described `description` (a Dim that exists: RETURNN's `is_dim_known`), if any. */
function externDataWithDim(net: LayerGraph, description: string): string | undefined {
  const key = net.externData.keys.find((k) => net.externData.getData(k).dims.some((d) => d.isDynamic && d.description === description));
  return key === undefined ? undefined : `data:${key}`;
}

/** RETURNN's `ReuseParams.from_config_dict`: the reused layer first, unless that is a dependency loop (its params are then created by whichever layer is built first). */
function constructReused(net: LayerGraph, ref: string): void {
  let g = net;
  let name = ref;
  while (name.startsWith('base:') && g.parent) [g, name] = [g.parent, name.slice(5)];
  if (g.nodes.has(name) || !(name in g.netDict)) return;
  try {
    constructLayer(g, undefined, name);
  } catch (e) {
    if (!(e instanceof NetworkConstructionDependencyLoopError)) throw e;
  }
}

/** Constructs `prev:name`'s layer, or undefined when it depends on a layer under construction (a recurrent dependency). */
function constructPrev(net: LayerGraph, name: string) {
  try {
    return constructLayer(net, undefined, name);
  } catch (e) {
    if (e instanceof NetworkConstructionDependencyLoopError || (e instanceof NetDictError && e.message.includes('in a recurrent dependency'))) return undefined;
    throw e;
  }
}

/** The template the entry of `name` gives by itself: its `base:` initial_output layer's, a choice's target, or `n_out` features. */
function entryTemplate(net: LayerGraph, name: string): Data | undefined {
  const entry = net.netDict[name]!;
  // RETURNN _construct_template: with initial_output "base:<layer>" the template is that layer's ("we can trust the initial output").
  const init = (entry as { initial_output?: unknown }).initial_output;
  if (typeof init === 'string' && init.startsWith('base:') && net.parent) return getOrConstruct(net.parent, init.slice(5)).output.copy({ name });
  if (entry.class === 'choice') return net.externData.getData(entry.target ?? net.externData.defaultTarget).copy({ name });
  if (entry.n_out !== undefined) return new Data({ name, dims: [], dtype: 'float32' }).withShape(name, [checkNOut(entry.n_out, `Net dict entry '${name}' (class '${entry.class}')`)]);
  return undefined;
}

/** The last error of a dry run, named in the error of a `prev:` template that cannot be inferred. */
type DryFailure = { readonly name: string; readonly error: unknown };
let lastDryFailure: DryFailure | undefined;

/** See {@link DryOutput}: the layer is created (not tracked, not built) only to compute its output shape. */
const dryOutput: DryOutput = (net, name, resolve) => {
  const raw = net.netDict[name];
  if (raw === undefined) return drySubLayer(net, name, dryOutput, resolve);
  // A choice's template is its target's, whatever its sources (RETURNN's ChoiceLayer.get_out_data_from_opts).
  if ((raw as { class?: unknown } | undefined)?.class === 'choice') return entryTemplate(net, name);
  try {
    const cls = getNetDictClass(parseEntry(commonEntrySchema, withoutDimKeys(raw as Record<string, unknown>), name).class, name, raw as Record<string, unknown>);
    const { entry, own, sources, nFrom } = describe(net, name, raw, cls);
    const data = sources.map(resolve);
    const from = data.slice(0, nFrom).filter((d): d is Data => d !== undefined);
    // A class key's layer without a template yet is RETURNN's uninitialized _TemplateLayer: its dummy scalar float32 output.
    const refs = data.slice(nFrom).map((d) => d ?? new Data({ name: `${name}:dummy_initial_template_data`, dims: [], dtype: 'float32', hasBatch: false }));
    if (nFrom > 0 && from.length === 0) return undefined;
    const t = entry.target ?? (entry.loss ? net.externData.defaultTarget : undefined);
    const ctx = { name, entry: { ...entry, ...own }, sources: [...from, ...(refs as Data[])], target: t && net.externData.hasData(t) ? net.externData.getData(t) : undefined, network: net.network, behaviorVersion: net.behaviorVersion };
    const layer = cls.create(ctx);
    const outShape = layer.computeOutputShape(inputShapeFor(name, entry.class, cls, from, refs as Data[]) as SymbolicShape);
    return cls.outputData?.({ ...ctx, layer }) ?? outputTemplate(name, outShape, from, layer);
  } catch (error) {
    lastDryFailure = { name, error };
    return undefined;
  }
};

/**
 * Constructs every entry of `netDict` in `g` in dependency order (seed
 * `construct_from_dict`): unlike RETURNN (outputs, losses and what they
 * need), every entry, so that mistakes in any entry surface. An entry RETURNN
 * would not construct ({@link isReturnnRoot} is false; outside a rec unit)
 * whose construction fails does not fail the network, as RETURNN never sees
 * it: its error is kept in `g.unconstructed` and thrown when the entry is
 * asked for later. A failing entry RETURNN constructs throws at once.
 * @throws NetDictError for a malformed dict or entry, or a network without an output layer (except a rec unit).
 */
export function constructFromDict(g: LayerGraph, netDict: NetDict): void {
  if (typeof netDict !== 'object' || netDict === null || Array.isArray(netDict)) {
    throw new NetDictError(`The network must be an object of layer name -> entry. Received: ${JSON.stringify(netDict)}.`);
  }
  g.netDict = withSingleAxisReduces(normalized(netDict));
  withCurrentNetwork(g.network, () => {
    for (const name of registeringFirst(g.netDict)) {
      // `extra.<prefix>:<layer>` entries are that extra net's own layers (RETURNN), not layers of this network.
      const e = extraKey(name);
      if (e) extraNetLayer(g, e[0], e[1]);
      else if (g.nodes.has(name) || isReturnnRoot(g, name)) constructLayer(g, undefined, name);
      else {
        try {
          constructLayer(g, undefined, name);
        } catch (err) {
          if (!(err instanceof Error)) throw err;
          g.unconstructed.set(name, err);
        }
      }
    }
  });
  if (g.outputNodes().length === 0 && !g.enclosing) {
    throw new NetDictError(`The net dict has no output layer: name one layer "output" or set "is_output_layer": true.`);
  }
}

/**
 * Seed `construct_extra_net`: an extra graph with other flags next to `g`
 * (on its base graph, one per prefix), whose layers in `layerList` are
 * created in it, sharing layer objects (weights) with the base's layers of
 * the same name. Returns their nodes.
 */
export function constructExtraNet(g: LayerGraph, netDict: NetDict, layerList: readonly string[], opts: ExtraNetOptions = {}): NetDictNode[] {
  const base = g.base;
  const { prefix, searchFlag } = extraNetIdentity(opts);
  let extra = base.extraNets.get(prefix);
  if (!extra) {
    extra = new LayerGraph({
      network: base.network,
      name: opts.netName ?? `extra.${prefix}`,
      externData: base.externData,
      owner: base.owner,
      extraParent: base,
      searchFlag: searchFlag ?? base.searchFlag,
      absoluteNamePrefix: `extra.${prefix}:`,
    });
    base.extraNets.set(prefix, extra);
  }
  const overrides = extraOverrides(base.netDict, prefix);
  extra.netDict = { ...base.netDict, ...extra.netDict, ...netDict, ...overrides };
  markOverridden(extra, Object.keys(overrides));
  for (const n of Object.keys(overrides)) extra.extraOwned.add(n);
  // A sub-layer `<layer>/<sub>` is made by its layer.
  for (const n of layerList) extra.extraOwned.add(n.split('/')[0]!);
  if (opts.depLayersInExtra) extra.depLayersInExtra = true;
  const made = extra;
  return withCurrentNetwork(base.network, () =>
    layerList.map((n) => (n.includes('/') && !(n in made.netDict) ? (constructLayer(made, undefined, n.split('/')[0]!), made.node(n)) : constructLayer(made, undefined, n))),
  );
}

/** The node `name` of extra net `prefix` of `g`'s base (created on first reference: `extra.<prefix>:<name>`). */
export function extraNetLayer(g: LayerGraph, prefix: string, name: string): NetDictNode {
  const base = g.base;
  return base.extraNets.get(prefix)?.nodes.get(name) ?? constructExtraNet(base, base.netDict, [name], { prefixName: prefix })[0]!;
}

/**
 * The output of a layer an extra net shares with its base (same weights) gets a time axis of its own where the layer
 * makes one: RETURNN constructs the extra net's layer anew, so `extra.search:<rec>` (the search's hypotheses) and
 * `<rec>` (over the target) have their own lengths, and running one does not change the other's.
 */
function ownTimeInExtraNet(net: LayerGraph, shared: unknown, output: Data, sources: readonly Data[]): Data {
  const t = output.timeDim;
  if (!shared || !net.extraParent || !t || sources.some((d) => d.dims.includes(t))) return output;
  const own = new Dim({ description: `${net.name}:${t.description}` });
  return output.copy({ dims: output.dims.map((d) => (d === t ? own : d)) });
}
