import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { Rng, sizeKey } from '@strata/core';
import { CrossEntropyLoss, ctcBeamSearchDecode, ctcLoss, editDistance } from '@strata/losses';
import { type NetDict, NetDictNetwork } from '@strata/network';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from './dataset.js';
import { Engine, type EngineOptions } from './engine.js';
import { DataError, EngineConfigError } from './errors.js';

// Toy sequence tasks on one-hot frames of V symbols, lengths 1..12.
const V = 5;

/** Random symbol sequences with their one-hot frames (`data`, float32 `[len·V]`). */
function symbolSeqs(n: number, seed: number, maxLen = 12): { syms: number[][]; frames: Float32Array[] } {
  const rng = new Rng(seed);
  const syms = Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(maxLen) }, () => rng.int(V)));
  const frames = syms.map((s) => {
    const f = new Float32Array(s.length * V);
    s.forEach((k, t) => (f[t * V + k] = 1));
    return f;
  });
  return { syms, frames };
}

/** Tagging: `classes[t] = (data[t] + 1) mod V`, one label per input frame. */
function tagging(name: string, n: number, seed: number): Dataset & { syms: number[][] } {
  const { syms, frames } = symbolSeqs(n, seed);
  const classes = syms.map((s) => Int32Array.from(s, (k) => (k + 1) % V));
  return {
    name,
    size: n,
    syms,
    extern: { data: { dim: V, shape: [null, V] }, classes: { dim: V, sparse: true, shape: [null] } },
    example: (i) => ({ data: frames[i]!, classes: classes[i]! }),
  };
}

/** CTC: `classes` = the input symbols with runs merged (shorter than the input); class V is the blank. */
function runs(name: string, n: number, seed: number): Dataset & { labels: number[][] } {
  const { syms, frames } = symbolSeqs(n, seed);
  const labels = syms.map((s) => s.filter((k, t) => t === 0 || s[t - 1] !== k));
  return {
    name,
    size: n,
    labels,
    extern: { data: { dim: V, shape: [null, V] }, classes: { dim: V, sparse: true, shape: [null] } },
    example: (i) => ({ data: frames[i]!, classes: Int32Array.from(labels[i]!) }),
  };
}

const externOf = (ds: Dataset) => ds.extern as Record<string, unknown>;
const BASE: Omit<EngineOptions, 'batchSize'> = { epochs: 1, seed: 3, optimizer: { class: 'adam', learningRate: 0.05 }, progress: false, log: () => {} };

interface SeenBatch {
  shapes: Record<string, number[]>;
  dataLens: number[];
  classesLens: number[];
  /** A fingerprint of the batch's data values, to tell batches of equal lengths apart. */
  checksum: number;
}

/** Records the batches `forward` receives (read back on the eager tfjs backend). */
function recordBatches(net: NetDictNetwork): SeenBatch[] {
  const seen: SeenBatch[] = [];
  // The engine's steps call the model contract's computeLosses with each batch.
  const computeLosses = net.computeLosses.bind(net);
  net.computeLosses = (inputs, ctx) => {
    seen.push({
      shapes: Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, [...t.shape, t.dtype === 'int32' ? 1 : 0]])),
      dataLens: Array.from(ops.readSync(inputs[sizeKey('data')]!)),
      classesLens: Array.from(ops.readSync(inputs[sizeKey('classes')]!)),
      checksum: Array.from(ops.readSync(inputs.data!)).reduce((a, v, i) => a + v * ((i % 97) + 1), 0),
    });
    return computeLosses(inputs, ctx);
  };
  return seen;
}

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

const TAGGER: NetDict = {
  hidden: { class: 'linear', activation: 'tanh', n_out: 12, from: 'data' },
  output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
};

