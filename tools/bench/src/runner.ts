/**
 * The measurement protocol: one untimed warm-up pass per contender (which
 * also records its outputs for the equality check), then N rounds in which
 * every contender runs one timed pass, round-robin (the starting contender
 * rotates each round, so none is always first after a backend switch).
 * Before every pass the runner sleeps {@link COOLDOWN_MS} (untimed): an
 * onnxruntime session's intra-op workers keep spinning for ~20-30 ms after a
 * run by default (the raw session's do), which would otherwise slow down
 * whichever contender runs next.
 */
import type { Contender } from './contender.js';
import { summarize, type TimingSummary } from './stats.js';

/** Untimed pause before each pass (lets spinning onnxruntime workers of the previous contender go idle). */
export const COOLDOWN_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rounds when `BENCH_ROUNDS` is unset. */
export const DEFAULT_ROUNDS = 7;

/** `BENCH_ROUNDS` from the environment, else {@link DEFAULT_ROUNDS}. @throws Error for a bad value. */
export function roundsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_ROUNDS;
  if (raw === undefined || raw === '') return DEFAULT_ROUNDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_ROUNDS must be a positive integer. Received: ${JSON.stringify(raw)}.`);
  return n;
}

/** Results of one contender. */
export interface Measured {
  contender: Contender;
  timing: TimingSummary;
  /** Warm-up pass output, `[digits, classes]`. */
  output: Float32Array;
  /** Duration of the warm-up pass (includes compilation / kernel setup). */
  warmupMs: number;
}

/** Times one pass: activation is not timed; the pass includes reading every output back to JS. */
async function timePass(c: Contender, out: Float32Array): Promise<number> {
  await c.activate();
  await sleep(COOLDOWN_MS);
  const t0 = performance.now();
  await c.pass(out);
  return performance.now() - t0;
}

export async function measure(contenders: Contender[], outputSize: number, rounds: number, log: (s: string) => void = () => {}): Promise<Measured[]> {
  const outputs = contenders.map(() => new Float32Array(outputSize));
  const warmups: number[] = [];
  for (let i = 0; i < contenders.length; i++) {
    warmups.push(await timePass(contenders[i]!, outputs[i]!));
    log(`  warm-up ${contenders[i]!.name}: ${warmups[i]!.toFixed(1)} ms`);
  }
  const scratch = new Float32Array(outputSize);
  const samples: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (r + k) % contenders.length;
      samples[i]!.push(await timePass(contenders[i]!, scratch));
    }
    log(`  round ${r + 1}/${rounds}: ${contenders.map((c, i) => `${c.name} ${samples[i]![r]!.toFixed(1)}`).join(', ')}`);
  }
  return contenders.map((contender, i) => ({ contender, timing: summarize(samples[i]!), output: outputs[i]!, warmupMs: warmups[i]! }));
}
