import { Data, type DataConfig, type Dim, LayerArgumentError } from '@strata/core';
import { LayerNotFoundError, NetDictError } from './errors.js';

/**
 * Descriptions of a network's input and target data (seed 003 `ExternData`),
 * built from a config's `extern_data`, e.g.
 * `{"data": {"dim": 784}, "classes": {"dim": 10, "sparse": true}}`.
 *
 * Sequences: `{"data": {"dim": 40, "shape": [null, 40]}, "classes": {"dim": 61, "sparse": true}}`
 * (a sparse entry without `shape` is a label sequence when other entries
 * have a time axis, RETURNN's default), or the dim-tag form
 * `{"data": {"dim_tags": [{"kind": "batch"}, {"description": "time"}, {"description": "feature", "dimension": 40}]}}`
 * with `sparse_dim` for class indices; tags with the same description are
 * the same axis in every entry.
 *
 * The default input key is `data` and the default target key `classes`, as in RETURNN.
 */
export class ExternData {
  readonly data = new Map<string, Data>();
  defaultInput = 'data';
  defaultTarget = 'classes';

  /** @throws NetDictError naming the key and the problem for a malformed entry. */
  constructor(config: Record<string, DataConfig> = {}) {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new NetDictError(`extern_data must be an object of key -> {dim, shape, sparse}. Received: ${JSON.stringify(config)}.`);
    }
    const shared = new Map<string, Dim>();
    const entries = Object.entries(config).map(([key, c]) => [key, c ?? {}] as const);
    // RETURNN's default: sparse data without a shape is a sequence of labels when the data are sequences.
    const sequences = entries.some(([, c]) => c.shape?.includes(null) || c.dim_tags?.some((t) => t.kind !== 'batch' && (t.dimension ?? null) === null));
    for (const [key, c] of entries) {
      const implicitTime = sequences && c.sparse === true && c.shape === undefined && c.dim_tags === undefined;
      this.registerData(Data.fromConfig(key, implicitTime ? { ...c, shape: [null] } : c, shared));
    }
  }

  /** Wraps {@link Data.fromConfig}'s argument errors as NetDictError. */
  static fromConfig(config: Record<string, DataConfig>): ExternData {
    try {
      return new ExternData(config);
    } catch (e) {
      if (e instanceof LayerArgumentError) throw new NetDictError(e.message);
      throw e;
    }
  }

  /** Adds or replaces a data key. */
  registerData(data: Data): void {
    this.data.set(data.name, data);
  }
  hasData(key: string): boolean {
    return this.data.has(key);
  }
  /** @throws LayerNotFoundError listing the known keys. */
  getData(key: string): Data {
    const d = this.data.get(key);
    if (!d) {
      throw new LayerNotFoundError(`extern_data has no key '${key}'. Known keys: ${[...this.data.keys()].join(', ') || 'none'}. Add it to extern_data.`);
    }
    return d;
  }
  get keys(): string[] {
    return [...this.data.keys()];
  }

  /**
   * Checks that a dataset provides every key with a matching description.
   * @throws NetDictError naming each key that is missing or differs.
   */
  checkMatchesDataset(datasetName: string, extern: Readonly<Record<string, DataConfig>>, usedKeys: string[] = this.keys): void {
    const problems: string[] = [];
    for (const key of usedKeys) {
      const want = this.getData(key);
      const c = extern[key];
      if (!c) {
        problems.push(`'${key}' is not provided (dataset keys: ${Object.keys(extern).join(', ')})`);
        continue;
      }
      const got = Data.fromConfig(key, c);
      if (got.sparse !== want.sparse || got.dim !== want.dim || JSON.stringify(got.shape) !== JSON.stringify(want.shape)) {
        problems.push(`'${key}': dataset has ${got.toString()}, extern_data expects ${want.toString()}`);
      }
    }
    if (problems.length > 0) {
      throw new NetDictError(`Dataset '${datasetName}' does not match extern_data:\n  - ${problems.join('\n  - ')}`);
    }
  }
}