describe('Engine on sequence data', () => {
  const train = tagging('tag/train', 150, 1);
  const dev = tagging('tag/dev', 40, 2);
  const totalFrames = (ds: { syms: number[][] }) => ds.syms.reduce((a, s) => a + s.length, 0);

  it('batches by padded frames (batchSize) and maxSeqs, uploads every key with its int32 lengths (<key>:size1), each example once per epoch', async () => {
    const net = NetDictNetwork.fromDict(TAGGER, { externData: externOf(train), seed: 7 });
    const seen = recordBatches(net);
    const engine = new Engine(net, { ...BASE, batchSize: 40, maxSeqs: 6, epochs: 2 });
    await engine.train(train);
    const epochs = [seen.slice(0, seen.length / 2), seen.slice(seen.length / 2)];
    for (const batches of epochs) {
      for (const b of batches) {
        const [n, time] = b.shapes.data!;
        expect(Object.keys(b.shapes).sort()).toEqual(['classes', 'classes:size1', 'data', 'data:size1']);
        expect(b.shapes.data).toEqual([n, time, V, 0]);
        expect(b.shapes.classes).toEqual([n, time, 1]);
        expect(b.shapes['data:size1']).toEqual([n, 1]);
        expect(b.classesLens).toEqual(b.dataLens);
        expect(Math.max(...b.dataLens)).toBe(time);
        expect(n).toBeLessThanOrEqual(6);
        if (n > 1) expect(n * time!).toBeLessThanOrEqual(40);
      }
      // Every example once: the lengths seen are the dataset's lengths.
      const lens = batches.flatMap((b) => b.dataLens).sort((a, b) => a - b);
      expect(lens).toEqual(train.syms.map((s) => s.length).sort((a, b) => a - b));
    }
    // Bucketing keeps padding low; the second epoch groups other examples.
    const padded = epochs[0]!.reduce((a, b) => a + b.shapes.data![0]! * b.shapes.data![1]!, 0);
    expect(totalFrames(train) / padded).toBeGreaterThan(0.8);
    expect(epochs[1]!.map((b) => b.checksum)).not.toEqual(epochs[0]!.map((b) => b.checksum));
  });

  it('is deterministic per (seed, epoch): two engines see the same batches', async () => {
    const run = async () => {
      const net = NetDictNetwork.fromDict(TAGGER, { externData: externOf(train), seed: 7 });
      const seen = recordBatches(net);
      await new Engine(net, { ...BASE, batchSize: 40 }).train(train);
      return seen.map((b) => [b.checksum, ...b.dataLens]);
    };
    expect(await run()).toEqual(await run());
  });

  it('normalises ce by the sum of target lengths: evaluate equals unpadded per-sequence sums / frames', () => {
    const net = NetDictNetwork.fromDict(TAGGER, { externData: externOf(dev), seed: 7 });
    const r = new Engine(net, { ...BASE, batchSize: 40, evalBatchSize: 30 }).evaluate(dev);
    let sum = 0;
    let errors = 0;
    const ce = new CrossEntropyLoss();
    ops.tidy(() => {
      for (let i = 0; i < dev.size; i++) {
        const e = dev.example(i);
        const len = dev.syms[i]!.length;
        const out = net.forward({ data: ops.tensor(e.data as Float32Array, [1, len, V]) }).get('output')!;
        const target = ops.tensor(e.classes as Int32Array, [1, len], 'int32');
        sum += ops.item(ce.computeSum({ output: out.value, logits: out.logits }, target));
        errors += ops.item(ce.computeError({ output: out.value, logits: out.logits }, target));
      }
    });
    expect(r.losses.output!.frames).toBe(totalFrames(dev));
    expect(r.loss).toBeCloseTo(sum / totalFrames(dev), 5);
    expect(r.errorRate).toBeCloseTo(errors / totalFrames(dev), 10);
    expect(r.samples).toBe(dev.size);
  });

  it('trains: dev loss falls and frame accuracy rises', async () => {
    const net = NetDictNetwork.fromDict(TAGGER, { externData: externOf(train), seed: 7 });
    const engine = new Engine(net, { ...BASE, batchSize: 60, epochs: 4 });
    const before = engine.evaluate(dev);
    const r = await engine.train(train, dev);
    const after = r.history.at(-1)!.dev!;
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy).toBeGreaterThan(0.95);
    expect(r.history[0]!.train.losses.output!.frames).toBe(totalFrames(train));
  });

  it('predict returns outputs padded to the longest sequence, in dataset order, with lengths', () => {
    const net = NetDictNetwork.fromDict(TAGGER, { externData: externOf(dev), seed: 7 });
    const p = new Engine(net, { ...BASE, batchSize: 40 }).predict(dev, { batchSize: 25 });
    const maxLen = Math.max(...dev.syms.map((s) => s.length));
    expect(p.shape).toEqual([dev.size, maxLen, V]);
    expect(Array.from(p.seqLens!)).toEqual(dev.syms.map((s) => s.length));
    for (const i of [0, 7, dev.size - 1]) {
      const len = dev.syms[i]!.length;
      const want = ops.tidy(() => Array.from(ops.readSync(net.forward({ data: ops.tensor(dev.example(i).data as Float32Array, [1, len, V]) }).get('output')!.value)));
      const row = Array.from(p.values.subarray(i * maxLen * V, (i * maxLen + len) * V));
      row.forEach((v, j) => expect(v).toBeCloseTo(want[j]!, 5));
      expect(p.values.subarray((i * maxLen + len) * V, (i + 1) * maxLen * V).every((v) => v === 0)).toBe(true);
    }
  });
});

