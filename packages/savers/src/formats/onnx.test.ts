import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { traceToOnnx, writeOnnxFile } from '@strata/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFileError } from '../errors.js';
import { onnxFormat } from './onnx.js';
import { readCheckpointFile } from './registry.js';
import { useTempDir } from '../test-utils/temp-dir.js';

const dir = useTempDir('strata-onnx-');
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

describe('ONNX initializers as a checkpoint', () => {
  it('reads the weights of a model exported by traceToOnnx, named by checkpoint key, with exact values', async () => {
    const kernel = Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 7);
    const bias = new Float32Array([0.5, -0.25, 1]);
    const w = ops.tensor(kernel, [4, 3]);
    const b = ops.tensor(bias, [3]);
    const model = traceToOnnx(
      (x) => {
        const [batch, time, f] = x.shape as [number, number, number];
        const y = ops.relu(ops.add(ops.matMul(ops.reshape(x, [batch * time, f]), w), b));
        return ops.reshape(y, [batch, time, 3]);
      },
      [{ name: 'data', dtype: 'float32', shape: ['batch', 'time', 4] }],
      { names: new Map([[w, 'net/dense/kernel'], [b, 'net/dense/bias']]), metadata: { epoch: '7' } },
    );
    const file = path.join(dir(), 'net.onnx');
    await writeOnnxFile(file, model);

    const { tensors, metadata, details, format, files } = await readCheckpointFile(file);
    expect(format).toBe('onnx');
    expect(tensors.get('net/dense/kernel')).toMatchObject({ name: 'net/dense/kernel', dtype: 'float32', shape: [4, 3] });
    expect(Array.from(tensors.get('net/dense/kernel')!.data)).toEqual(Array.from(kernel));
    expect(Array.from(tensors.get('net/dense/bias')!.data)).toEqual([0.5, -0.25, 1]);
    // The other initializers are the reshape's int64 constants, held as int32.
    const others = [...tensors.values()].filter((t) => !t.name.startsWith('net/'));
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((t) => t.dtype === 'int32')).toBe(true);
    expect(details).toMatchObject({ producer: 'strata 0.1.0', inputs: 'data', outputs: 'output', converted: 'int64→int32' });
    expect(details!['opsets']).toMatch(/^ai\.onnx \d+$/);
    expect(metadata).toEqual({ epoch: '7' });
    expect(files).toEqual([{ path: file, bytes: model.bytes.length }]);
    ops.dispose([w, b]);
  });

  it('a file that is not ONNX is a CheckpointFileError naming it', async () => {
    const file = path.join(dir(), 'junk.onnx');
    fs.writeFileSync(file, new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    const err = await onnxFormat.read(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointFileError);
    expect((err as Error).message).toMatch(/junk\.onnx: invalid onnx file: the bytes are not a protobuf ModelProto.*Fix: pass an \.onnx file/);
  });
});
