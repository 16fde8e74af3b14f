// The params of a net dict are those of the layers RETURNN constructs
// (TFNetwork.construct_from_dict: `output`, losses, `is_output_layer` and what they
// need; in a rec unit also `end`, `need_last` and `prev:` reads). Strata builds
// every entry; the others' variables are not params. RETURNN's own numbers for a
// dict of this kind: tools/returnn-ref/src/param-count.test.ts.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictNetwork } from './net-dict-network.js';
import { returnnConstructedLayers } from './returnn-constructed.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const F = 4;
const build = (net: Record<string, unknown>) => NetDictNetwork.fromDict(net as NetDict, { externData: { data: { shape: [null, F] } }, seed: 3 });
const lin = (from: unknown, n: number, extra: Record<string, unknown> = {}) => ({ class: 'linear', activation: 'tanh', n_out: n, from, ...extra });
const dense = (nIn: number, nOut: number) => nIn * nOut + nOut;

const DICT = {
  hidden: lin('data', 5),
  unused_top: lin('hidden', 3),
  unused_a: lin('data', 2),
  unused_b: lin('unused_a', 2),
  tied_src: lin('data', 5),
  tied: lin('data', 5, { reuse_params: 'tied_src', is_output_layer: true }),
  dec: {
    class: 'rec',
    from: 'hidden',
    unit: {
      s: lin(['data:source', 'prev:s'], 3),
      g: lin('s', 3),
      output: { class: 'combine', kind: 'mul', from: ['s', 'prev:g'] },
      unused_rec: lin('s', 2),
      unused_prev: lin(['prev:s', 'prev:unused_prev'], 2),
    },
  },
  output: { class: 'copy', from: 'dec' },
};

describe('params of the layers RETURNN constructs', () => {
  it('takes an entry named like a reference ("prev:x", a legal key) by its own name (fuzzer seed 8, case 470)', () => {
    const net = build({ l1: lin('data', 3), 'prev:x': { class: 'softmax', n_out: 2, from: 'l1', is_output_layer: true } });
    expect([...returnnConstructedLayers(net.graph).get(net.graph)!].sort()).toEqual(['l1', 'prev:x']);
    expect(net.params.getNumParams()).toBe(dense(F, 3) + dense(3, 2));
  });
  it('leaves out unused layers (top level, chains, inside a rec unit); keeps prev:, reuse_params and is_output_layer dependencies', () => {
    const net = build(DICT);
    expect([...net.nodes.keys()]).toContain('unused_top');
    const needed = returnnConstructedLayers(net.graph);
    expect([...needed.get(net.graph)!].sort()).toEqual(['dec', 'hidden', 'output', 'tied', 'tied_src']);
    const paths = net.params.getParamsList().map((v) => v.path);
    expect(paths.filter((p) => p.includes('unused'))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['network/tied_src/kernel', 'network/dec/g/kernel', 'network/dec/s/kernel']));
    // hidden 4→5, tied_src 4→5 (tied shares it), s (5+3)→3, g 3→3.
    expect(net.params.getNumParams()).toBe(dense(F, 5) + dense(F, 5) + dense(5 + 3, 3) + dense(3, 3));
    expect(net.weights.length - paths.length).toBe(2 * 5); // the 5 unused linear layers' kernels and biases
    expect(net.variables).toEqual(net.params.getSaveableParamsList());
    expect(net.trainableVariables.map((v) => v.path)).toEqual(paths);
    expect(Object.keys(net.params.getParamValuesDict()).sort()).toEqual(['dec', 'hidden', 'tied', 'tied_src']);
  });

  it('a loss inside a rec unit is a root only with eval_flag (RETURNN _construct_template); at the top level always', () => {
    const dict = {
      top_loss: lin('data', F, { loss: 'mse', target: 'data' }),
      dec: { class: 'rec', from: 'data', unit: { s: lin(['data:source', 'prev:s'], 3), aux: lin('s', F, { loss: 'mse', target: 'data' }), output: { class: 'copy', from: 's' } } },
      output: { class: 'copy', from: 'dec' },
    };
    const withEval = NetDictNetwork.fromDict(dict as NetDict, { externData: { data: { shape: [null, F] } }, seed: 3 });
    const noEval = NetDictNetwork.fromDict(dict as NetDict, { externData: { data: { shape: [null, F] } }, seed: 3, trainFlag: false, evalFlag: false });
    const names = (n: NetDictNetwork) => n.params.getParamsList().map((v) => v.path);
    expect(names(withEval)).toEqual(expect.arrayContaining(['network/top_loss/kernel', 'network/dec/aux/kernel', 'network/dec/s/kernel']));
    expect(names(noEval)).toContain('network/top_loss/kernel');
    expect(names(noEval)).not.toContain('network/dec/aux/kernel');
    expect(withEval.params.getNumParams() - noEval.params.getNumParams()).toBe(dense(3, F));
  });

  it('a layer constructed on request (constructLayer) has params, as in RETURNN', () => {
    const net = build(DICT);
    const before = net.params.getNumParams();
    net.constructLayer(undefined, 'unused_b');
    expect(net.params.getNumParams()).toBe(before + dense(F, 2) + dense(2, 2));
  });

  it('saves and loads only those params; the unused layers keep their values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-unused-'));
    try {
      const a = build(DICT);
      const b = NetDictNetwork.fromDict(DICT as NetDict, { externData: { data: { shape: [null, F] } }, seed: 9 });
      await a.params.saveParamsToFile(join(dir, 'p.safetensors'));
      const unusedBefore = Array.from(b.nodes.get('unused_top')!.layer.weights[0]!.readSync());
      await b.params.loadParamsFromFile(join(dir, 'p.safetensors'));
      expect(Array.from(b.nodes.get('hidden')!.layer.weights[0]!.readSync())).toEqual(Array.from(a.nodes.get('hidden')!.layer.weights[0]!.readSync()));
      expect(Array.from(b.nodes.get('unused_top')!.layer.weights[0]!.readSync())).toEqual(unusedBefore);
      const x = { data: ops.tensor(Float32Array.from({ length: 2 * 3 * F }, (_, i) => Math.cos(i)), [2, 3, F]), 'data:size1': ops.tensor([3, 2], [2], 'int32') };
      expect(Array.from(ops.readSync(b.forward(x).get('output')!.value))).toEqual(Array.from(ops.readSync(a.forward(x).get('output')!.value)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