describe('Engine on sequence data: errors', () => {
  it('names the dataset example of a bad class id or a partial frame; rejects bad maxSeqs and unsupported dynamic shapes', async () => {
    const good = tagging('good', 30, 1);
    const net = () => NetDictNetwork.fromDict(TAGGER, { externData: externOf(good), seed: 7 });
    const bad = { ...good, name: 'bad', example: (i: number) => (i === 17 ? { ...good.example(i), classes: Int32Array.of(9) } : good.example(i)) };
    await expect(new Engine(net(), { ...BASE, batchSize: 1000 }).train(bad)).rejects.toThrow(DataError);
    await expect(new Engine(net(), { ...BASE, batchSize: 1000 }).train(bad)).rejects.toThrow(/Dataset 'bad': collateSequences: example 17, key 'classes', frame 0: class id 9 is outside \[0, 5\)/);
    const partial = { ...good, name: 'partial', example: (i: number) => (i === 4 ? { ...good.example(i), data: new Float32Array(7) } : good.example(i)) };
    await expect(new Engine(net(), { ...BASE, batchSize: 1000 }).train(partial)).rejects.toThrow(/Dataset 'partial', example 4, key 'data': 7 values are not whole frames of 5/);
    expect(() => new Engine(net(), { ...BASE, batchSize: 100, maxSeqs: 0 })).toThrow(/max_seqs must be a positive integer. Received: max_seqs=0/);
    // The net fits these templates (output [T, 2, V] for class ids [T, 2]); the engine refuses the shapes' batching.
    const extern2d = { data: { dim: V, shape: [null, 2, V] }, classes: { dim: V, sparse: true, shape: [null, 2] } };
    const net2d = NetDictNetwork.fromDict(TAGGER, { externData: extern2d, seed: 7 });
    const ds2d = { ...good, extern: extern2d };
    await expect(new Engine(net2d, { ...BASE, batchSize: 100 }).train(ds2d)).rejects.toThrow(EngineConfigError);
  });
});

