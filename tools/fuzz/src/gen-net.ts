/**
 * Generated net dicts: a random valid network (a fixed-shape MLP, a small
 * convolutional net on images, or a sequence model), then 0–3 mutations of
 * the kinds issue #8 names: wrong types, missing fields, cycles, unknown
 * classes, absurd sizes, plus bad references, unknown keys, nasty names and
 * broken extern_data. Each mutation records what a helpful error must name.
 */
import { ABSURD_SIZES, type Choices, NASTY_NAMES, WRONG_VALUES } from './random.js';

export type Entry = Record<string, unknown>;
export type Dict = Record<string, unknown>;

/** A generated network case. */
export interface NetCase {
  kind: 'net';
  externData: Dict;
  netDict: Dict;
  /** What was done to the valid network, for the report. */
  mutations: string[];
  /** Words of which a helpful error message names at least one (layer names, keys). Empty: any message. */
  mentions: string[];
}

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'gelu', null, 'softmax', 'elu', 'swish', 'abs'];

function mlp(c: Choices): NetCase {
  const dim = c.int(1, 12);
  const classes = c.int(2, 6);
  const net: Dict = {};
  let prev = 'data';
  const n = c.int(0, 4);
  for (let i = 0; i < n; i++) {
    const name = `l${i}`;
    const kind = c.pick(['linear', 'linear', 'activation', 'dropout', 'batch_norm', 'layer_norm', 'copy', 'combine']);
    if (kind === 'linear') {
      const nOut = c.int(1, 16);
      net[name] = { class: 'linear', activation: c.pick(ACTIVATIONS), n_out: nOut, from: prev };
    } else if (kind === 'activation') net[name] = { class: 'activation', activation: c.pick(ACTIVATIONS.filter(Boolean)), from: prev };
    else if (kind === 'dropout') net[name] = { class: 'dropout', dropout: c.pick([0, 0.1, 0.5]), from: prev };
    else if (kind === 'combine') net[name] = { class: 'combine', kind: c.pick(['add', 'mul', 'maximum', 'average']), from: [prev, prev] };
    else net[name] = { class: kind, from: prev };
    prev = name;
  }
  net.output = { class: 'softmax', loss: 'ce', from: prev, target: 'classes', ...(c.chance(0.5) ? { n_out: classes } : {}) };
  return { kind: 'net', externData: { data: { shape: [dim] }, classes: { shape: [], dim: classes, sparse: true } }, netDict: net, mutations: [], mentions: [] };
}

function convnet(c: Choices): NetCase {
  const side = c.int(4, 9);
  const ch = c.int(1, 3);
  const classes = c.int(2, 5);
  const net: Dict = {
    conv: { class: 'conv', filter_size: [c.int(1, 3), c.int(1, 3)], n_out: c.int(1, 4), padding: c.pick(['same', 'valid']), activation: 'relu', from: 'data' },
    pool: { class: 'pool', mode: c.pick(['max', 'avg']), pool_size: [2, 2], from: 'conv' },
    flat: { class: 'flatten', from: 'pool' },
    output: { class: 'softmax', loss: 'ce', from: 'flat', target: 'classes' },
  };
  return { kind: 'net', externData: { data: { shape: [side, side, ch] }, classes: { shape: [], dim: classes, sparse: true } }, netDict: net, mutations: [], mentions: [] };
}

