// Example values are checked against the Dataset's Example type (a
// Float32Array, an Int32Array or a number) in every collate path, so a dataset
// bug gets a DataError naming the example and key (fuzz findings, #8: null
// gave TypeErrors, a plain array ended in a LossShapeError naming neither).
import { Data } from '@strata/core';
import { describe, expect, it } from 'vitest';
import { collate, collateSequenceBatch, epochBatches, sequenceLengths } from './batching.js';
import { collateSequences } from './bucketing.js';
import type { Dataset, Example } from './dataset.js';
import { DataError, EngineConfigError } from './errors.js';
import { checkExampleValue, describeValue, exampleAt } from './example-value.js';

const dense = Data.fromConfig('data', { shape: [2] });
const seq = Data.fromConfig('data', { dim: 2, shape: [null, 2] });
const dataset = (examples: unknown[]): Dataset => ({ name: 'ds', size: examples.length, extern: { data: { shape: [2] } }, example: (i) => examples[i] as Example });
const good = { data: Float32Array.of(1, 2) };

describe('checkExampleValue', () => {
  it('passes the types Example allows, and a missing value (left to the caller)', () => {
    for (const v of [undefined, 3, Float32Array.of(1), Int32Array.of(1)]) expect(() => checkExampleValue('here', 'k', v)).not.toThrow();
  });

  it('refuses anything else with what was received and how to fix it', () => {
    const cases: [unknown, string][] = [
      [null, 'null.'],
      ['0.5', 'a string "0.5".'],
      [true, 'a boolean (true).'],
      [{ 0: 1 }, 'an object ([object Object]).'],
      [[1, 2], 'a plain array of 2 items. Convert it with Float32Array.from(value) (features) or Int32Array.from(value) (class indices).'],
      [new Float64Array(3), 'a Float64Array of 3 values. Convert it with'],
      [new Uint8Array(2), 'a Uint8Array of 2 values. Convert it with'],
    ];
    for (const [v, got] of cases) {
      expect(() => checkExampleValue("Dataset 'ds', example 7", 'data', v)).toThrow(DataError);
      expect(() => checkExampleValue("Dataset 'ds', example 7", 'data', v)).toThrow(`Dataset 'ds', example 7, key 'data': expected a Float32Array, an Int32Array or a number, got ${got}`);
    }
    expect(describeValue('x'.repeat(50))).toBe(`a string "${'x'.repeat(40)}..."`);
  });
});

describe('collate paths', () => {
  it('collate, sequenceLengths, collateSequences and collateSequenceBatch name the example and key of a null value', () => {
    const ds = dataset([good, { data: null }]);
    expect(() => collate(ds, [0, 1], [dense])).toThrow("Dataset 'ds', example 1, key 'data': expected a Float32Array, an Int32Array or a number, got null.");
    expect(() => sequenceLengths(ds, seq)).toThrow("Dataset 'ds', example 1, key 'data': expected a Float32Array, an Int32Array or a number, got null.");
    expect(() => collateSequences([good, { data: null } as never], { data: { dim: 2 } })).toThrow("collateSequences: example 1, key 'data': expected");
    // In a batch, collateSequences' batch position becomes the dataset's example index.
    const seqDs = dataset([good, good, good, { data: [1, 2] }]);
    expect(() => collateSequenceBatch(seqDs, [0, 3], [seq])).toThrow("Dataset 'ds': collateSequences: example 3, key 'data': expected a Float32Array, an Int32Array or a number, got a plain array of 2 items.");
  });

  it('an example that is not an object is a DataError, not a TypeError', () => {
    const ds = dataset([good, null, [1]]);
    expect(() => exampleAt(ds, 1)).toThrow("Dataset 'ds', example 1: example() must return an object of key -> value, e.g. {data: Float32Array, classes: 3}; got null.");
    expect(() => collate(ds, [2], [dense])).toThrow(/example 2: example\(\) must return an object .* got a plain array of 1 items/);
    expect(() => sequenceLengths(dataset([undefined]), seq)).toThrow(/example 0: example\(\) must return an object .* got undefined/);
    expect(() => collateSequences([null as never], ['data'])).toThrow('collateSequences: example 0 is null, not an object of key -> value.');
  });

  it('epochBatches refuses a batch size that is not a positive integer (0 looped forever)', () => {
    expect(() => epochBatches(5, 0)).toThrow(EngineConfigError);
    expect(() => epochBatches(5, -1)).toThrow('epochBatches: batchSize must be a positive integer. Received: batchSize=-1.');
    expect(() => epochBatches(5, Number.NaN)).toThrow(/Received: batchSize=null/);
    expect(epochBatches(5, 2).map((b) => Array.from(b))).toEqual([[0, 1], [2, 3], [4]]);
  });
});
