// Exported sequence networks keep dynamic batch and time axes (with the inputs'
// lengths as a graph input), and what cannot be exported says so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendCapabilityError, ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { exportOnnx, NetDictNetwork } from '@strata/network';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'strata-export-seq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37));

describe('ONNX export of sequence networks', () => {
  it('a frame-wise network over 13 features runs at other batch and time sizes, as Strata computes it', async () => {
    // 13 features: a static size that must not be confused with a dynamic one.
    const net = NetDictNetwork.fromDict(
      {
        hidden: { class: 'linear', activation: 'tanh', n_out: 8, from: 'data' },
        output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
      } as never,
      { externData: { data: { dim: 13, shape: [null, 13] }, classes: { dim: 5, sparse: true } }, seed: 3 },
    );
    const file = join(dir, 'frames.onnx');
    const model = await exportOnnx(net, file);
    expect(model.inputs.map((i) => [i.name, i.dims])).toEqual([
      ['data', ['batch', 'time', 13]],
      ['data:size1', ['batch']],
    ]);
    expect(model.outputs[0]!.dims).toEqual(['batch', 'time', 5]);
    const session = await ort.InferenceSession.create(file);
    for (const [b, t] of [[2, 5], [3, 9], [1, 1]] as const) {
      const x = values(b * t * 13, b + t);
      const lens = Int32Array.from({ length: b }, () => t);
      const r = await session.run({ data: new ort.Tensor('float32', x, [b, t, 13]), 'data:size1': new ort.Tensor('int32', lens, [b]) });
      const out = r.output!;
      expect(out.dims).toEqual([b, t, 5]);
      const want = ops.readSync(net.forward({ data: ops.tensor(x, [b, t, 13]), 'data:size1': ops.tensor(lens, [b], 'int32') }).get('output')!.value);
      Array.from(out.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    }
  });

  it('a rec layer (a loop over a dynamic time axis) is refused with BackendCapabilityError, not unrolled to the traced length', async () => {
    const net = NetDictNetwork.fromDict(
      { fw: { class: 'rec', unit: 'lstm', n_out: 4 }, output: { class: 'softmax', loss: 'ce', from: 'fw', target: 'classes' } } as never,
      { externData: { data: { dim: 3, shape: [null, 3] }, classes: { dim: 2, sparse: true } }, seed: 3 },
    );
    await expect(exportOnnx(net, join(dir, 'rec.onnx'))).rejects.toThrow(BackendCapabilityError);
    await expect(exportOnnx(net, join(dir, 'rec.onnx'))).rejects.toThrow(/dynamic axis 'time'|dynamic \(time\) axis/);
  });
});