describe('Engine with a CTC loss (output lengths from the network)', () => {
  const train = runs('runs/train', 120, 3);
  const dev = runs('runs/dev', 30, 4);
  const CTC_NET: NetDict = {
    hidden: { class: 'linear', activation: 'tanh', n_out: 16, from: 'data' },
    output: { class: 'softmax', loss: 'ctc', from: 'hidden', target: 'classes' },
  };
  const labels = (ds: { labels: number[][] }) => ds.labels.reduce((a, l) => a + l.length, 0);

  it('evaluate: cost = sum of CTC NLLs / target labels, error = beam-search (beam_width 100) label errors / target labels, greedy with beam_width 1', () => {
    const net = NetDictNetwork.fromDict(CTC_NET, { externData: externOf(dev), seed: 5 });
    const r = new Engine(net, { ...BASE, batchSize: 50 }).evaluate(dev);
    const greedyNet = NetDictNetwork.fromDict({ ...CTC_NET, output: { ...CTC_NET.output, loss_opts: { beam_width: 1 } } }, { externData: externOf(dev), seed: 5 });
    const greedy = new Engine(greedyNet, { ...BASE, batchSize: 50 }).evaluate(dev);
    let nll = 0;
    let errors = 0;
    let beamErrors = 0;
    ops.tidy(() => {
      for (let i = 0; i < dev.size; i++) {
        const frames = dev.example(i).data as Float32Array;
        const len = frames.length / V;
        const label = dev.labels[i]!;
        const out = net.forward({ data: ops.tensor(frames, [1, len, V]), [sizeKey('data')]: ops.tensor([len], [1], 'int32') }).get('output')!;
        const lens = (n: number): Tensor => ops.tensor([n], [1], 'int32');
        nll += ops.item(ctcLoss(out.logits!, lens(len), ops.tensor(label, [1, label.length], 'int32'), lens(label.length)));
        const logits = Array.from(ops.readSync(out.logits!));
        const path = Array.from({ length: len }, (_, t) => {
          const row = logits.slice(t * (V + 1), (t + 1) * (V + 1));
          return row.indexOf(Math.max(...row));
        });
        const hyp = path.filter((k, t) => k !== V && (t === 0 || path[t - 1] !== k));
        errors += editDistance(label, hyp);
        // RETURNN's CtcLoss.get_error outside training: tf.nn.ctc_beam_search_decoder(beam_width=100) (checked against TF in @strata/losses).
        beamErrors += editDistance(label, ctcBeamSearchDecode({ logits, shape: [1, len, V + 1], seqLens: [len] }, { beamWidth: 100 }).paths[0]!);
      }
    });
    expect(r.losses.output!.frames).toBe(labels(dev));
    expect(r.loss).toBeCloseTo(nll / labels(dev), 4);
    expect(r.errorRate).toBeCloseTo(beamErrors / labels(dev), 10);
    expect(greedy.errorRate).toBeCloseTo(errors / labels(dev), 10);
    expect(beamErrors).not.toBe(errors); // the dev set tells the decoders apart
  });

  it('edit_distance with ctc_decode: its error is the beam-search label error, in evaluation and (on the host) in training', async () => {
    const dict: NetDict = { ...CTC_NET, ed: { class: 'copy', from: 'output', loss: 'edit_distance', target: 'classes', loss_opts: { ctc_decode: true } } };
    const net = NetDictNetwork.fromDict(dict, { externData: externOf(dev), seed: 5 });
    const engine = new Engine(net, { ...BASE, batchSize: 50 });
    const r = engine.evaluate(dev);
    // Both decode the same scores with TF's beam search of width 100, against the same labels.
    expect(r.losses.ed!.errorRate).toBe(r.losses.output!.errorRate);
    expect(r.losses.ed!.errorRate).toBeGreaterThan(0);
    const t = await engine.train(train);
    const trainEd = t.history[0]!.train.losses.ed!;
    expect(trainEd.errorRate).toBeGreaterThan(0);
    expect(trainEd.errorRate).toBeLessThanOrEqual(2);
  });

  it('trains: CTC cost per label falls', async () => {
    const net = NetDictNetwork.fromDict(CTC_NET, { externData: externOf(train), seed: 5 });
    const engine = new Engine(net, { ...BASE, batchSize: 60, epochs: 3 });
    const before = engine.evaluate(dev);
    const r = await engine.train(train, dev);
    expect(r.history.at(-1)!.dev!.loss).toBeLessThan(before.loss * 0.7);
    expect(r.history[0]!.train.losses.output!.frames).toBe(labels(train));
  });
});
