/**
 * Generated training runs with bad data or bad engine options: a valid small
 * network (fixed-shape or sequence) and a dataset in which some examples are
 * corrupted (NaN/Inf, wrong sizes, labels out of range, missing keys, values
 * of the wrong type, extreme finite values), or engine options out of range.
 */
import type { Dataset, Example } from '@strata/engine';
import { type Choices, WRONG_VALUES } from './random.js';

export interface DataCase {
  kind: 'data';
  sequence: boolean;
  externData: Record<string, Record<string, unknown>>;
  netDict: Record<string, Record<string, unknown>>;
  /** Engine options (possibly out of range). */
  options: Record<string, unknown>;
  dataset: Dataset;
  mutations: string[];
  mentions: string[];
}

/** A corruption of example `i`'s value for `key`, or the value itself. */
type Corrupt = (key: string, v: Example[string]) => unknown;

const DIM = 3;
const CLASSES = 4;

function cleanExample(c: Choices, sequence: boolean): Example {
  if (!sequence) return { data: Float32Array.from({ length: DIM }, () => c.normal()), classes: c.int(0, CLASSES - 1) };
  const t = c.int(1, 5);
  return { data: Float32Array.from({ length: t * DIM }, () => c.normal()), classes: Int32Array.from({ length: t }, () => c.int(0, CLASSES - 1)) };
}

export function generateDataCase(c: Choices, corrupt: boolean): DataCase {
  const sequence = c.chance(0.3);
  const externData = sequence
    ? { data: { dim: DIM, shape: [null, DIM] }, classes: { dim: CLASSES, sparse: true, shape: [null] } }
    : { data: { shape: [DIM] }, classes: { shape: [], dim: CLASSES, sparse: true } };
  const netDict = {
    hidden: { class: 'linear', activation: 'relu', n_out: 5, from: 'data' },
    output: { class: 'softmax', loss: 'ce', from: 'hidden', target: 'classes' },
  };
  const n = c.int(1, 12);
  const examples = Array.from({ length: n }, () => cleanExample(c, sequence));
  const k: DataCase = {
    kind: 'data',
    sequence,
    externData,
    netDict,
    options: { batchSize: sequence ? 20 : 4, epochs: 1, seed: 1, optimizer: { class: 'sgd', learningRate: 0.1 }, progress: false, log: () => {} },
    dataset: { name: 'fuzz', size: n, extern: externData, example: (i) => examples[i]! },
    mutations: [],
    mentions: [],
  };
  if (!corrupt) return k;

  const victim = c.int(0, n - 1);
  const kind = c.pick(['nonFinite', 'wrongSize', 'label', 'missingKey', 'wrongType', 'extreme', 'extern', 'options', 'options']);
  let corruptFn: Corrupt | undefined;
  if (kind === 'nonFinite') {
    const bad = c.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    corruptFn = (key, v) => (key === 'data' ? (v as Float32Array).map((x, j) => (j === 0 ? bad : x)) : v);
    k.mutations.push(`example ${victim}: data[0] = ${bad}`);
    k.mentions.push(`example ${victim}`, 'data');
  } else if (kind === 'wrongSize') {
    const key = c.pick(['data', 'data', 'classes']);
    const len = c.pick([0, 1, 2, 4, 7]);
    corruptFn = (kk, v) => (kk !== key ? v : key === 'data' ? new Float32Array(len) : sequence ? new Int32Array(len + 7) : Int32Array.of(1, 2));
    k.mutations.push(`example ${victim}: ${key} has the wrong size`);
    // A sequence target of another length than its input is found by the frame-synchronous loss, which names the target.
    k.mentions.push(`example ${victim}`, key, 'classes', 'data', ...(sequence ? ['target'] : []));
  } else if (kind === 'label') {
    const label = c.pick([CLASSES, -1, 1.5, 1e9, Number.NaN, 2 ** 31]);
    corruptFn = (key, v) => (key !== 'classes' ? v : sequence ? Int32Array.from(v as Int32Array, () => label) : label);
    if (sequence && !Number.isInteger(label)) corruptFn = (key, v) => (key !== 'classes' ? v : Float32Array.from(v as Int32Array, () => label));
    k.mutations.push(`example ${victim}: classes = ${label}`);
    k.mentions.push(`example ${victim}`, 'classes');
  } else if (kind === 'missingKey') {
    const key = c.pick(['data', 'classes']);
    corruptFn = (kk, v) => (kk === key ? undefined : v);
    k.mutations.push(`example ${victim}: no ${key}`);
    k.mentions.push(key);
  } else if (kind === 'wrongType') {
    const key = c.pick(['data', 'classes']);
    const v = c.pick<unknown>(['0.5', null, [1, 2, 3], { 0: 1 }, true, new Float64Array(DIM), new Uint8Array(DIM)]);
    corruptFn = (kk, old) => (kk === key ? v : old);
    k.mutations.push(`example ${victim}: ${key} = ${Object.prototype.toString.call(v)}`);
    k.mentions.push(key);
  } else if (kind === 'extreme') {
    corruptFn = (key, v) => (key === 'data' ? (v as Float32Array).map(() => c.pick([3e38, -3e38, 1e30])) : v);
    k.mutations.push(`example ${victim}: data = ±3e38 (finite)`);
    k.mentions.push('hidden', 'output', 'objective');
  } else if (kind === 'extern') {
    const dsExtern = { ...externData, data: { ...externData.data, dim: c.pick([2, 4, 100]) } };
    k.dataset = { ...k.dataset, extern: dsExtern };
    k.mutations.push(`dataset extern data.dim = ${dsExtern.data.dim}`);
    k.mentions.push('data');
  } else {
    const [key, v] = c.pick<[string, unknown]>([
      ['batchSize', c.pick(WRONG_VALUES)],
      // Huge integers are valid epoch counts (train for a very long time): not bad input.
      ['epochs', c.pick(WRONG_VALUES.filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v > 0)))],
      ['maxSeqs', c.pick(WRONG_VALUES)],
      ['evalBatchSize', c.pick([0, -1, 1.5, Number.NaN])],
      ['learningRateDecay', c.pick([Number.NaN, -1, 0])],
      ['optimizer', c.pick<unknown>([{ class: 'adamw' }, { class: 'ADAM' }, {}, null, 'adam', { class: 'sgd', learningRate: -1 }, { class: 'adam', learningRate: Number.NaN }, { class: 'adam', beta1: 2 }, { class: 'sgd', momentum: 'x' }])],
    ]);
    k.options[key] = v;
    k.mutations.push(`options.${key} = ${JSON.stringify(v)}`);
    const snake: Record<string, string> = { batchSize: 'batch_size', epochs: 'num_epochs', maxSeqs: 'max_seqs', evalBatchSize: 'eval', learningRateDecay: 'decay' };
    k.mentions.push(key, snake[key] ?? key, 'optimizer', 'learning', 'beta', 'momentum', 'class');
  }
  if (corruptFn) {
    const f = corruptFn;
    k.dataset = {
      ...k.dataset,
      example: (i) => {
        const e = examples[i]!;
        if (i !== victim) return e;
        return Object.fromEntries(Object.entries(e).map(([key, v]) => [key, f(key, v)]).filter(([, v]) => v !== undefined)) as Example;
      },
    };
  }
  return k;
}
