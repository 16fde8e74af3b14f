// RETURNN's eval strings in net dicts: the run config they read, and the entry their errors name.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { EvalExpressionError } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetDictError } from '../errors.js';
import '../index.js';
import { thrownBy } from '../test-utils/thrown.js';
import { NetDictNetwork } from './net-dict-network.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const externData = { data: { shape: [null, 3] } };
const xOf = () => ops.tensor(Float32Array.from([1, -2, 3, 0.5, 0, -1, 2, 4, -3, 1, 1, 1]), [2, 2, 3]);

describe('eval strings in net dicts', () => {
  let x: ReturnType<typeof xOf>;
  beforeAll(() => {
    x = xOf();
  });
  it("read the run config through self.network.get_config().typed_value, RETURNN's way", () => {
    const net = NetDictNetwork.fromDict(
      { output: { class: 'eval', from: 'data', eval: "source(0) * self.network.get_config().typed_value('scale') + self.network.get_config().typed_value('shift', 0.5)" } },
      { externData, config: { scale: 3 }, seed: 1 },
    );
    const got = Array.from(ops.readSync(net.forward({ data: x }).get('output')!.value));
    expect(got).toEqual(Array.from(ops.readSync(x)).map((v) => v * 3 + 0.5));
  });

  it('name the entry with its network prefix, inside a rec unit too', () => {
    const top = thrownBy<Error>(() => NetDictNetwork.fromDict({ output: { class: 'eval', from: 'data', eval: 'tf.nn.dropout(source(0), 0.5)' } }, { externData, seed: 1 }));
    expect(top).toBeInstanceOf(NetDictError);
    expect(top.message).toMatch(/Net dict entry 'output' \(class 'eval'\): network\.output\.eval: function `tf\.nn\.dropout`/);
    const inRec = thrownBy<Error>(() =>
      NetDictNetwork.fromDict(
        { output: { class: 'rec', from: 'data', unit: { output: { class: 'eval', from: 'data:source', eval: 'tf.nn.crelu(source(0))' } } } },
        { externData, seed: 1 },
      ),
    );
    expect(inRec.message).toMatch(/network\.output\/output\.eval: function `tf\.nn\.crelu`/);
  });

  it('a combine entry with kind eval takes eval_locals', () => {
    const net = NetDictNetwork.fromDict(
      { a: { class: 'eval', from: 'data', eval: 'tf.abs(source(0))' }, output: { class: 'combine', kind: 'eval', from: ['data', 'a'], eval: 'source(0) * w + source(1)', eval_locals: { w: -2 } } },
      { externData, seed: 1 },
    );
    const got = Array.from(ops.readSync(net.forward({ data: x }).get('output')!.value));
    expect(got).toEqual(Array.from(ops.readSync(x)).map((v) => v * -2 + Math.abs(v)));
    expect(() => new EvalExpressionError({ entry: 'e', expression: 's', offset: 0, construct: 'c', problem: 'p.', fix: 'f.' })).not.toThrow();
  });

  it("out_type gives the template's dtype and shape (the time axis stays the source's, with its lengths)", () => {
    const net = NetDictNetwork.fromDict(
      {
        pos: { class: 'eval', from: 'data', eval: 'source(0) > 0', out_type: { dtype: 'bool' } },
        output: { class: 'eval', from: 'data', eval: 'tf.cast(source(0) > 0, tf.int32)', out_type: { shape: [null, 3], dtype: 'int32' } },
      },
      { externData, seed: 1 },
    );
    const data = net.externData.getData('data');
    for (const [name, dtype] of [['pos', 'bool'], ['output', 'int32']] as const) {
      const t = net.outputData(name);
      expect(t.dtype).toBe(dtype);
      expect(t.timeDim).toBe(data.timeDim);
      expect(t.shape).toEqual([null, 3]);
    }
    const got = net.forward({ data: x });
    expect(Array.from(ops.readSync(got.get('output')!.value))).toEqual(Array.from(ops.readSync(x)).map((v) => (v > 0 ? 1 : 0)));
  });

  it("out_type batch_dim_axis / time_dim_axis (RETURNN Data kwargs, with the batch axis) are checked against the template's axes", () => {
    const build = (outType: Record<string, unknown>, ext: Record<string, unknown> = externData) =>
      NetDictNetwork.fromDict({ output: { class: 'eval', from: 'data', eval: 'source(0) * 2', out_type: outType } } as never, { externData: ext as never, seed: 1 });
    // [B, T, 3]: batch axis 0, time axis 1.
    const net = build({ batch_dim_axis: 0, time_dim_axis: 1 });
    expect(net.outputData('output').shape).toEqual([null, 3]);
    expect(Array.from(ops.readSync(net.forward({ data: x }).get('output')!.value))).toEqual(Array.from(ops.readSync(x)).map((v) => v * 2));
    // [B, 3] (no time axis): time_dim_axis None, as RETURNN's {"time_dim_axis": None, "shape": (...)}.
    expect(build({ time_dim_axis: null }, { data: { shape: [3] } }).outputData('output').shape).toEqual([3]);
    expect(build({ time_dim_axis: null, shape: [3] }, { data: { shape: [3] } }).outputData('output').shape).toEqual([3]);
    expect(() => build({ time_dim_axis: null })).toThrow(/out_type.time_dim_axis=None, but the output is .* \(batch axis 0, time axis 1\)/);
    expect(() => build({ time_dim_axis: 2 })).toThrow(/time_dim_axis=2/);
    expect(() => build({ batch_dim_axis: null })).toThrow(/out_type.batch_dim_axis=None, but .*has the batch axis when a source has one/);
    expect(() => build({ batch_dim_axis: 1 })).toThrow(/batch_dim_axis/);
  });

  it("self.network.get_rec_step_index() inside a rec unit is the running frame (RETURNN TFNetwork.get_rec_step_index), int32", () => {
    const net = NetDictNetwork.fromDict(
      {
        output: {
          class: 'rec',
          from: 'data',
          unit: {
            output: { class: 'eval', from: 'data:source', eval: 'source(0) * 10. + tf.cast(self.network.get_rec_step_index(), tf.float32)' },
          },
        },
      } as never,
      { externData, seed: 1 },
    );
    const got = Array.from(ops.readSync(net.forward({ data: x }).get('output')!.value));
    // x is [2, 2, 3]: frame t of every sequence gets + t.
    expect(got).toEqual(Array.from(ops.readSync(x)).map((v, k) => Math.fround(v * 10) + (Math.floor(k / 3) % 2)));
    // Outside a rec unit there is no frame: a clear error naming the call.
    const top = NetDictNetwork.fromDict({ output: { class: 'eval', from: 'data', eval: 'source(0) + tf.cast(self.network.get_rec_step_index(), tf.float32)' } } as never, { externData, seed: 1 });
    expect(() => top.forward({ data: x })).toThrow(/get_rec_step_index.*not inside a rec unit/s);
  });
});
