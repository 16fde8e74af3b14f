// RETURNN's construct_from_dict constructs only `output`, losses, `is_output_layer`,
// `register_as_extern_data` entries and what they need: an error in any other entry
// never reaches it. Strata builds every entry, but such an error does not fail the
// network; the entry is then unavailable and asking for it throws the saved error.
import { ops, setBackend } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../index.js';
import { NetDictError } from '../errors.js';
import { NetDictNetwork } from './net-dict-network.js';
import type { NetDict } from './schema.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const extern = { data: { shape: [null, 3] } };
const build = (net: Record<string, unknown>) => NetDictNetwork.fromDict(net as NetDict, { externData: extern, seed: 1 });
/** A 2-D max pool over [B,T,F] data: rank 3, not the [B,H,W,C] a 2-D pool needs (fails while building). */
const brokenPool = { class: 'pool', mode: 'max', pool_size: [2, 2], padding: 'same', from: 'data' };
const x = [0.5, -1, 2, 3, -0.25, 1.5, -2, 0.75, 4, 1, 1, -3];

describe('entries RETURNN would not construct', () => {
  it('a broken unused entry does not fail the network; the used output is computed (tanh(x) * 2)', () => {
    const net = build({ downsample: brokenPool, act: { class: 'activation', activation: 'tanh', from: 'data' }, output: { class: 'eval', eval: 'source(0) * 2', from: 'act' } });
    expect([...net.nodes.keys()].sort()).toEqual(['act', 'output']);
    const out = net.forward({ data: ops.tensor(x, [2, 2, 3]), 'data:size1': ops.tensor([2, 2], [2], 'int32') }).get('output')!.value;
    const got = Array.from(ops.readSync(out));
    x.forEach((v, i) => expect(got[i]).toBeCloseTo(Math.tanh(v) * 2, 6));
  });

  it('asking for the broken entry later throws its original typed error naming it', () => {
    const net = build({ downsample: brokenPool, output: { class: 'copy', from: 'data' } });
    let original: unknown;
    try {
      build({ output: brokenPool });
    } catch (e) {
      original = e;
    }
    expect(original).toBeInstanceOf(NetDictError);
    const message = (original as Error).message.replace("'output'", "'downsample'").replace("Layer 'output'", "Layer 'downsample'");
    expect(() => net.node('downsample')).toThrow(NetDictError);
    expect(() => net.node('downsample')).toThrow(/Net dict entry 'downsample' \(class 'pool'\)/);
    expect(() => net.getLayer('downsample')).toThrow(message);
    expect(() => net.constructLayer(undefined, 'downsample')).toThrow(message);
    // A new entry that reads it is constructed on request, so it fails with the same error.
    expect(() => net.constructLayer({ more: { class: 'copy', from: 'downsample' } }, 'more')).toThrow(message);
  });

  it('an entry RETURNN constructs fails the network as before: output, a loss, is_output_layer, or a source of one', () => {
    expect(() => build({ output: brokenPool })).toThrow(/Net dict entry 'output' \(class 'pool'\)/);
    expect(() => build({ p: { ...brokenPool, is_output_layer: true }, output: { class: 'copy', from: 'data' } })).toThrow(/Net dict entry 'p' \(class 'pool'\)/);
    expect(() => build({ p: { ...brokenPool, loss: 'mse', target: 'data' }, output: { class: 'copy', from: 'data' } })).toThrow(/Net dict entry 'p' \(class 'pool'\)/);
    // 'a_pool' comes first and fails alone; 'output' needs it, so its error is the network's.
    expect(() => build({ a_pool: brokenPool, output: { class: 'copy', from: 'a_pool' } })).toThrow(/Net dict entry 'a_pool' \(class 'pool'\)/);
    // Inside a sub-network the same holds for its own output.
    expect(() => build({ output: { class: 'subnetwork', from: 'data', subnetwork: { p: brokenPool, output: { class: 'copy', from: 'p' } } } })).toThrow(/entry 'p' \(class 'pool'\)/);
  });

  it('a broken unused entry inside a sub-network: the sub-network builds', () => {
    const net = build({ output: { class: 'subnetwork', from: 'data', subnetwork: { p: brokenPool, output: { class: 'activation', activation: 'relu', from: 'data' } } } });
    const out = net.forward({ data: ops.tensor(x, [2, 2, 3]), 'data:size1': ops.tensor([2, 2], [2], 'int32') }).get('output')!.value;
    expect(Array.from(ops.readSync(out))).toEqual(x.map((v) => Math.max(v, 0)));
  });
});
