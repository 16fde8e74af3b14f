import type { Variable } from '@strata/core';
import { load } from '@strata/savers';

/**
 * One entry of {@link EngineOptions.preloadFromFiles} (RETURNN's
 * `preload_from_files` entry; config names in brackets).
 */
export interface PreloadFileOptions {
  /** A checkpoint file in any format Strata reads (`filename`), e.g. another model's `epoch-010.safetensors`. */
  filename: string;
  /**
   * Only network params whose layer name starts with this take values from
   * the file, where they are named without it (`prefix`): with `'lm_'`,
   * `network/lm_output/kernel` is loaded from the file's `network/output/kernel`
   * (or `output/kernel` in a file without Strata's root scope). Default `''` (all params).
   */
  prefix?: string;
  /** Params of the selection the file lacks keep their values (`ignore_missing`). Default false. */
  ignoreMissing?: boolean;
  /**
   * True: applied when training starts from scratch (`init_for_train`). False
   * (RETURNN's default): applied for evaluation and inference, by
   * `Engine.loadWeights`, after the checkpoint, overriding its values.
   */
  initForTrain?: boolean;
  /** Params (names without the prefix) not loaded (`ignore_params`). */
  ignoreParams?: string[];
  /** Params starting with one of these (names without the prefix) not loaded (`ignore_params_prefixes`). */
  ignoreParamsPrefixes?: string[];
  /** Param name (without the prefix) → name in the file (`var_name_mapping`). */
  nameMap?: Record<string, string>;
}

/**
 * Loads the entries of `preloadFromFiles` whose `initForTrain` equals
 * `forTraining` into `variables`, in the order of their keys (RETURNN sorts
 * them too); a variable set by an earlier entry is not set again by a later
 * one. Each file is read by `load` of `@strata/savers` (any format Strata
 * reads, found from the content) and mapped through its `CheckpointLoader`
 * with `loadIfPrefix = root + prefix` and, if the file's names start with the
 * root scope `root` (Strata checkpoints: `network/`), `paramsPrefix = root`,
 * so names, renames and LSTM layouts are resolved as there.
 *
 * @param root the network's scope with its `/` (`'network/'`), or `''`.
 * @returns one summary line per file loaded.
 * @throws CheckpointNotFoundError, UnknownCheckpointFormatError, CheckpointFormatError for an unreadable file;
 *   CheckpointMappingError if a file does not fit (nothing from that file is assigned).
 */
export async function preloadFromFiles(
  variables: readonly Variable[],
  root: string,
  entries: Readonly<Record<string, PreloadFileOptions>>,
  forTraining: boolean,
): Promise<string[]> {
  const done = new Set<Variable>();
  const lines: string[] = [];
  for (const key of Object.keys(entries).sort()) {
    const e = entries[key]!;
    if ((e.initForTrain ?? false) !== forTraining) continue;
    const loadIfPrefix = root + (e.prefix ?? '');
    const selected = variables.filter((v) => v.path.startsWith(loadIfPrefix));
    const todo = variables.filter((v) => !done.has(v));
    if (selected.length && selected.every((v) => done.has(v))) {
      lines.push(`preload '${key}': every param with prefix '${e.prefix ?? ''}' was preloaded by an earlier entry; ${e.filename} skipped`);
      continue;
    }
    // Any format Strata reads (found from the content), mapped through CheckpointLoader.
    const { report } = await load({ variables: todo }, e.filename, {
      ignoreMissing: e.ignoreMissing ?? false,
      mapping: (file) => ({
        loadIfPrefix,
        // Strata checkpoints carry the root scope (`network/...`), files of other tools do not.
        paramsPrefix: root !== '' && file.names.some((k) => k.startsWith(root)) ? root : '',
        ignoreParams: e.ignoreParams ?? [],
        ignoreParamsPrefixes: e.ignoreParamsPrefixes ?? [],
        nameMap: e.nameMap ?? {},
      }),
    });
    for (const v of todo) if (report.loaded.has(v.path)) done.add(v);
    const converted = [...report.loaded.values()].filter((l) => l.origin !== 'exact').length;
    lines.push(
      `preload '${key}': ${report.loaded.size} params from ${e.filename} (prefix '${e.prefix ?? ''}'` +
        `${converted ? `, ${converted} renamed or converted` : ''}${report.missing.length ? `, ${report.missing.length} missing kept` : ''})`,
    );
  }
  return lines;
}
