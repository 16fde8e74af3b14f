/**
 * Reading one RETURNN reference fixture folder, as `generate.py` writes it:
 * `net.json` (the net dict, `extern_data`, `behavior_version`, the recorded
 * layers), `inputs.safetensors` (`<key>` and `<key>:size<axis>` int32
 * `[batch]`), `outputs.safetensors` (each recorded layer batch-major with the
 * feature axis last, and `<layer>:size<axis>` for its dynamic axes),
 * `outputs.json` (RETURNN's `Data` of each output), `params.safetensors`
 * (the params under RETURNN's names, e.g. `output/rec/W`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, type NamedTensorData } from '@strata/savers';

/** A fixture file that is missing or not what `generate.py` writes. */
export class FixtureFormatError extends Error {
  override name = 'FixtureFormatError';
  constructor(file: string, problem: string) {
    super(`${file}: ${problem} Regenerate the fixture with tools/returnn-ref/generate.py (see its README).`);
  }
}

/** One axis of RETURNN's `Data` (`Dim`): batch, spatial or feature, static size or dynamic. */
export interface ReturnnDim {
  readonly description: string;
  readonly kind: 'batch' | 'spatial' | 'feature';
  readonly static: number | null;
  readonly dynamic: boolean;
}

/** RETURNN's `Data` of a recorded output, in RETURNN's own axis order. */
export interface ReturnnData {
  readonly repr: string;
  readonly dims: readonly ReturnnDim[];
  readonly batch_dim_axis: number | null;
  readonly time_dim_axis: number | null;
  readonly feature_dim_axis: number | null;
  readonly sparse: boolean;
  readonly sparse_dim: number | null;
  readonly dim: number | null;
  readonly dtype: string;
}

/** `outputs.json`: per recorded layer, its RETURNN `Data`, the transpose to the stored layout, the stored shape and the stored axes that have lengths. */
export interface OutputMeta {
  readonly returnn_data: ReturnnData;
  /** Stored axis i is RETURNN's axis `perm[i]`. */
  readonly perm: readonly number[];
  readonly shape: readonly number[];
  /** Stored axes whose lengths are in `outputs.safetensors` as `<layer>:size<axis>`. */
  readonly size_axes: readonly number[];
  readonly stored_bool_as_int32?: boolean;
}

/** `net.json`. */
export interface NetJson {
  readonly name: string;
  readonly description: string;
  readonly extern_data: Record<string, Record<string, unknown>>;
  readonly network: Record<string, unknown>;
  readonly behavior_version: number | null;
  /** The batch was run as steps 0 .. epoch_steps-1 of an epoch and the last step recorded (state kept over the epoch). Default 1. */
  readonly epoch_steps?: number;
  readonly outputs: readonly string[];
  readonly returnn_commit: string;
  readonly tf_version: string;
  readonly params: Record<string, { shape: number[]; dtype: string }>;
}

/** One fixture, read. */
export interface Fixture {
  readonly dir: string;
  readonly net: NetJson;
  readonly inputs: ReadonlyMap<string, NamedTensorData>;
  readonly outputs: ReadonlyMap<string, NamedTensorData>;
  readonly meta: Readonly<Record<string, OutputMeta>>;
  readonly params: ReadonlyMap<string, NamedTensorData>;
}

function readJson<T>(file: string): T {
  if (!existsSync(file)) throw new FixtureFormatError(file, 'the file is missing.');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new FixtureFormatError(file, `not JSON (${(e as Error).message}).`);
  }
}

function readTensors(file: string): Map<string, NamedTensorData> {
  if (!existsSync(file)) throw new FixtureFormatError(file, 'the file is missing.');
  return decodeSafetensors(new Uint8Array(readFileSync(file)), file).tensors;
}

/**
 * Reads the fixture in `dir`.
 * @throws FixtureFormatError if a file is missing, or a recorded output has no stored values.
 * @throws the savers' safetensors errors for a corrupt tensor file.
 */
export function readFixture(dir: string): Fixture {
  const net = readJson<NetJson>(join(dir, 'net.json'));
  const meta = readJson<Record<string, OutputMeta>>(join(dir, 'outputs.json'));
  const outputs = readTensors(join(dir, 'outputs.safetensors'));
  for (const name of net.outputs) {
    if (!outputs.has(name) || !meta[name]) throw new FixtureFormatError(join(dir, 'outputs.safetensors'), `the recorded output '${name}' is missing.`);
  }
  return { dir, net, meta, outputs, inputs: readTensors(join(dir, 'inputs.safetensors')), params: readTensors(join(dir, 'params.safetensors')) };
}

/** The fixture folders under `root` (each a folder with a `net.json`), sorted by name. */
export function fixtureNames(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'net.json')))
    .map((d) => d.name)
    .sort();
}
