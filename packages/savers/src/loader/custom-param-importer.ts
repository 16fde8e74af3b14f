import { CheckpointFormatError } from '../errors.js';
import type { NamedTensorData } from '../safetensors.js';
import { type CheckpointTensors, tensorsByName } from './checkpoint-loader.js';

/**
 * Receives one layer's checkpoint tensors, keyed by their names below the
 * layer's prefix (`W`, `b`, `rec/W_re`), and assigns the layer's params from
 * them in whatever layout the layer needs (RETURNN's
 * `LayerBase.set_param_values_by_dict`, e.g. `NetDictNetwork`'s
 * `setParamValuesByDict` for one layer, or a custom conversion).
 */
export type ParamValuesSetter = (values: ReadonlyMap<string, NamedTensorData>) => void;

/** Options of {@link CustomParamImporter} (RETURNN's `CustomParamImporter(layer, checkpoint_loader)`). */
export interface CustomParamImporterOptions {
  /** The layer's name prefix in the checkpoint, e.g. `'output/'` or `'model/lstm0/'` (ends in `/`). */
  layerPrefix: string;
  /** The checkpoint's tensors (a reader's map or list; `:0` suffixes are dropped). */
  tensors: CheckpointTensors;
  /** Assigns the layer's params from its tensors (keyed by their names below `layerPrefix`). */
  setParamValuesByDict: ParamValuesSetter;
  /** Where the tensors came from, for error messages. Default `<tensors>`. */
  source?: string;
}

/**
 * RETURNN's `CustomCheckpointLoader.CustomParamImporter`: imports all
 * checkpoint tensors under one layer's name prefix at once and hands them to
 * the layer, for layers whose params cannot be mapped one by one (another
 * layout, another number of tensors). Pair it with a `CheckpointLoader` that
 * skips the layer (`ignoreParamsPrefixes: [layerPrefix]`).
 */
export class CustomParamImporter {
  /** The checkpoint tensors of the layer, by name below {@link CustomParamImporter.layerPrefix}, sorted. */
  readonly checkpointParamNames: readonly string[];
  private values: Map<string, NamedTensorData> | null;

  /** The layer's name prefix in the checkpoint. */
  readonly layerPrefix: string;
  private readonly setParamValuesByDict: ParamValuesSetter;

  /**
   * @throws CheckpointFormatError if no tensor lies under `layerPrefix` (naming a few that exist),
   *   or a name occurs twice (`x` and `x:0`).
   */
  constructor(options: CustomParamImporterOptions) {
    const { layerPrefix, tensors, source = '<tensors>' } = options;
    this.layerPrefix = layerPrefix;
    this.setParamValuesByDict = options.setParamValuesByDict;
    const all = tensorsByName(tensors, source);
    this.values = new Map();
    for (const [name, t] of all) {
      if (name.startsWith(layerPrefix)) this.values.set(name.slice(layerPrefix.length), { ...t, name: name.slice(layerPrefix.length) });
    }
    if (this.values.size === 0) {
      const sample = [...all.keys()].slice(0, 5);
      throw new CheckpointFormatError({ file: source, problem: `no tensor has the layer prefix '${layerPrefix}' (tensors: ${sample.join(', ')}${all.size > 5 ? ', ...' : ''}); check the prefix, which ends in '/'.` });
    }
    this.checkpointParamNames = [...this.values.keys()].sort();
  }

  /**
   * Assigns the layer's params from its tensors, once (RETURNN's
   * `assign_var`, called for each of the layer's variables, imports on the
   * first call). Later calls do nothing.
   * @returns true if this call imported.
   */
  assignVar(): boolean {
    if (!this.values) return false;
    const values = this.values;
    this.values = null;
    this.setParamValuesByDict(values);
    return true;
  }
}
