import { sizeOf, type Tensor } from '@strata/backend';
import { LayerExecutionError, layerFailureOf, type TensorSummary } from '../errors.js';
import { summarizeTensor } from './forward.js';
import type { LayerGraph } from './graph.js';
import type { NetDictNode } from './net-dict-node.js';
import { paramsList } from './params.js';

const fmt = (x: number | null): string => (x === null ? '?' : Number.isInteger(x) ? String(x) : x.toPrecision(4));
const summaryText = (s: TensorSummary): string => `[${s.shape.join(', ')}] ${s.dtype} min=${fmt(s.min)} max=${fmt(s.max)} mean=${fmt(s.mean)}`;
const sourceText = (n: NetDictNode): string =>
  n.sources.map((s) => (s.kind === 'data' ? `data:${s.key}` : s.kind === 'layer' ? s.name : s.kind === 'extra' ? `extra.${s.net}:${s.name}` : `${s.kind}:${s.name}`)).join(', ') || '-';

/**
 * Seed 003 `print_network_info`: one line per layer (name, class, sources,
 * output Data, params with shapes), then the extern data and totals.
 */
export function networkInfo(net: LayerGraph, title = 'Network'): string {
  const lines = [`${title} '${net.name}' layer topology:`];
  lines.push(`  extern data: ${net.externData.keys.map((k) => net.externData.getData(k).toString()).join(', ')}`);
  lines.push(`  used data keys: ${net.usedDataKeys().sort().join(', ')}`);
  for (const n of net.nodes.values()) {
    const params = n.layer.weights.map((v) => `${v.path.slice(n.layer.scopeName.length + 1)} [${v.shape.join(', ')}]`).join(', ');
    lines.push(`  layer '${n.name}' (${n.entry.class}) from ${sourceText(n)} -> ${n.output.toString()}${n.lossHolder ? ` loss ${n.entry.loss}` : ''}${params ? `; params ${params}` : ''}`);
  }
  for (const [prefix, extra] of net.extraNets) lines.push(`  extra net 'extra.${prefix}' (search ${extra.searchFlag}): ${[...extra.nodes.keys()].join(', ')}`);
  const params = paramsList(net);
  lines.push(`  net params #: ${params.reduce((n, v) => n + sizeOf(v.shape), 0)}`);
  lines.push(`  net trainable params: ${params.filter((v) => v.trainable).map((v) => v.name).join(', ') || 'none'}`);
  return lines.join('\n');
}

/** The node named by a failing layer's path (`dec/s` in rec unit `dec`, `extra.search:out` in an extra net). */
function findNode(net: LayerGraph, path: string): NetDictNode | undefined {
  const extra = /^extra\.([^:]+):(.+)$/.exec(path);
  if (extra) {
    const en = net.extraNets.get(extra[1]!);
    return en ? findNode(en, extra[2]!) : undefined;
  }
  const direct = net.nodes.get(path);
  if (direct) return direct;
  const slash = path.indexOf('/');
  if (slash < 0) return undefined;
  const sub = net.nodes.get(path.slice(0, slash))?.layer as { unitGraph?: LayerGraph } | undefined;
  return sub?.unitGraph ? findNode(sub.unitGraph, path.slice(slash + 1)) : undefined;
}

/**
 * Seed 003 `help_on_tf_exception`: what failed in a step. Names the failing
 * layer (from the {@link LayerExecutionError} in `error` or its `cause`
 * chain), its net-dict entry and output template, its inputs (shape, dtype,
 * min/max/mean, taken when it failed), and every batch key's extern-data
 * description with its tensor's summary.
 */
export function describeFailure(net: LayerGraph, error: unknown, batch: Readonly<Record<string, Tensor>> = {}): string {
  const lines = [`Step of network '${net.name}' failed: ${error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error)}`];
  let e: unknown = error;
  while (e instanceof Error && !layerFailureOf(e)) e = e.cause;
  const failure = layerFailureOf(e);
  if (failure) {
    const node = findNode(net, failure.layerName);
    const raised = e instanceof LayerExecutionError ? e.cause : e;
    const cause = raised instanceof Error ? `${raised.name}: ${raised.message.split('\n')[0]}` : String(raised);
    lines.push(`Failing layer: '${failure.layerName}' (class '${failure.layerClass}'): ${cause}`);
    if (node) {
      lines.push(`  net dict entry: ${JSON.stringify(node.entry)}`);
      lines.push(`  output template: ${node.output.toString()}`);
    }
    for (const i of failure.inputs) lines.push(`  input ${i.source}: ${summaryText(i.summary)}`);
  } else {
    lines.push('No failing layer recorded (the error did not come from a layer of the forward pass).');
  }
  lines.push('Batch:');
  for (const [key, t] of Object.entries(batch)) {
    const desc = net.externData.hasData(key) ? net.externData.getData(key).toString() : /:size\d+$/.test(key) ? 'sizes of a dynamic axis' : 'not in extern_data';
    lines.push(`  ${key}: ${desc}; ${summaryText(summarizeTensor(t))}`);
  }
  return lines.join('\n');
}
