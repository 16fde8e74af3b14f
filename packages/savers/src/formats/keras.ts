/**
 * Keras weights: Keras 3 `.keras` archives and `.weights.h5` files, and Keras 2
 * HDF5 files (`model.save('x.h5')`, `save_weights('x.h5')`). Read only.
 *
 * Keras 3 layout (keras/src/saving/saving_lib.py, `H5IOStore`): a layer's
 * variables are datasets `<path>/vars/0`, `/1`, ... in creation order, where
 * `<path>` is `layers/<snake_case(class)>[_N]` (`layers/dense`,
 * `layers/dense_1`, `layers/conv2d`; a counter per class, in `model.layers`
 * order; never the layer's own name), nested models continue with
 * `/layers/...`, an RNN's cell is `<path>/cell/vars/<i>`, and the optimizer's
 * variables are `optimizer/vars/<i>`.
 *
 * Keras 2 layout (legacy h5 format): `[model_weights/]<layer>/<weight_name>`
 * where the layer group's `weight_names` attribute lists names such as
 * `dense/kernel:0`.
 */
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { File as H5File, Group } from 'h5wasm';
import { CheckpointFileError, orNotFound } from '../errors.js';
import { type CheckpointContents, type CheckpointFormat, hasExtension, type NamedTensors } from './format.js';
import { datasetsUnder, datasetTensor, isHdf5, stringListAttribute, withHdf5 } from './hdf5.js';
import { isZip, readZipEntries } from './zip.js';

type H5wasm = typeof import('h5wasm/node').default;
type LayerConfig = { class_name?: unknown; config?: { name?: unknown; layers?: unknown; [k: string]: unknown } };

/** A layer found in `config.json`: its Keras name, class, config, and position in the model. */
interface LayerInfo {
  readonly name: string;
  readonly kind: string;
  readonly config: Record<string, unknown>;
  readonly order: number;
}

const KERNEL_BIAS = () => ['kernel', 'bias'];
const RNN_CELL = () => ['kernel', 'recurrent_kernel', 'bias'];
const RNN_KINDS = new Set(['LSTM', 'GRU', 'SimpleRNN']);

/** Variable names by layer class, in the order Keras creates (and saves) them. */
const VARIABLE_NAMES: Record<string, (config: Record<string, unknown>) => string[]> = {
  Dense: KERNEL_BIAS,
  EinsumDense: KERNEL_BIAS,
  Conv1D: KERNEL_BIAS,
  Conv2D: KERNEL_BIAS,
  Conv3D: KERNEL_BIAS,
  Conv1DTranspose: KERNEL_BIAS,
  Conv2DTranspose: KERNEL_BIAS,
  Conv3DTranspose: KERNEL_BIAS,
  DepthwiseConv1D: KERNEL_BIAS,
  DepthwiseConv2D: KERNEL_BIAS,
  SeparableConv1D: () => ['depthwise_kernel', 'pointwise_kernel', 'bias'],
  SeparableConv2D: () => ['depthwise_kernel', 'pointwise_kernel', 'bias'],
  Embedding: () => ['embeddings'],
  PReLU: () => ['alpha'],
  // gamma and beta exist only with scale/center (default true).
  BatchNormalization: (c) => [...(c['scale'] !== false ? ['gamma'] : []), ...(c['center'] !== false ? ['beta'] : []), 'moving_mean', 'moving_variance'],
  LayerNormalization: (c) => [...(c['scale'] !== false ? ['gamma'] : []), ...(c['center'] !== false ? ['beta'] : [])],
  LSTMCell: RNN_CELL,
  GRUCell: RNN_CELL,
  SimpleRNNCell: RNN_CELL,
};

/** Keras' `naming.to_snake_case`: `Conv2D` → `conv2d`, `BatchNormalization` → `batch_normalization`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * The layers of a Keras 3 model config (`config.json`) by the HDF5 path
 * saving_lib gives them (`layers/dense_1`), nested models included
 * (`layers/functional/layers/dense` → name `inner/dense`).
 */
export function kerasLayerPaths(modelConfig: unknown): Map<string, LayerInfo> {
  const out = new Map<string, LayerInfo>();
  const walk = (model: LayerConfig, h5Prefix: string, namePrefix: string) => {
    const layers = model?.config?.layers;
    if (!Array.isArray(layers)) return;
    const used = new Map<string, number>();
    for (const layer of layers as LayerConfig[]) {
      if (typeof layer?.class_name !== 'string') continue;
      const base = toSnakeCase(layer.class_name);
      const n = used.has(base) ? used.get(base)! + 1 : 0;
      used.set(base, n);
      const path = `${h5Prefix}/${n === 0 ? base : `${base}_${n}`}`;
      const cfg = (layer.config ?? {}) as Record<string, unknown>;
      const name = namePrefix + (typeof cfg['name'] === 'string' ? cfg['name'] : path.slice(path.lastIndexOf('/') + 1));
      out.set(path, { name, kind: layer.class_name, config: cfg, order: out.size });
      walk(layer, `${path}/layers`, `${name}/`);
    }
  };
  walk(modelConfig as LayerConfig, 'layers', '');
  return out;
}