function sequenceNet(c: Choices): NetCase {
  const dim = c.int(1, 6);
  const classes = c.int(2, 5);
  const net: Dict = {};
  let prev = 'data';
  const kind = c.pick(['linear', 'conv1d', 'rec', 'window', 'self_attention']);
  if (kind === 'linear') net.enc = { class: 'linear', activation: 'tanh', n_out: c.int(2, 8), from: prev };
  else if (kind === 'conv1d') net.enc = { class: 'conv', filter_size: [c.int(1, 3)], n_out: c.int(2, 6), padding: 'same', from: prev };
  else if (kind === 'rec') net.enc = { class: 'rec', unit: c.pick(['lstm', 'nativelstm2', 'gru']), n_out: c.int(2, 6), from: prev };
  else if (kind === 'window') {
    // window adds an axis [T, window, dim]; reducing it gives [T, dim] again, so the output pairs with the frame labels.
    net.win = { class: 'window', window_size: c.int(1, 3), from: prev };
    net.enc = { class: 'reduce', mode: c.pick(['max', 'mean', 'sum']), axis: 2, from: 'win' };
  }
  else net.enc = { class: 'self_attention', num_heads: 1, total_key_dim: c.int(1, 4) * 2, n_out: 4, from: prev };
  prev = 'enc';
  net.output = { class: 'softmax', loss: 'ce', from: prev, target: 'classes' };
  return {
    kind: 'net',
    externData: { data: { dim, shape: [null, dim] }, classes: { dim: classes, sparse: true, shape: [null] } },
    netDict: net,
    mutations: [],
    mentions: [],
  };
}

type Mutation = (c: Choices, k: NetCase) => void;

const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const layerNames = (k: NetCase) => Object.keys(k.netDict);
const entryOf = (k: NetCase, name: string): Entry | undefined => {
  const e = k.netDict[name];
  return e && typeof e === 'object' && !Array.isArray(e) ? (e as Entry) : undefined;
};

/** A mutation of one randomly picked layer; it does nothing when that layer's entry is not an object (an earlier mutation broke it). */
const ofEntry =
  (m: (c: Choices, k: NetCase, name: string, e: Entry) => void): Mutation =>
  (c, k) => {
    const name = c.pick(layerNames(k));
    const e = entryOf(k, name);
    if (e) m(c, k, name, e);
  };

