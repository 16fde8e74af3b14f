/** What the runner needs of each benchmarked implementation. */
import { setBackend } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';

/**
 * One implementation of a workload (a training epoch, an inference pass, a
 * construction, a checkpoint save or load). `pass` runs one measurement;
 * inference contenders copy every output into `out` before they return, so
 * a measurement always includes reading the results back to JS (no
 * contender is measured lazily). Other workloads ignore `out`.
 */
export interface Contender {
  /** Name in the table, e.g. `Strata onnxruntime`. */
  readonly name: string;
  /** How it runs, one line (API, threads, input handling). */
  readonly detail: string;
  /** Not part of the target checks (extra information). */
  readonly informational?: boolean;
  /**
   * Set when the contender cannot run on this machine or backend (e.g. a
   * training step on a backend without gradients): the reason, shown as
   * `unavailable: <reason>`; the runner skips it.
   */
  readonly unavailable?: string;
  /**
   * How many units (training batches) one measurement covers; the runner
   * reports milliseconds per unit. Default 1 (the measurement is the unit).
   */
  readonly units?: number;
  /** At most this many timed rounds (a very slow peer); default: every round. */
  readonly maxRounds?: number;
  /**
   * No separate warm-up pass: the first timed pass is the warm-up (for a
   * very slow peer without compilation, e.g. tfjs cpu). Default false.
   */
  readonly skipWarmup?: boolean;
  /** Untimed setup before each measurement, e.g. `setBackend(...)` for Strata. */
  activate(): Promise<void>;
  /** One measurement; inference contenders fill `out` (`[examples, classes]` row-major). */
  pass(out: Float32Array): void | Promise<void>;
  /**
   * Untimed work after each measurement (e.g. deleting the file a save
   * wrote, disposing a constructed network). Optional.
   */
  after?(): void | Promise<void>;
  /** Frees what the contender holds. */
  dispose(): Promise<void>;
}

/**
 * A contender's `activate`: makes Strata backend `backendName` the active
 * one; with `tfjsName`, also checks that tfjs' global backend is then that
 * one (a tfjs-layers peer runs on whatever tfjs has selected).
 * @throws Error when tfjs runs on another backend than `tfjsName`.
 */
export function onBackend(backendName: string, tfjsName?: string): () => Promise<void> {
  return async () => {
    await setBackend(backendName);
    if (tfjsName !== undefined && tf.getBackend() !== tfjsName) throw new Error(`tfjs runs on '${tf.getBackend()}', expected ${tfjsName}.`);
  };
}

/** The first line of an error's message (the class name too, for typed errors). */
export function errorLine(e: unknown): string {
  if (e instanceof Error) return `${e.name !== 'Error' ? `${e.name}: ` : ''}${e.message.split('\n')[0]}`;
  return String(e);
}

/** A row that only says why the contender cannot run. */
export function unavailableContender(name: string, detail: string, reason: unknown): Contender {
  return {
    name,
    detail,
    unavailable: errorLine(reason),
    activate: async () => {},
    pass: () => {},
    dispose: async () => {},
  };
}

/** `make()`, or an unavailable contender carrying the error `make` threw. */
export async function tryContender(name: string, detail: string, make: () => Promise<Contender>): Promise<Contender> {
  try {
    return await make();
  } catch (e) {
    return unavailableContender(name, detail, e);
  }
}
