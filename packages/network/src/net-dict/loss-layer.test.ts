// RETURNN's LossLayer (class "loss"): the per-frame loss/error of its source against target_; numbers are
// checked against RETURNN in tools/returnn-ref (fixture as_is_f_loss_layer_ce); here the closed form and the errors.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const externData = { data: { shape: [null, 3] }, classes: { shape: [null], sparse: true, dim: 3 }, other: { shape: [null], sparse: true, dim: 3 } };
const build = (dict: Record<string, unknown>) => NetDictNetwork.fromDict(dict as NetDict, { externData: externData as never, seed: 1 });
// data used as the logits of a softmax over 3 classes (a fixed source: `activation` softmax on the input).
const x = [2, 0, -1, 0, 1, 0.5, -3, 0, 3, 1, 1, 1];
const batch = () => ({
  data: ops.tensor(x, [1, 4, 3]),
  'data:size1': ops.tensor([3], [1], 'int32'),
  classes: ops.tensor([0, 2, 2, 1], [1, 4], 'int32'),
  'classes:size1': ops.tensor([3], [1], 'int32'),
  other: ops.tensor([1, 1, 1, 1], [1, 4], 'int32'),
  'other:size1': ops.tensor([3], [1], 'int32'),
});
const ce = (row: number[], k: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[k]!;
const rows = [0, 1, 2].map((t) => x.slice(3 * t, 3 * t + 3));

describe('loss layer (RETURNN LossLayer)', () => {
  it('ce per frame (padding 0), use_error, sub-layers loss/error, default target classes', () => {
    const net = build({
      prob: { class: 'activation', activation: 'softmax', from: 'data' },
      l: { class: 'loss', from: 'prob', loss_: 'ce', is_output_layer: true },
      e: { class: 'loss', from: 'prob', loss_: 'ce', target_: 'other', use_error: true, is_output_layer: true },
      output: { class: 'combine', kind: 'add', from: ['l/error', 'e/loss'] },
    });
    const outs = net.forward(batch());
    const read = (n: string) => Array.from(ops.readSync(outs.get(n)!.value));
    const want = [ce(rows[0]!, 0), ce(rows[1]!, 2), ce(rows[2]!, 2), 0];
    read('l').forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(read('e')).toEqual([1, 0, 1, 0]); // argmax 0, 1, 2 vs target 1
    const sum = [0, 1, 0, 0].map((err, t) => err + (t < 3 ? ce(rows[t]!, 1) : 0));
    read('output').forEach((v, i) => expect(v).toBeCloseTo(sum[i]!, 5)); // l errs at frame 1 only (argmax 0, 1, 2 vs 0, 2, 2)
  });

  it('refuses what it cannot do, naming the entry', () => {
    expect(() => build({ output: { class: 'loss', from: 'data', loss_: 'ce', target_: 'nope' } })).toThrow(/Net dict entry 'output' \(class 'loss'\): target_ 'nope' is not an extern-data key/);
    expect(() => build({ a: { class: 'copy', from: 'data' }, output: { class: 'loss', from: 'data', loss_: 'ce', target_: 'layer:a' } })).toThrow(/a layer as target is not supported yet/);
    expect(() => build({ output: { class: 'loss', from: 'data' } })).toThrow(/loss_/);
    expect(() => build({ l: { class: 'loss', from: 'data', loss_: 'ce' }, output: { class: 'copy', from: 'l/foo' } })).toThrow(/the sub-layers 'loss' and 'error' only/);
  });
});
