import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CheckpointFileError, UnsafeEntryPathError } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { tfjsFormat } from './tfjs.js';
import { float16ToFloat32 } from './tfjs-weights.js';
import { useTempDir } from '../test-utils/temp-dir.js';

const dir = useTempDir('strata-tfjs-');
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu'); // also tfjs-core's backend, used by tfjs-layers below
});
afterEach(() => {
  vi.restoreAllMocks();
});

const read = (p: string) => tfjsFormat.read(p);
const write = tfjsFormat.write!;

/** A small tfjs-layers model with deterministic weights. */
function smallModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 3, inputShape: [4], activation: 'relu', name: 'hidden' }),
      tfl.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(Array.from({ length: w.size }, (_, j) => (j - 2.5) / (i + 3)), w.shape)));
  return model;
}

/** The artifacts `model.save` hands to a save handler. */
async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts!;
}

/** Writes artifacts as tfjs-node's `file://` handler does: model.json + weights.bin. */
function writeLikeFileHandler(artifacts: tf.io.ModelArtifacts, into: string): string {
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  fs.writeFileSync(path.join(into, 'model.json'), JSON.stringify(modelJson));
  fs.writeFileSync(path.join(into, 'weights.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!)));
  return path.join(into, 'model.json');
}

/** Writes a hand-made model.json with one group per entry of `groups`. */
function writeManifest(groups: { paths: string[]; weights: object[] }[], shards: Record<string, Uint8Array>): string {
  for (const [name, bytes] of Object.entries(shards)) fs.writeFileSync(path.join(dir(), name), bytes);
  fs.writeFileSync(path.join(dir(), 'model.json'), JSON.stringify({ modelTopology: null, weightsManifest: groups }));
  return path.join(dir(), 'model.json');
}

const bytesOf = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

describe('tfjs model.json: reading', () => {
  it('reads a tfjs-layers model saved as the file:// handler writes it, with identical values', async () => {
    const model = smallModel();
    const file = writeLikeFileHandler(await artifactsOf(model), dir());
    const { tensors, details, files } = await read(file);
    const expected = model.weights.map((w, i) => ({ name: w.originalName, values: model.getWeights()[i]!.dataSync(), shape: w.shape }));
    expect([...tensors.keys()]).toEqual(['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']);
    expect(expected.map((e) => e.name)).toEqual([...tensors.keys()]);
    for (const e of expected) {
      const t = tensors.get(e.name)!;
      expect(t.dtype).toBe('float32');
      expect(t.shape).toEqual(e.shape);
      expect(Array.from(t.data)).toEqual(Array.from(e.values));
    }
    expect(Array.from(tensors.get('hidden/bias')!.data)).toEqual([-2.5 / 4, -1.5 / 4, -0.5 / 4]);
    expect(details).toMatchObject({ format: 'layers-model', modelTopology: 'Sequential', weightsManifest: '1 group, 1 shard' });
    expect(files!.map((f) => path.basename(f.path))).toEqual(['model.json', 'weights.bin']);
    expect(files![1]!.bytes).toBe((4 * 3 + 3 + 3 * 2 + 2) * 4);
    // A directory holding model.json reads the same.
    expect([...(await read(dir())).tensors.keys()]).toEqual([...tensors.keys()]);
  });

  it('concatenates the shards of each group, with weights spanning shard boundaries', async () => {
    const a = new Float32Array([1.5, -2, 3, 4, 5]);
    const b = new Int32Array([7, -8, 2147483647]);
    const c = new Uint8Array([1, 0, 1]);
    const group1 = bytesOf(a);
    const group2 = new Uint8Array([...bytesOf(b), ...c]);
    const file = writeManifest(
      [
        { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [{ name: 'a', shape: [5], dtype: 'float32' }] },
        { paths: ['group2-shard1of1.bin'], weights: [{ name: 'b', shape: [3], dtype: 'int32' }, { name: 'c', shape: [3], dtype: 'bool' }] },
      ],
      { 'group1-shard1of2.bin': group1.subarray(0, 7), 'group1-shard2of2.bin': group1.subarray(7), 'group2-shard1of1.bin': group2 },
    );
    const { tensors } = await read(file);
    expect(Array.from(tensors.get('a')!.data)).toEqual([1.5, -2, 3, 4, 5]);
    expect(tensors.get('b')!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(tensors.get('b')!.data)).toEqual([7, -8, 2147483647]);
    expect(tensors.get('c')).toMatchObject({ dtype: 'bool', shape: [3] });
    expect(Array.from(tensors.get('c')!.data)).toEqual([1, 0, 1]);
  });
});

describe('tfjs model.json: quantised weights dequantise exactly as tfjs-core decodeWeights', () => {
  /** tfjs-core's own decoding of the same bytes and specs, as plain arrays. */
  function tfjsDecode(buffer: Uint8Array, specs: tf.io.WeightsManifestEntry[]): Record<string, Float32Array | Int32Array> {
    const out = tf.io.decodeWeights(buffer.slice().buffer, specs);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.dataSync() as Float32Array | Int32Array]));
  }

  it('uint8 (float32) and uint16 (int32, rounded) with scale and min', async () => {
    // Own quantisation fixture, as tfjs-converter computes it: scale = (max - min) / 255, q = round((v - min) / scale).
    const values = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i) * 3);
    const min = Math.min(...values);
    const scale = (Math.max(...values) - min) / 255;
    const q8 = Uint8Array.from(values, (v) => Math.round((v - min) / scale));
    const q16 = new Uint16Array([0, 1, 2, 65535, 40000]);
    const specs: tf.io.WeightsManifestEntry[] = [
      { name: 'w8', shape: [3, 4], dtype: 'float32', quantization: { dtype: 'uint8', scale, min } },
      { name: 'i16', shape: [5], dtype: 'int32', quantization: { dtype: 'uint16', scale: 0.37, min: -3.2 } },
    ];
    const buffer = new Uint8Array([...q8, ...bytesOf(q16)]);
    const file = writeManifest([{ paths: ['w.bin'], weights: specs }], { 'w.bin': buffer });
    const { tensors, details } = await read(file);
    const reference = tfjsDecode(buffer, specs);
    expect(tensors.get('w8')).toMatchObject({ dtype: 'float32', shape: [3, 4] });
    expect(Array.from(tensors.get('w8')!.data)).toEqual(Array.from(reference['w8']!));
    expect(tensors.get('i16')!.dtype).toBe('int32');
    expect(Array.from(tensors.get('i16')!.data)).toEqual(Array.from(reference['i16']!));
    expect(Array.from(tensors.get('i16')!.data)).toEqual([-3, -3, -2, 24245, 14797]);
    tensors.get('w8')!.data.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(scale / 2 + 1e-6));
    expect(details!['quantization']).toBe('2 weight(s) dequantised (uint8, uint16)');
  });

  it('float16: all 65,536 bit patterns decode to the same float32 bits as tfjs', async () => {
    const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const specs: tf.io.WeightsManifestEntry[] = [{ name: 'h', shape: [256, 256], dtype: 'float32', quantization: { dtype: 'float16' } }];
    const buffer = bytesOf(halves);
    const file = writeManifest([{ paths: ['h.bin'], weights: specs }], { 'h.bin': buffer });
    const ours = (await read(file)).tensors.get('h')!.data as Float32Array;
    const theirs = tfjsDecode(buffer, specs)['h'] as Float32Array;
    expect(new Uint32Array(ours.buffer, ours.byteOffset, ours.length)).toEqual(new Uint32Array(theirs.buffer, theirs.byteOffset, theirs.length));
    const known = float16ToFloat32(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555]));
    expect(Array.from(known)).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity, 0.333251953125]);
  });
});

