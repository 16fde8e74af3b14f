// GraphBuilder.output: computed values become outputs by renaming (no Identity copy); inputs,
// constants and values output twice go through Identity. Checked by running the graphs.
import { GraphBuilder, serializeModel } from '@strata/onnx';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

async function run(g: GraphBuilder, feeds: Record<string, number[]>): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(serializeModel(g));
  const tensors = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', Float32Array.from(v), [v.length])]));
  const out = await session.run(tensors);
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
}

describe('GraphBuilder.output', () => {
  it('renames a computed value to the output name; a second output of it, an input and a value used later go through Identity', async () => {
    const g = new GraphBuilder({ opset: 26 });
    const x = g.input('x', 'float32', [2]);
    const y = g.op('Add', [x, x], {}, { shape: [2], dtype: 'float32', dims: [2] });
    const z = g.op('Mul', [y, y], {}, { shape: [2], dtype: 'float32', dims: [2] });
    g.output(y, 'y_out');
    g.output(z, 'z_out');
    g.output(y, 'y_again');
    g.output(x, 'x_out');
    expect(g.nodes.map((n) => n.opType)).toEqual(['Add', 'Mul', 'Identity', 'Identity']);
    expect(g.nodes[0]!.outputs).toEqual(['y_out']);
    expect(g.nodes[1]!.inputs).toEqual(['y_out', 'y_out']);
    expect(await run(g, { x: [1, 2] })).toEqual({ y_out: [2, 4], z_out: [4, 16], y_again: [2, 4], x_out: [1, 2] });
  });
});
