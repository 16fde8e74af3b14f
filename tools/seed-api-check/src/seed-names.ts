import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFlat } from './formats/flat.js';
import { extractGlued } from './formats/glued.js';
import { extractHtml } from './formats/html.js';
import { extractRst } from './formats/rst.js';
import { extractShort, firstSentences } from './formats/short.js';
import { NameSink, type SeedName } from './names.js';

/**
 * How each seed is rendered and which class it documents (see
 * /work/shared/seeds/README.md). The renderings differ, so each has its own
 * reader in `formats/`.
 */
export const SEED_FORMATS = {
  '000': { format: 'short', owner: 'Network' },
  '001': { format: 'html', owner: 'Network' },
  '002': { format: 'flat', owner: 'Network' },
  '003': { format: 'rst', owner: 'TFNetwork' },
  '004': { format: 'glued', owner: 'Layer' },
} as const;

export type SeedId = keyof typeof SEED_FORMATS;

/**
 * Seed 003 lost its indentation: after the nested helper classes of
 * `CustomCheckpointLoader` (`CustomParamImporter`, `VariableValue`), these
 * methods belong to `CustomCheckpointLoader` again (RETURNN's
 * `returnn/tf/network.py`).
 */
export const SEED_003_DEDENT: ReadonlyMap<string, string> = new Map([
  ['load_now', 'CustomCheckpointLoader'],
  ['get_variable_value_map', 'CustomCheckpointLoader'],
  ['set_as_custom_init', 'CustomCheckpointLoader'],
]);

/**
 * Members of seed 003 whose names the rendering dropped: only their
 * `Returns:` / `Return type:` lines or first sentence remain. Names recovered
 * from RETURNN's `TFNetwork.py` of the same era; each is counted only when its
 * anchor text is in the seed, so a different seed text cannot smuggle them in.
 */
export const SEED_003_UNNAMED: readonly { readonly key: string; readonly anchor: string }[] = [
  { key: 'ExternData.get_default_input_data', anchor: 'Return type:Data\nReturn type:Data\n' },
  { key: 'ExternData.get_default_target_data', anchor: 'Return type:Data\nReturn type:Data\n' },
  { key: 'ExternData.get_data_description', anchor: 'Returns:str describing the data' },
  { key: 'ExternData.get_sorted_data_items', anchor: 'Return type:list[(str,Data)]' },
  { key: 'TFNetwork.get_root_network', anchor: 'Return type:TFNetwork\n' },
  { key: 'TFNetwork.get_absolute_name_scope_prefix', anchor: 'Returns:TF scope name, always with' },
  { key: 'TFNetwork.get_absolute_name_prefix', anchor: 'Returns:name, always with' },
  { key: 'TFNetwork.maybe_construct_objective', anchor: 'Construct self.total_object.' },
  { key: 'TFNetwork.get_objective', anchor: 'loss + constraints. will be used for the updater' },
  { key: 'TFNetwork.get_total_loss', anchor: 'without constraints. will be used for the updater' },
  { key: 'TFNetwork.get_total_constraints', anchor: 'Returns:0 if no constraints' },
  { key: 'TFNetwork.get_used_targets', anchor: 'Returns:sorted list of targets' },
  { key: 'TFNetwork.get_default_target', anchor: 'Returns:e.g. “classes”' },
  { key: 'TFNetwork.get_output_layers', anchor: 'Return type:list[LayerBase]' },
  { key: 'TFNetwork.get_default_output_layer_name', anchor: 'Returns:default output layer name' },
  { key: 'TFNetwork.get_params_list', anchor: 'excluding auxiliary vars like global_step' },
  { key: 'TFNetwork.get_saveable_param_replace_dict', anchor: 'Returns:params and saveable_param_replace resolved' },
  { key: 'TFNetwork.get_saveable_params_list', anchor: 'Returns:list of model variables or SaveableObject' },
  { key: 'TFNetwork.get_trainable_params', anchor: 'Returns:list of variables\n' },
  { key: 'TFNetwork.get_num_params', anchor: 'Returns:number of model parameters' },
  { key: 'TFNetwork.get_auxiliary_params', anchor: 'Note that this excludes auxiliary params.\n\nReturn type:list[tf.Variable]' },
  { key: 'TFNetwork.get_epoch_step', anchor: 'Return type:tf.Tensor\n\nResets the tf.train.Saver' },
  { key: 'TFNetwork.reset_saver', anchor: 'Resets the tf.train.Saver object' },
  { key: 'TFNetwork.get_data_batch_dim', anchor: 'Get the batch-dim size' },
  { key: 'TFNetwork.have_rec_step_info', anchor: 'RecLayer|None\nReturn type:bool\n' },
  { key: 'TFNetwork.get_rec_step_index', anchor: 'Assumes that have_rec_step_info is True.' },
  { key: 'TFNetwork.get_graph_reset_callbacks', anchor: 'Return type:list[()->None]' },
  { key: 'TFNetwork.call_graph_reset_callbacks', anchor: 'Calls any callbacks registered via' },
  { key: 'TFNetwork.register_network_scope', anchor: 'Registers a ref to this network' },
  { key: 'LossHolder.get_layer', anchor: 'Returns:layer. assumes that it is set' },
  { key: 'LossHolder.get_only_on_eval', anchor: 'Returns:only_on_eval flag' },
  { key: 'LossHolder.get_tf_name', anchor: 'Returns:name which can be used for a TF op' },
  { key: 'LossHolder.get_loss_value', anchor: 'Returns:loss value. scalar\n' },
  { key: 'LossHolder.get_loss_value_for_fetch', anchor: 'Returns:loss value for fetch' },
  { key: 'LossHolder.get_loss_value_for_objective', anchor: 'Returns:loss value for objective' },
  { key: 'LossHolder.get_error_value', anchor: 'Returns:error value for fetch' },
  { key: 'LossHolder.get_norm_factor', anchor: 'Returns:norm factor for loss and error' },
  { key: 'LossHolder.get_normalized_loss_value_per_seq', anchor: 'Returns:(batch,) or None if loss is None' },
  { key: 'LossHolder.get_normalized_error_value_per_seq', anchor: 'Returns:(batch,) or None if error is None' },
  { key: 'LossHolder.get_loss_value_per_pos', anchor: 'Returns:(batch,time) or None if loss is None' },
  { key: 'LossHolder.get_error_value_per_pos', anchor: 'Returns:(batch,time) or None if error is None' },
  { key: 'CustomCheckpointLoader.get_variable_value_map', anchor: 'Returns:var -> numpy array' },
  { key: 'CustomCheckpointLoader.set_as_custom_init', anchor: 'Make sure that this loader is used during initialization.' },
];