describe('tfjs model.json: writing', () => {
  it('writes model.json + shards of at most shardBytes that tfjs-layers loads with identical predictions', async () => {
    const model = smallModel();
    const artifacts = await artifactsOf(model);
    const source = fs.mkdtempSync(path.join(dir(), 'src-'));
    const { tensors } = await read(writeLikeFileHandler(artifacts, source));
    const out = path.join(dir(), 'out', 'model.json');
    await write(out, tensors, { epoch: '4' }, { modelTopology: artifacts.modelTopology, shardBytes: 40 });

    const json = JSON.parse(fs.readFileSync(out, 'utf8'));
    const paths = json.weightsManifest[0].paths as string[];
    expect(paths).toEqual(['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin']);
    expect(paths.map((p) => fs.statSync(path.join(dir(), 'out', p)).size)).toEqual([40, 40, 12]);
    expect(json.userDefinedMetadata).toEqual({ strata: { epoch: '4' } });
    expect(fs.readdirSync(path.join(dir(), 'out')).sort()).toEqual([...paths, 'model.json'].sort()); // no temp files left

    // A handler that reads the files itself, as tfjs' own file handlers would.
    const handler: tf.io.IOHandler = {
      load: async () => ({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) => g.weights),
        weightData: tf.io.CompositeArrayBuffer.join(paths.map((p) => new Uint8Array(fs.readFileSync(path.join(dir(), 'out', p))).buffer)),
      }),
    };
    const loaded = await tfl.loadLayersModel(handler);
    const x = tf.tensor2d([[0.5, -1, 2, 0.25], [1, 1, -1, 0]]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    const back = await read(out);
    expect(back.metadata).toEqual({ epoch: '4' });
    expect(Array.from(back.tensors.get('out/kernel')!.data)).toEqual(Array.from(tensors.get('out/kernel')!.data));
  });

  it('writes weights only (modelTopology null), removes shards a rewrite no longer needs, prefixes shards of other stems', async () => {
    const big: NamedTensorData = { name: 'w', shape: [30], dtype: 'float32', data: Float32Array.from({ length: 30 }, (_, i) => i) };
    const file = path.join(dir(), 'model.json');
    await write(file, [big], {}, { shardBytes: 50 });
    expect(fs.readdirSync(dir()).sort()).toEqual(['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin', 'model.json']);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).modelTopology).toBeNull();
    await write(file, [{ ...big, shape: [2], data: new Float32Array([1, 2]) }]);
    expect(fs.readdirSync(dir()).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    await write(path.join(dir(), 'other.json'), [big]);
    expect(fs.readdirSync(dir()).sort()).toEqual(['group1-shard1of1.bin', 'model.json', 'other.group1-shard1of1.bin', 'other.json']);
    expect(Array.from((await read(path.join(dir(), 'other.json'))).tensors.get('w')!.data)).toEqual(Array.from(big.data));
    expect(Array.from((await read(file)).tensors.get('w')!.data)).toEqual([1, 2]);
  });

  it('a failed rewrite keeps the previous model.json and shards, and leaves no temporary files', async () => {
    const file = path.join(dir(), 'model.json');
    const first: NamedTensorData = { name: 'w', shape: [2], dtype: 'float32', data: new Float32Array([1, 2]) };
    await write(file, [first]);
    const exploding = { name: 'bad', shape: [1], dtype: 'float32', get data(): Float32Array { throw new Error('device lost'); } } as NamedTensorData;
    await expect(write(file, [exploding])).rejects.toThrow('device lost');
    const realRename = fs.promises.rename;
    let calls = 0;
    vi.spyOn(fs.promises, 'rename').mockImplementation(async (a, b) => {
      if (++calls === 1) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      return realRename(a, b);
    });
    await expect(write(file, [{ ...first, data: new Float32Array([5, 6]) }])).rejects.toThrow('EIO');
    vi.restoreAllMocks();
    expect(fs.readdirSync(dir()).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(Array.from((await read(file)).tensors.get('w')!.data)).toEqual([1, 2]);
  });
});