const MUTATIONS: Record<string, Mutation> = {
  wrongType: ofEntry((c, k, name, e) => {
    const key = c.pick([...Object.keys(e), 'n_out', 'from', 'activation', 'dropout', 'loss', 'target', 'trainable', 'L2', 'loss_scale']);
    const v = c.pick(WRONG_VALUES);
    e[key] = v;
    k.mutations.push(`${name}.${key} = ${JSON.stringify(v)}`);
    k.mentions.push(name, key);
  }),
  missingField: ofEntry((c, k, name, e) => {
    const key = c.pick([...Object.keys(e), 'class']);
    delete e[key];
    k.mutations.push(`delete ${name}.${key}`);
    k.mentions.push(name, key);
  }),
  cycle(c, k) {
    const names = layerNames(k);
    const a = c.pick(names);
    const b = c.pick(names);
    const e = entryOf(k, a);
    if (!e) return;
    e.from = c.chance(0.3) ? a : Array.isArray(e.from) ? [...(e.from as unknown[]), b] : b;
    const eb = entryOf(k, b);
    if (eb && c.chance(0.5)) eb.from = a;
    k.mutations.push(`cycle ${a} <- ${b}`);
    k.mentions.push(a, b);
  },
  unknownClass: ofEntry((c, k, name, e) => {
    const cls = c.pick(['lienar', 'Linear', 'LSTM', 'softmax ', '', '__proto__', 'constructor', 'toString', 'rec_unit', 'subnetwork']);
    e.class = cls;
    k.mutations.push(`${name}.class = ${JSON.stringify(cls)}`);
    k.mentions.push(name, cls || 'class');
  }),
  absurdSize: ofEntry((c, k, name, e) => {
    const size = c.pick(ABSURD_SIZES);
    const key = c.pick(['n_out', 'n_out', 'filter_size', 'pool_size', 'window_size', 'num_heads', 'total_key_dim', 'dims', 'repeat']);
    e[key] = key === 'filter_size' || key === 'pool_size' ? [size, size] : key === 'dims' ? [size, -1] : size;
    k.mutations.push(`${name}.${key} = ${JSON.stringify(e[key])}`);
    k.mentions.push(name, key);
  }),
  unknownKey: ofEntry((c, k, name, e) => {
    const key = c.pick(['n_outs', 'form', 'activaton', 'unit_opts', 'L3', 'with_bais']);
    e[key] = 1;
    k.mutations.push(`${name}.${key} = 1`);
    k.mentions.push(name, key);
  }),
  badReference: ofEntry((c, k, name, e) => {
    const ref = c.pick(['nonexistent', 'data:nope', 'prev:output', 'base:enc', '', [], ['data', 'nope'], 'data:classes', 'output']);
    const key = c.chance(0.7) ? 'from' : 'target';
    e[key] = ref;
    k.mutations.push(`${name}.${key} = ${JSON.stringify(ref)}`);
    k.mentions.push(name, ...(typeof ref === 'string' && ref ? [ref] : []));
  }),
  brokenEntry(c, k) {
    const name = c.pick(layerNames(k));
    const v = c.pick([null, 42, 'linear', [], [{ class: 'linear' }], true]);
    k.netDict[name] = v;
    k.mutations.push(`${name} = ${JSON.stringify(v)}`);
    k.mentions.push(name);
  },
  nastyName(c, k) {
    const old = c.pick(layerNames(k));
    const name = c.pick(NASTY_NAMES);
    if (name === '__proto__') {
      // An own "__proto__" key, as JSON.parse makes it.
      Object.defineProperty(k.netDict, '__proto__', { value: k.netDict[old], enumerable: true, configurable: true, writable: true });
    } else k.netDict[name] = k.netDict[old];
    delete k.netDict[old];
    k.mutations.push(`rename ${old} -> ${JSON.stringify(name)}`);
    k.mentions.push(old, name);
  },
  badLoss(c, k) {
    const e = entryOf(k, 'output');
    if (!e) return;
    const [key, v] = c.pick<[string, unknown]>([
      ['loss', 'cee'],
      ['loss', 'mse'],
      ['loss', 'ctc'],
      ['loss_opts', { label_smoothing: 2 }],
      ['loss_opts', { bogus: 1 }],
      ['loss_scale', -1],
      ['target', 'data'],
      ['n_out', 99],
    ]);
    e[key] = v;
    k.mutations.push(`output.${key} = ${JSON.stringify(v)}`);
    k.mentions.push('output', key, String(v));
  },
  externData(c, k) {
    const key = c.pick(['data', 'classes']);
    const [field, v] = c.pick<[string, unknown]>([
      ['dim', c.pick(WRONG_VALUES)],
      ['dim', c.pick(ABSURD_SIZES)],
      ['sparse', 'yes'],
      ['shape', [null, null, 3]],
      ['shape', [0]],
      ['shape', 'T'],
      ['shape', 5],
      ['dim_tags', 'x'],
      ['dim_tags', [{ kind: 'batch' }, null]],
      ['dtype', 'float64'],
      ['dim_tags', [{ kind: 'batch' }, { description: 'time' }]],
      ['(entry)', null],
      ['(delete)', undefined],
    ]);
    const ext = k.externData;
    if (field === '(delete)') delete ext[key];
    else if (field === '(entry)') ext[key] = v;
    else ext[key] = { ...(ext[key] as Dict), [field]: v };
    k.mutations.push(`extern_data.${key}.${field} = ${JSON.stringify(v)}`);
    k.mentions.push(key, field.replace(/[()]/g, ''));
  },
  wholeDict(c, k) {
    const v = c.pick<unknown>([null, [], 'output', 7, {}]);
    k.netDict = v as Dict;
    k.mutations.push(`network = ${JSON.stringify(v)}`);
    k.mentions.push('network', 'output', 'object');
  },
};

export const MUTATION_KINDS = Object.keys(MUTATIONS);

/**
 * A net case: a valid base network with `0..3` mutations; `mainMutation`
 * (cycled by the caller over {@link MUTATION_KINDS}, or `none`) is always
 * applied first so every kind is covered in a short run.
 */
export function generateNetCase(c: Choices, mainMutation: string | 'none'): NetCase {
  const k = c.pick([mlp, mlp, convnet, sequenceNet])(c);
  if (mainMutation === 'none') return k;
  MUTATIONS[mainMutation]!(c, k);
  const extra = c.int(0, 2);
  // Mutations pick a layer: only while the net dict is still an object with layers.
  for (let i = 0; i < extra && isDict(k.netDict) && layerNames(k).length > 0; i++) MUTATIONS[c.pick(MUTATION_KINDS)]!(c, k);
  return k;
}
