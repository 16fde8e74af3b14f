/**
 * The measurement protocol: one untimed warm-up pass per contender (which
 * also records its outputs for the equality check), then N rounds in which
 * every contender runs one timed pass, round-robin (the starting contender
 * rotates each round, so none is always first after a backend switch).
 * Before every pass the runner sleeps {@link COOLDOWN_MS} (untimed): an
 * onnxruntime session's intra-op workers keep spinning for ~20-30 ms after a
 * run by default (the raw session's do), which would otherwise slow down
 * whichever contender runs next.
 *
 * A contender that is unavailable from the start, or whose warm-up throws
 * (e.g. `BackendCapabilityError` for training on a backend without
 * gradients), is not timed: its result carries the reason instead.
 *
 * Times are per unit: a contender whose measurement covers `units` training
 * batches reports milliseconds per batch, so contenders of very different
 * speeds can run different numbers of batches and still be compared.
 */
import { type Contender, errorLine } from './contender.js';
import { summarize, type TimingSummary } from './stats.js';

/** Untimed pause before each pass (lets spinning onnxruntime workers of the previous contender go idle). */
export const COOLDOWN_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Results of one contender. */
export interface Measured {
  contender: Contender;
  /** Null when the contender is unavailable. */
  timing: TimingSummary | null;
  /** Why the contender did not run (its error's first line). */
  unavailable?: string;
  /** Warm-up pass output (inference: `[digits, classes]`). */
  output: Float32Array;
  /** Duration of the warm-up pass (includes compilation / kernel setup), per unit; NaN without one. */
  warmupMs: number;
}

/** Times one pass: activation, cooldown and `after` are not timed; the pass includes reading every output back to JS. */
async function timePass(c: Contender, out: Float32Array): Promise<number> {
  await c.activate();
  await sleep(COOLDOWN_MS);
  const t0 = performance.now();
  await c.pass(out);
  const t = performance.now() - t0;
  await c.after?.();
  return t;
}

/** Warm-up, then `rounds` round-robin rounds over the available contenders. */
export async function measure(contenders: Contender[], outputSize: number, rounds: number, log: (s: string) => void = () => {}): Promise<Measured[]> {
  const outputs = contenders.map(() => new Float32Array(outputSize));
  const warmups = contenders.map(() => 0);
  const unavailable: (string | undefined)[] = contenders.map((c) => c.unavailable);
  for (let i = 0; i < contenders.length; i++) {
    const c = contenders[i]!;
    if (unavailable[i] !== undefined) {
      log(`  ${c.name}: unavailable: ${unavailable[i]}`);
      continue;
    }
    if (c.skipWarmup) continue;
    try {
      warmups[i] = (await timePass(c, outputs[i]!)) / (c.units ?? 1);
      log(`  warm-up ${c.name}: ${warmups[i]!.toFixed(1)} ms${c.units ? ' per unit' : ''}`);
    } catch (e) {
      unavailable[i] = errorLine(e);
      log(`  ${c.name}: unavailable: ${unavailable[i]}`);
    }
  }
  const live = contenders.map((_, i) => i).filter((i) => unavailable[i] === undefined);
  const scratch = new Float32Array(outputSize);
  const samples: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds && live.length > 0; r++) {
    const ran: number[] = [];
    for (let k = 0; k < live.length; k++) {
      const i = live[(r + k) % live.length]!;
      const c = contenders[i]!;
      if (unavailable[i] !== undefined || samples[i]!.length >= (c.maxRounds ?? Infinity)) continue;
      try {
        // Without a warm-up pass, the first timed pass records the outputs.
        samples[i]!.push((await timePass(c, c.skipWarmup && r === 0 ? outputs[i]! : scratch)) / (c.units ?? 1));
        ran.push(i);
      } catch (e) {
        unavailable[i] = errorLine(e);
        log(`  ${c.name}: unavailable: ${unavailable[i]}`);
      }
    }
    log(`  round ${r + 1}/${rounds}${contenders.some((c) => c.units) ? ' (ms per unit)' : ''}: ${ran.map((i) => `${contenders[i]!.name} ${samples[i]!.at(-1)!.toFixed(1)}`).join(', ')}`);
  }
  return contenders.map((contender, i) => ({
    contender,
    timing: unavailable[i] === undefined && samples[i]!.length > 0 ? summarize(samples[i]!) : null,
    ...(unavailable[i] !== undefined ? { unavailable: unavailable[i] } : {}),
    output: outputs[i]!,
    warmupMs: contender.skipWarmup ? Number.NaN : warmups[i]!,
  }));
}