describe('tfjs model.json: errors name the file, the problem and the fix', () => {
  const f32 = (name: string, n: number) => ({ name, shape: [n], dtype: 'float32' });

  it('a missing shard', async () => {
    const file = writeManifest([{ paths: ['gone.bin'], weights: [f32('w', 1)] }], {});
    const err = await read(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointFileError);
    expect((err as Error).message).toMatch(/model\.json: invalid tfjs file: shard 'gone\.bin' of weightsManifest\[0\] is missing.*Fix: copy every shard/);
  });

  it('a truncated shard and extra bytes', async () => {
    const short = writeManifest([{ paths: ['w.bin'], weights: [f32('w', 3)] }], { 'w.bin': new Uint8Array(10) });
    await expect(read(short)).rejects.toThrow(/hold 10 bytes, but its 1 weights need 12 \(a shard is truncated or missing\)/);
    const long = writeManifest([{ paths: ['w.bin'], weights: [f32('w', 2)] }], { 'w.bin': new Uint8Array(10) });
    await expect(read(long)).rejects.toThrow(/hold 10 bytes, but its 1 weights need 8 \(extra bytes\)/);
  });

  it('a shard path escaping the model directory', async () => {
    for (const bad of ['../secret.bin', '/etc/passwd', 'a/../../x.bin']) {
      const file = writeManifest([{ paths: [bad], weights: [f32('w', 1)] }], {});
      const err = await read(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsafeEntryPathError);
      expect((err as UnsafeEntryPathError).entry).toBe(bad);
    }
  });

  it('unsupported dtypes and quantisations, as tfjs rejects them', async () => {
    const str = writeManifest([{ paths: [], weights: [{ name: 's', shape: [1], dtype: 'string' }] }], {});
    await expect(read(str)).rejects.toThrow(/weight "s" has dtype "string"; Strata reads float32, int32 and bool/);
    const f16int = writeManifest([{ paths: ['w.bin'], weights: [{ name: 'i', shape: [1], dtype: 'int32', quantization: { dtype: 'float16' } }] }], { 'w.bin': new Uint8Array(2) });
    await expect(read(f16int)).rejects.toThrow(/quantized with float16, which only supports weights of type float32, not int32/);
    const noScale = writeManifest([{ paths: ['w.bin'], weights: [{ name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } }] }], { 'w.bin': new Uint8Array(1) });
    await expect(read(noScale)).rejects.toThrow(/lacks a numeric scale and min/);
  });

  it('bad JSON and a missing weightsManifest', async () => {
    fs.writeFileSync(path.join(dir(), 'model.json'), '{"weightsManifest": [');
    await expect(read(path.join(dir(), 'model.json'))).rejects.toThrow(/model\.json is not valid JSON/);
    fs.writeFileSync(path.join(dir(), 'model.json'), '{"modelTopology": {}}');
    await expect(read(path.join(dir(), 'model.json'))).rejects.toThrow(/has no 'weightsManifest' list/);
  });
});
