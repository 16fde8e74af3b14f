import type { DataConfig } from '@strata/core';
import type { Dataset, Example } from '@strata/engine';
import { ReturnnDatasetError } from './generating-dataset.js';

/** One array of a {@link StaticDataset} sequence: nested lists (RETURNN: a numpy array), `[time]` or `[time, dim]`. */
export type StaticArray = readonly number[] | readonly (readonly number[])[];

/** RETURNN `StaticDataset` options (returnn/datasets/generating.py). */
export interface StaticDatasetOptions {
  /** The sequences: per sequence, an array per data key (`[time]`: sparse class ids, `[time, dim]`: dense features). */
  data: readonly Readonly<Record<string, StaticArray>>[];
  /** RETURNN `output_dim`: per key `[dim, ndim]` (ndim 1 = sparse with `dim` classes, 2 = dense); a sparse key needs it. */
  output_dim?: Readonly<Record<string, readonly [number, number] | number>>;
  /** RETURNN `input_dim`: the feature dim of `data` (checked against the arrays). */
  input_dim?: number;
  /** For messages (default `StaticDataset`). */
  name?: string;
}

/**
 * RETURNN's `StaticDataset`: the sequences given in the config, in their
 * order. Keys and their form come from the first sequence: `[time, dim]`
 * arrays are dense float32 (`shape: [null, dim]`), `[time]` arrays sparse
 * int32 class ids (`shape: [null]`, classes from `output_dim`).
 *
 * @throws ReturnnDatasetError for no sequences, a key missing in a
 *   sequence, ragged frames, a dim differing from `output_dim`/`input_dim`,
 *   a sparse key without `output_dim`, or a class id outside `[0, dim)`.
 */
export class StaticDataset implements Dataset {
  readonly name: string;
  readonly extern: Readonly<Record<string, DataConfig>>;
  private readonly examples: Example[];

  constructor(options: StaticDatasetOptions) {
    const fail = (option: string, problem: string, fix: string): never => {
      throw new ReturnnDatasetError('StaticDataset', option, problem, fix);
    };
    this.name = options.name ?? 'StaticDataset';
    const { data } = options;
    if (!Array.isArray(data) || data.length === 0) fail('data', 'needs at least one sequence (RETURNN: assert len(data) > 0).', 'give "data": [{"data": [[...], ...], "classes": [...]}, ...].');
    const first = data[0]!;
    const keys = Object.keys(first);
    const extern: Record<string, DataConfig> = {};
    for (const key of keys) {
      const v = first[key]!;
      const dense = Array.isArray(v[0]);
      const given = options.output_dim?.[key];
      const [gDim, gNdim] = given === undefined ? [undefined, undefined] : typeof given === 'number' ? [given, dense ? 2 : 1] : given;
      const ndim = dense ? 2 : 1;
      if (gNdim !== undefined && gNdim !== ndim) fail(`output_dim.${key}`, `says ndim ${gNdim}, the data has ${ndim} axes.`, `set output_dim["${key}"] = (dim, ${ndim}).`);
      if (dense) {
        const dim = (v[0] as readonly number[]).length;
        if (gDim !== undefined && gDim !== dim) fail(`output_dim.${key}`, `says dim ${gDim}, the frames of sequence 0 have ${dim} values.`, `set output_dim["${key}"] = (${dim}, 2).`);
        if (key === 'data' && options.input_dim !== undefined && options.input_dim !== dim) fail('input_dim', `is ${options.input_dim}, the frames of "data" have ${dim} values.`, `set input_dim = ${dim}.`);
        extern[key] = { dim, shape: [null, dim] };
      } else {
        if (gDim === undefined) fail(`output_dim.${key}`, `missing: "${key}" holds class ids ([time]) and Strata needs their number of classes.`, `give output_dim = {"${key}": (num_classes, 1)}.`);
        extern[key] = { dim: gDim, sparse: true, shape: [null] };
      }
    }
    this.examples = data.map((seq, i) => {
      const e: Example = {};
      for (const key of keys) {
        const v = seq[key];
        if (v === undefined) return fail(`data[${i}].${key}`, `missing; sequence 0 has keys ${keys.join(', ')}.`, 'give every sequence the same keys.');
        const x = extern[key]!;
        if (x.sparse) {
          const ids = Int32Array.from(v as readonly number[]);
          ids.forEach((id, t) => {
            if (!Number.isInteger((v as number[])[t]) || id < 0 || id >= x.dim!) fail(`data[${i}].${key}[${t}]`, `${JSON.stringify((v as unknown[])[t])} is not a class id in [0, ${x.dim}).`, 'fix the id or output_dim.');
          });
          e[key] = ids;
        } else {
          const dim = x.dim!;
          const rows = v as readonly (readonly number[])[];
          const out = new Float32Array(rows.length * dim);
          rows.forEach((row, t) => {
            if (!Array.isArray(row) || row.length !== dim) fail(`data[${i}].${key}[${t}]`, `a frame of ${Array.isArray(row) ? row.length : 'no'} values, expected ${dim}.`, `give every frame of "${key}" ${dim} values.`);
            out.set(row, t * dim);
          });
          e[key] = out;
        }
      }
      return e;
    });
    this.extern = extern;
  }

  get size(): number {
    return this.examples.length;
  }

  /** Sequence `index`, in the order given. @throws RangeError outside [0, size). */
  example(index: number): Example {
    const e = this.examples[index];
    if (!Number.isInteger(index) || e === undefined) throw new RangeError(`${this.name}: example index ${index} out of range [0, ${this.size}).`);
    return e;
  }
}
