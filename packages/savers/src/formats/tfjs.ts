/**
 * TensorFlow.js `model.json` + binary weight shards.
 *
 * Source: tfjs-core io/types.ts (`ModelJSON`, `WeightsManifestConfig`) and
 * io/io_utils.ts (`decodeWeights`). `weightsManifest` is a list of groups
 * `{paths: ['group1-shard1of2.bin', ...], weights: [{name, shape, dtype,
 * quantization?}]}`; a group's shards, concatenated in order, hold its weights
 * back to back. Shard paths are relative to `model.json`'s directory.
 */
import fs from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sizeOf } from '@strata/backend';
import { CheckpointFileError, orNotFound, UnsafeEntryPathError } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { writeFilesAtomically } from './atomic.js';
import { type CheckpointFormat, DEFAULT_SHARD_BYTES, hasExtension, type NamedTensors, safeRelativePath, tensorList, type TensorsInput, type WriteCheckpointOptions } from './format.js';
import { decodeWeight, type Fail, weightByteLength, type WeightSpec } from './tfjs-weights.js';

const FORMAT = 'tfjs';
/** Shard file names Strata writes (and may delete when a rewrite needs fewer): `[stem.]groupN-shardIofM.bin`. */
const SHARD_NAME = /^(?:[^/]+\.)?group\d+-shard\d+of\d+\.bin$/;
const MODEL_JSON_KEY = /^\s*\{\s*"(?:modelTopology|weightsManifest|format|generatedBy|convertedBy|trainingConfig|userDefinedMetadata|signature)"/;

interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

/**
 * tfjs: a `model.json` (or a directory holding one) whose `weightsManifest`
 * lists the weights and the shard files holding them.
 *
 * Reading dequantises `uint8`/`uint16`/`float16` weights exactly as tfjs-core
 * does. Writing produces a weights-only `model.json` (`modelTopology` null, or
 * the one given in the options) and shards of at most 4 MiB
 * (`group1-shard1of1.bin`, prefixed with the stem when the file is not named
 * `model.json`), all written to temporary files, fsynced, then renamed with
 * `model.json` last. Strata metadata goes to `userDefinedMetadata.strata`.
 */
export const tfjsFormat: CheckpointFormat = {
  name: FORMAT,
  description: 'TensorFlow.js model.json + weight shards (quantised uint8/uint16/float16 weights are dequantised)',
  extensions: ['.json'],
  detect(path, bytes) {
    if (!bytes) return hasExtension(path, this.extensions);
    // TextDecoder drops a leading UTF-8 BOM.
    const text = new TextDecoder().decode(bytes.subarray(0, 4096));
    return MODEL_JSON_KEY.test(text) || (/^\s*\{/.test(text) && text.includes('"weightsManifest"'));
  },
  read: readTfjs,
  write: writeTfjs,
};

async function readTfjs(path: string): Promise<{
  tensors: NamedTensors;
  metadata: Record<string, string>;
  details: Record<string, string>;
  files: { path: string; bytes: number }[];
}> {
  const file = await modelJsonPath(path);
  const fail: Fail = (problem, fix) => {
    throw new CheckpointFileError({ file, format: FORMAT, problem, fix });
  };
  const text = await orNotFound(file, readFile(file, 'utf8'));
  let json: Record<string, unknown>;
  try {
    // A leading UTF-8 byte order mark (some editors write one) is not JSON.
    json = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (e) {
    return fail(`model.json is not valid JSON (${(e as Error).message}).`, 'restore the file from the exporter; it was truncated or edited.');
  }
  const groups = parseManifest(json, fail);
  const dir = dirname(file);
  const files = [{ path: file, bytes: Buffer.byteLength(text) }];
  const tensors: NamedTensors = new Map();
  for (const [g, group] of groups.entries()) {
    const shards: Uint8Array[] = [];
    for (const p of group.paths) {
      const rel = safeRelativePath(p);
      if (rel === null) throw new UnsafeEntryPathError({ file, format: FORMAT, entry: p });
      const shardPath = join(dir, rel);
      try {
        shards.push(await readFile(shardPath));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        fail(`shard '${p}' of weightsManifest[${g}] is missing (looked for ${shardPath}).`, 'copy every shard listed in model.json next to it.');
      }
      files.push({ path: shardPath, bytes: shards[shards.length - 1]!.length });
    }
    const data = Buffer.concat(shards);
    const sizes = group.weights.map((w) => weightByteLength(w, fail));
    const need = sizes.reduce((a, b) => a + b, 0);
    if (need !== data.length) {
      fail(
        `the shards of weightsManifest[${g}] (${group.paths.join(', ') || 'none'}) hold ${data.length} bytes, but its ${group.weights.length} weights need ${need}` +
          (need > data.length ? ' (a shard is truncated or missing).' : ' (extra bytes).'),
        'copy the shards again from the exporter, or re-export the model.',
      );
    }
    let offset = 0;
    for (const [i, spec] of group.weights.entries()) {
      if (tensors.has(spec.name)) fail(`weight '${spec.name}' appears twice in the weightsManifest.`, 'give every weight a unique name.');
      const { dtype, data: values } = decodeWeight(spec, data.subarray(offset, offset + sizes[i]!));
      tensors.set(spec.name, { name: spec.name, shape: [...spec.shape], dtype, data: values });
      offset += sizes[i]!;
    }
  }
  return { tensors, metadata: strataMetadata(json), details: detailsOf(json, groups, files.length - 1), files };
}

async function writeTfjs(
  path: string,
  input: TensorsInput,
  metadata: Readonly<Record<string, string>> = {},
  options: WriteCheckpointOptions = {},
): Promise<void> {
  const file = hasExtension(path, ['.json']) ? path : join(path, 'model.json');
  const fail: Fail = (problem, fix) => {
    throw new CheckpointFileError({ file, format: FORMAT, problem: `cannot write: ${problem}`, fix });
  };
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isSafeInteger(shardBytes) || shardBytes <= 0) fail(`shardBytes ${shardBytes} is not a positive integer.`, 'pass a shard size in bytes, e.g. 4194304.');
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') fail(`metadata value '${k}' is a ${typeof v}, not a string.`, 'convert metadata values with String(x).');
  }
  const tensors = tensorList(input);
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const t of tensors) {
    checkTensor(t, seen, fail);
    specs.push({ name: t.name, shape: [...t.shape], dtype: t.dtype });
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  const all = Buffer.concat(chunks);
  const count = Math.ceil(all.length / shardBytes);
  const stem = basename(file).replace(/\.json$/i, '');
  const prefix = stem.toLowerCase() === 'model' ? '' : `${stem}.`;
  const paths = Array.from({ length: count }, (_, i) => `${prefix}group1-shard${i + 1}of${count}.bin`);
  const modelJson: Record<string, unknown> = {
    modelTopology: options.modelTopology ?? null,
    ...(options.modelTopology != null ? { format: 'layers-model' } : {}),
    generatedBy: 'Strata @strata/savers',
    convertedBy: null,
    weightsManifest: [{ paths, weights: specs }],
    ...(Object.keys(metadata).length ? { userDefinedMetadata: { strata: { ...metadata } } } : {}),
  };
  const dir = dirname(file);
  const previous = await previousShards(file);
  await writeFilesAtomically([
    ...paths.map((p, i) => ({ path: join(dir, p), bytes: all.subarray(i * shardBytes, (i + 1) * shardBytes) })),
    { path: file, bytes: Buffer.from(JSON.stringify(modelJson)) },
  ]);
  // Shards of the previous version that the new model.json no longer lists.
  const stale = previous.filter((p) => !paths.includes(p));
  await Promise.all(stale.map((p) => fs.promises.rm(join(dir, p), { force: true })));
}

/** `path` itself, or `path/model.json` when `path` is a directory. */
async function modelJsonPath(path: string): Promise<string> {
  try {
    if ((await stat(path)).isDirectory()) return join(path, 'model.json');
  } catch {
    // Missing: reported by the read with the path as given.
  }
  return path;
}

function parseManifest(json: unknown, fail: Fail): ManifestGroup[] {
  const fix = 'export the model again with tfjs (model.save) or tfjs-converter.';
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('model.json is not a JSON object.', fix);
  const manifest = (json as Record<string, unknown>)['weightsManifest'];
  if (!Array.isArray(manifest)) return fail(`model.json has no 'weightsManifest' list (a topology-only model holds no weights).`, fix);
  return manifest.map((g: unknown, i) => {
    const group = g as Partial<ManifestGroup> | null;
    if (!group || !Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string') || !Array.isArray(group.weights)) {
      return fail(`weightsManifest[${i}] is not {paths: string[], weights: [...]}.`, fix);
    }
    return group as ManifestGroup;
  });
}

function checkTensor(t: NamedTensorData, seen: Set<string>, fail: Fail): void {
  const fix = 'pass tensors with unique names, a shape of non-negative integers, and data of the dtype and length of the shape.';
  if (typeof t.name !== 'string' || t.name === '') fail(`invalid tensor name ${JSON.stringify(t.name)}.`, fix);
  if (seen.has(t.name)) fail(`tensor name '${t.name}' appears twice.`, fix);
  seen.add(t.name);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${t.name}': shape ${JSON.stringify(t.shape)} is not a list of non-negative integers.`, fix);
  const want = t.dtype === 'float32' ? Float32Array : t.dtype === 'int32' ? Int32Array : t.dtype === 'bool' ? Uint8Array : undefined;
  if (!want) fail(`tensor '${t.name}': unsupported dtype ${JSON.stringify(t.dtype)}.`, fix);
  if (!(t.data instanceof want!)) fail(`tensor '${t.name}': dtype ${t.dtype} needs a ${want!.name}, got ${t.data?.constructor?.name ?? typeof t.data}.`, fix);
  if (t.data.length !== sizeOf(t.shape)) fail(`tensor '${t.name}': data has ${t.data.length} elements, shape [${t.shape.join(', ')}] needs ${sizeOf(t.shape)}.`, fix);
}

/** Shard paths listed by the `model.json` currently at `file` that Strata's naming scheme produced (empty if none). */
async function previousShards(file: string): Promise<string[]> {
  try {
    const old = JSON.parse(await readFile(file, 'utf8')) as { weightsManifest?: { paths?: unknown }[] };
    const paths = (old.weightsManifest ?? []).flatMap((g) => (Array.isArray(g?.paths) ? g.paths : []));
    return paths.filter((p): p is string => typeof p === 'string' && SHARD_NAME.test(p) && safeRelativePath(p) === p);
  } catch {
    return [];
  }
}

/** `userDefinedMetadata.strata` as strings (non-strings JSON-encoded). */
function strataMetadata(json: Record<string, unknown>): Record<string, string> {
  const user = json['userDefinedMetadata'] as Record<string, unknown> | undefined;
  const strata = user?.['strata'];
  if (typeof strata !== 'object' || strata === null) return {};
  return Object.fromEntries(Object.entries(strata).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function detailsOf(json: Record<string, unknown>, groups: ManifestGroup[], shards: number): Record<string, string> {
  const details: Record<string, string> = {};
  for (const key of ['format', 'generatedBy', 'convertedBy']) {
    if (typeof json[key] === 'string') details[key] = json[key] as string;
  }
  const topology = json['modelTopology'] as Record<string, unknown> | null | undefined;
  const cls = (topology?.['model_config'] as Record<string, unknown> | undefined)?.['class_name'] ?? topology?.['class_name'];
  details['modelTopology'] = topology == null ? 'none (weights only)' : typeof cls === 'string' ? cls : 'present';
  details['weightsManifest'] = `${groups.length} group${groups.length === 1 ? '' : 's'}, ${shards} shard${shards === 1 ? '' : 's'}`;
  const quantized = groups.flatMap((g) => g.weights).filter((w) => w.quantization != null);
  if (quantized.length) details['quantization'] = `${quantized.length} weight(s) dequantised (${[...new Set(quantized.map((w) => w.quantization!.dtype))].join(', ')})`;
  return details;
}
