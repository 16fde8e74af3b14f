/**
 * What a run measures, from the environment (and `--workloads=` / `--rounds=`
 * arguments, which win): every knob has a default that keeps the full run
 * practical on 2 cores.
 */

/** The workloads of issue #8, in the order they run. */
export const WORKLOADS = ['train', 'infer', 'construct', 'checkpoint'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** The example models. */
export const MODEL_KEYS = ['MLP', 'CNN'] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];

export interface BenchOptions {
  workloads: Workload[];
  models: ModelKey[];
  /** Rounds of inference, construction and checkpoint workloads (`BENCH_ROUNDS`, default 7). */
  rounds: number;
  /** Rounds of the training workloads (`BENCH_TRAIN_ROUNDS`, default 3: one CNN round on tfjs-cpu takes ~30 s). */
  trainRounds: number;
  /**
   * Training batches per measurement of the onnxruntime and wasm contenders,
   * per model (`BENCH_TRAIN_BATCHES`: a number, `all`, or `MLP=40,CNN=10`). `null`: the whole epoch.
   */
  trainBatches: Record<ModelKey, number | null>;
  /** The same for the tfjs cpu contenders (`BENCH_TRAIN_CPU_BATCHES`), which are 5-50x slower. */
  trainCpuBatches: Record<ModelKey, number | null>;
  /** Digits run one at a time by the batch-1 inference workload (`BENCH_INFER1_DIGITS`, default 200). */
  infer1Digits: number;
  /** Where JSON, Markdown and SVG go (`BENCH_OUT`, default tools/bench/results). */
  outDir: string | null;
}

/** Defaults of {@link BenchOptions} (see the README for why). */
export const DEFAULTS = {
  rounds: 7,
  trainRounds: 3,
  trainBatches: { MLP: 40, CNN: 10 } as Record<ModelKey, number | null>,
  trainCpuBatches: { MLP: 5, CNN: 2 } as Record<ModelKey, number | null>,
  infer1Digits: 200,
};

/** A bad `BENCH_*` value or argument. */
export class BenchOptionError extends Error {
  override readonly name = 'BenchOptionError';
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new BenchOptionError(`${name} must be a positive integer. Received: ${JSON.stringify(raw)}.`);
  return n;
}

function list<T extends string>(name: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length > 0 || items.length === 0) {
    throw new BenchOptionError(`${name} takes a comma-separated list of ${allowed.join(', ')}. Received: ${JSON.stringify(raw)}.`);
  }
  return allowed.filter((a) => items.includes(a));
}

function trainBatches(name: string, raw: string, defaults: Record<ModelKey, number | null>): Record<ModelKey, number | null> {
  const one = (v: string): number | null => (v.trim() === 'all' ? null : positiveInt(name, v.trim()));
  if (!raw.includes('=')) {
    const v = one(raw);
    return { MLP: v, CNN: v };
  }
  const out = { ...defaults };
  for (const part of raw.split(',')) {
    const [k, v] = part.split('=');
    const key = k?.trim() as ModelKey;
    if (!MODEL_KEYS.includes(key) || v === undefined) {
      throw new BenchOptionError(`${name} takes a number, 'all', or MLP=<n|all>,CNN=<n|all>. Received: ${JSON.stringify(raw)}.`);
    }
    out[key] = one(v);
  }
  return out;
}

/**
 * Reads `BENCH_WORKLOADS` (default all), `BENCH_MODELS` (default MLP,CNN),
 * `BENCH_ROUNDS`, `BENCH_TRAIN_ROUNDS`, `BENCH_TRAIN_BATCHES`, `BENCH_TRAIN_CPU_BATCHES`,
 * `BENCH_INFER1_DIGITS`, `BENCH_OUT` (`none`: write no files), and the
 * arguments `--workloads=`, `--models=`, `--rounds=`.
 * @throws BenchOptionError naming the bad value.
 */
export function readOptions(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2), defaultOut: string): BenchOptions {
  const args = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z0-9-]+)=(.*)$/.exec(a);
    if (!m) throw new BenchOptionError(`Unknown argument ${JSON.stringify(a)}: use --workloads=train,infer --models=MLP --rounds=3 (or the BENCH_* variables).`);
    args.set(m[1]!, m[2]!);
  }
  const get = (arg: string, name: string): string | undefined => args.get(arg) ?? (env[name] === '' ? undefined : env[name]);
  const w = get('workloads', 'BENCH_WORKLOADS');
  const m = get('models', 'BENCH_MODELS');
  const r = get('rounds', 'BENCH_ROUNDS');
  const tr = get('train-rounds', 'BENCH_TRAIN_ROUNDS');
  const tb = get('train-batches', 'BENCH_TRAIN_BATCHES');
  const tcb = get('train-cpu-batches', 'BENCH_TRAIN_CPU_BATCHES');
  const i1 = get('infer1-digits', 'BENCH_INFER1_DIGITS');
  const out = get('out', 'BENCH_OUT');
  return {
    workloads: w === undefined ? [...WORKLOADS] : list('BENCH_WORKLOADS', w, WORKLOADS),
    models: m === undefined ? [...MODEL_KEYS] : list('BENCH_MODELS', m, MODEL_KEYS),
    rounds: r === undefined ? DEFAULTS.rounds : positiveInt('BENCH_ROUNDS', r),
    trainRounds: tr === undefined ? DEFAULTS.trainRounds : positiveInt('BENCH_TRAIN_ROUNDS', tr),
    trainBatches: tb === undefined ? { ...DEFAULTS.trainBatches } : trainBatches('BENCH_TRAIN_BATCHES', tb, DEFAULTS.trainBatches),
    trainCpuBatches: tcb === undefined ? { ...DEFAULTS.trainCpuBatches } : trainBatches('BENCH_TRAIN_CPU_BATCHES', tcb, DEFAULTS.trainCpuBatches),
    infer1Digits: i1 === undefined ? DEFAULTS.infer1Digits : positiveInt('BENCH_INFER1_DIGITS', i1),
    outDir: out === 'none' ? null : (out ?? defaultOut),
  };
}
