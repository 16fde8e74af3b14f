import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

/** A config error: names the file, the key, what was expected and what was received. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The config file (RETURNN's config, as JSON or a JS/TS module whose default
 * export is the object). Keys use RETURNN's names.
 */
export const configSchema = z.strictObject({
  /** Backend by registry name: tfjs-wasm (default), tfjs-cpu, tfjs-node, tfjs-node-gpu, ... */
  backend: z.string().default('tfjs-wasm'),
  /** Seed of weight initialisation, shuffling and dropout. */
  seed: z.number().int().nonnegative().default(42),
  /** The corpus: `mnist` (8,000 train / 2,000 dev digits, seeded split) or `cmudict` (`{"name": "cmudict", "eos": true}` for attention decoders). */
  dataset: z.union([z.string(), z.strictObject({ name: z.string(), seed: z.number().int().optional(), eos: z.boolean().optional() })]),
  /** Most sequences per batch when the data are sequences (RETURNN `max_seqs`); `batch_size` then counts frames. */
  max_seqs: z.number().int().positive().optional(),
  extern_data: z.record(z.string(), z.record(z.string(), z.unknown())),
  network: z.record(z.string(), z.record(z.string(), z.unknown())),
  batch_size: z.number().int().positive(),
  num_epochs: z.number().int().positive(),
  optimizer: z.looseObject({ class: z.string() }).default({ class: 'adam' }),
  learning_rate: z.number().positive().optional(),
  learning_rate_decay: z.number().positive().max(1).optional(),
  /** Checkpoint directory; default `runs/<config name>`. */
  model: z.string().optional(),
  /** Free-form notes; ignored. */
  description: z.string().optional(),
  /**
   * Weights from other safetensors files (RETURNN `preload_from_files`), by entry name:
   * `init_for_train: true` loads them when training starts from scratch, else eval/infer
   * load them after the checkpoint. `prefix` selects the layers (`lm_`), named without it in the file.
   */
  preload_from_files: z
    .record(
      z.string(),
      z.strictObject({
        filename: z.string(),
        prefix: z.string().optional(),
        ignore_missing: z.boolean().optional(),
        init_for_train: z.boolean().optional(),
        ignore_params: z.array(z.string()).optional(),
        ignore_params_prefixes: z.array(z.string()).optional(),
        var_name_mapping: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
});

/** A validated config plus where it came from. */
export type Config = z.infer<typeof configSchema> & { path: string; name: string; hash: string };

/**
 * Loads and validates a config file (`.json`, `.js`, `.mjs`, `.ts`, `.mts`).
 * @throws ConfigError listing every problem with its key.
 */
export async function loadConfig(path: string): Promise<Config> {
  const abs = resolve(path);
  let raw: unknown;
  const ext = extname(abs);
  try {
    if (ext === '.json') raw = JSON.parse(readFileSync(abs, 'utf8'));
    else if (ext === '.ts' || ext === '.mts') {
      const { tsImport } = await import('tsx/esm/api');
      raw = ((await tsImport(pathToFileURL(abs).href, import.meta.url)) as { default: unknown }).default;
      // A .ts file outside an ESM package is loaded as CommonJS: its default export is nested once more.
      if (raw && typeof raw === 'object' && 'default' in raw && !('network' in raw)) raw = (raw as { default: unknown }).default;
    } else raw = ((await import(pathToFileURL(abs).href)) as { default: unknown }).default;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`Cannot read config '${path}': ${why}`);
  }
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')}; known keys: ${Object.keys(configSchema.shape).join(', ')}`
        : `${formatPath(i.path) || '(root)'}: ${i.message}`,
    );
    throw new ConfigError(`Config '${path}' is invalid:\n  - ${lines.join('\n  - ')}`);
  }
  const hash = createHash('sha256').update(JSON.stringify({ network: r.data.network, extern_data: r.data.extern_data })).digest('hex').slice(0, 16);
  const name = basename(abs, ext);
  return { ...r.data, path: abs, name, hash };
}

/** A config path as JS would write it: `network.out.n_out`, `network["my layer"]`, `dims[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => {
      if (typeof k === 'number') return `[${k}]`;
      const key = String(k);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}