/** One seed file: its id (`'003'`), file name and text. */
export interface SeedFile {
  readonly id: SeedId;
  readonly file: string;
  readonly text: string;
}

/** Reads `NNN_*.txt` from `dir` (the seed README is skipped). */
export function readSeeds(dir: string): SeedFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.*\.txt$/.test(f))
    .sort()
    .map((file) => {
      const id = file.slice(0, 3);
      if (!(id in SEED_FORMATS)) throw new Error(`seed-api-check: no reader for seed file ${file}; add it to SEED_FORMATS`);
      return { id: id as SeedId, file, text: readFileSync(join(dir, file), 'utf8') };
    });
}

/**
 * Every name of every seed, in document order per seed. Seeds 000 and 004
 * lean on seed 001 (section names, property vocabulary), as documented in
 * their readers.
 */
export function extractSeedNames(seeds: readonly SeedFile[]): SeedName[] {
  const long = seeds.find((s) => s.id === '001')?.text ?? '';
  const out: SeedName[] = [];
  for (const seed of seeds) out.push(...extractOne(seed.id, seed.text, long));
  return out;
}

/** The names of one seed; `long` is seed 001's text (reference for 000 and 004). */
export function extractOne(id: SeedId, text: string, long = ''): SeedName[] {
  const sink = new NameSink(id);
  const { format, owner } = SEED_FORMATS[id];
  switch (format) {
    case 'html':
      extractHtml(sink, owner, text);
      break;
    case 'flat':
      extractFlat(sink, owner, text);
      break;
    case 'glued': {
      const vocab = new Set([...long.matchAll(/^<h3 id="([^"]+)">/gm)].map((m) => m[1]));
      extractGlued(sink, owner, text, vocab);
      break;
    }
    case 'short':
      extractShort(sink, owner, text, firstSentences(long));
      break;
    case 'rst':
      extractRst(sink, text, SEED_003_DEDENT);
      for (const u of SEED_003_UNNAMED) if (text.includes(u.anchor)) sink.add('member', u.key);
      break;
  }
  return sink.names;
}
