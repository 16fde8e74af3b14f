import { Data, type DataConfig, LayerArgumentError } from '@strata/core';
import { LayerNotFoundError, NetDictError } from './errors.js';

/**
 * Descriptions of a network's input and target data (seed 003 `ExternData`),
 * built from a config's `extern_data`, e.g.
 * `{"data": {"dim": 784}, "classes": {"dim": 10, "sparse": true}}`.
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
    for (const [key, c] of Object.entries(config)) this.registerData(Data.fromConfig(key, c ?? {}));
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