/**
 * The Strata-style name of the Keras 3 dataset at `path`: `<layer>/<kernel|bias|...>`
 * when the layer is known from the config and its class's variables are, else
 * `<layer>/vars/<i>` (`layers/` dropped); paths outside `layers/` stay as they are.
 */
export function keras3Name(path: string, layers: ReadonlyMap<string, LayerInfo>): { name: string; order: number } {
  let best: [string, LayerInfo] | undefined;
  for (const entry of layers) {
    if (path.startsWith(`${entry[0]}/`) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  if (!best) return { name: path.replace(/^layers\//, ''), order: Infinity };
  const [prefix, info] = best;
  const rest = path.slice(prefix.length + 1);
  const own = /^vars\/(\d+)$/.exec(rest);
  const cell = /^cell\/vars\/(\d+)$/.exec(rest);
  const names = own ? VARIABLE_NAMES[info.kind]?.(info.config) : cell && RNN_KINDS.has(info.kind) ? RNN_CELL() : undefined;
  const index = Number((own ?? cell)?.[1]);
  const leaf = names?.[index] ?? rest;
  return { name: `${info.name}/${leaf}`, order: info.order };
}

/** Reads a Keras 3 weights file: every dataset, named by {@link keras3Name}, layers in config order. */
function readKeras3(h5: H5wasm, root: H5File, layers: ReadonlyMap<string, LayerInfo>, file: string, format: string): NamedTensors {
  const found = datasetsUnder(h5, root).map(({ path, dataset }) => ({ path, dataset, ...keras3Name(path, layers) }));
  found.sort((a, b) => a.order - b.order || naturalCompare(a.path, b.path));
  const tensors: NamedTensors = new Map();
  for (const f of found) {
    const name = tensors.has(f.name) ? f.path : f.name; // a collision keeps the unambiguous HDF5 path
    tensors.set(name, datasetTensor(f.dataset, name, file, format));
  }
  return tensors;
}

/** Path order with numbers compared as numbers, per `/` segment: `dense/vars/2` < `dense/vars/10` < `dense_1/vars/0`. */
function naturalCompare(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i]!.match(/\d+|\D+/g) ?? [];
    const y = bs[i]!.match(/\d+|\D+/g) ?? [];
    for (let j = 0; j < Math.min(x.length, y.length); j++) {
      const numeric = /^\d/.test(x[j]!) && /^\d/.test(y[j]!);
      const c = numeric ? Number(x[j]) - Number(y[j]) : x[j]! < y[j]! ? -1 : x[j]! > y[j]! ? 1 : 0;
      if (c !== 0) return c;
    }
    if (x.length !== y.length) return x.length - y.length;
  }
  return as.length - bs.length;
}

/** Reads a Keras 2 HDF5 file: `weight_names` of every layer in `layer_names`, `:0` dropped (`dense/kernel`). */
function readKeras2(h5: H5wasm, root: H5File, file: string, format: string): NamedTensors {
  const base = root.keys().includes('model_weights') ? (root.get('model_weights') as Group) : root;
  const tensors: NamedTensors = new Map();
  for (const layer of stringListAttribute(base, 'layer_names') ?? base.keys()) {
    const group = base.get(layer);
    if (!(group instanceof h5.Group)) continue;
    const weightNames = stringListAttribute(group, 'weight_names');
    const datasets = weightNames
      ? weightNames.map((w) => ({ path: w, dataset: group.get(w) }))
      : datasetsUnder(h5, group);
    for (const { path, dataset } of datasets) {
      if (!(dataset instanceof h5.Dataset)) {
        throw new CheckpointFileError({ file, format, problem: `layer '${layer}' lists weight '${path}', which is not a dataset.`, fix: 'save the model again with Keras.' });
      }
      const name = path.replace(/:\d+$/, '');
      tensors.set(name, datasetTensor(dataset, name, file, format));
    }
  }
  return tensors;
}

/** Reads Keras weights from the HDF5 file at `h5Path`, with the model config when known. */
async function readKerasHdf5(h5Path: string, file: string, format: string, config?: unknown): Promise<{ tensors: NamedTensors; details: Record<string, string> }> {
  return withHdf5(h5Path, file, format, (root, h5) => {
    const keys = root.keys();
    const details: Record<string, string> = {};
    for (const attr of ['keras_version', 'backend']) {
      const v = stringListAttribute(root, attr);
      if (v?.length === 1) details[attr] = v[0]!;
    }
    if (keys.includes('model_weights') || 'layer_names' in root.attrs) {
      details['layout'] = 'Keras 2 (HDF5, weight_names)';
      return { tensors: readKeras2(h5, root, file, format), details };
    }
    if (!keys.includes('layers') && !keys.includes('vars')) {
      throw new CheckpointFileError({ file, format, problem: `the HDF5 file has neither Keras 3 'layers'/'vars' groups nor a Keras 2 'model_weights' group (top level: ${keys.join(', ') || 'empty'}).`, fix: 'pass a file written by Keras model.save() or model.save_weights().' });
    }
    const layers = kerasLayerPaths(config);
    details['layout'] = `Keras 3 (layers/<layer>/vars/<i>)${config === undefined ? ', no config.json: variables named vars/<i>' : ''}`;
    return { tensors: readKeras3(h5, root, layers, file, format), details };
  });
}

async function fileSize(path: string): Promise<number> {
  return (await orNotFound(path, stat(path))).size;
}

async function head(path: string, n: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Keras HDF5 weights: `.weights.h5` (Keras 3) and `.h5`/`.hdf5` (Keras 2, or
 * Keras 3 weights). Without a model config, Keras 3 variables are named
 * `<layer path>/vars/<i>` (`dense_1/vars/0`).
 */
export const kerasH5Format: CheckpointFormat = {
  name: 'keras-h5',
  description: 'Keras HDF5 weights (.weights.h5 Keras 3 layout, or Keras 2 .h5), read only',
  extensions: ['.weights.h5', '.h5', '.hdf5'],
  detect(path, bytes) {
    return bytes ? isHdf5(bytes) : hasExtension(path, this.extensions);
  },
  async read(path): Promise<CheckpointContents> {
    const bytes = await fileSize(path);
    if (!isHdf5(await head(path, 8))) {
      throw new CheckpointFileError({ file: path, format: this.name, problem: 'the file does not start with the HDF5 signature.', fix: 'pass an HDF5 file written by Keras (model.save_weights("x.weights.h5")).' });
    }
    const { tensors, details } = await readKerasHdf5(path, path, this.name);
    return { tensors, metadata: {}, details, files: [{ path, bytes }] };
  },
};

/**
 * Keras 3 `.keras` archives: a zip holding `config.json` (the model config,
 * used to name variables `<layer name>/<kernel|bias|...>`), `metadata.json`
 * and `model.weights.h5`. Entry paths are checked (absolute or `..` paths are
 * refused) before anything is decompressed; the weights are read from a
 * private temporary copy that is removed afterwards.
 */
export const kerasFormat: CheckpointFormat = {
  name: 'keras',
  description: 'Keras 3 .keras archive (config.json + model.weights.h5), read only',
  extensions: ['.keras'],
  detect(path, bytes) {
    return bytes ? isZip(bytes) : hasExtension(path, this.extensions);
  },
  async read(path): Promise<CheckpointContents> {
    const size = await fileSize(path);
    const entries = readZipEntries(await readFile(path), ['config.json', 'metadata.json', 'model.weights.h5', 'model.weights.npz'], path, this.name);
    const weights = entries.get('model.weights.h5');
    if (!weights) {
      const why = entries.has('model.weights.npz') ? 'holds model.weights.npz, the npz weights format Strata does not read' : 'has no model.weights.h5 entry';
      throw new CheckpointFileError({ file: path, format: this.name, problem: `the archive ${why}.`, fix: 'save the model with Keras 3 model.save("x.keras") (h5 weights, the default).' });
    }
    const config = parseJsonEntry(entries.get('config.json'), 'config.json', path, this.name);
    const meta = parseJsonEntry(entries.get('metadata.json'), 'metadata.json', path, this.name) as Record<string, unknown> | undefined;
    const dir = await mkdtemp(join(tmpdir(), 'strata-keras-'));
    try {
      const h5Path = join(dir, 'model.weights.h5');
      await writeFile(h5Path, weights);
      const { tensors, details } = await readKerasHdf5(h5Path, path, this.name, config);
      const model = config as LayerConfig | undefined;
      if (typeof model?.class_name === 'string') details['model'] = `${model.class_name} '${String(model.config?.name ?? '')}'`;
      for (const key of ['keras_version', 'date_saved']) if (typeof meta?.[key] === 'string') details[key] = meta[key] as string;
      return { tensors, metadata: {}, details, files: [{ path, bytes: size }] };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

function parseJsonEntry(bytes: Uint8Array | undefined, entry: string, file: string, format: string): unknown {
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CheckpointFileError({ file, format, problem: `${entry} is not valid JSON (${(e as Error).message}).`, fix: 'save the model again with Keras.' });
  }
}
