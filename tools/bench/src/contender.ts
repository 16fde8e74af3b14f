/** What the runner needs of each benchmarked implementation. */

/**
 * One implementation of "classify the 2,000 dev digits". `pass` runs every
 * batch and copies each batch's output (class probabilities) into `out`
 * before it returns, so a measurement always includes reading the results
 * back to JS: no contender is measured lazily.
 */
export interface Contender {
  /** Name in the table, e.g. `Strata onnxruntime`. */
  readonly name: string;
  /** How it runs, one line (API, threads, input handling). */
  readonly detail: string;
  /** Not part of the target checks (extra information). */
  readonly informational?: boolean;
  /** Untimed setup before each measurement, e.g. `setBackend(...)` for Strata. */
  activate(): Promise<void>;
  /** One full pass over the dev digits; `out` is `[2000, classes]` row-major. */
  pass(out: Float32Array): void | Promise<void>;
  /** Frees what the contender holds. */
  dispose(): Promise<void>;
}
