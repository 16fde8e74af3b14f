/**
 * Findings the CI fuzz run still meets, each in code another package owns,
 * with what the fix is. The CI test fails on any finding not listed here,
 * and reports listed ones that no longer occur so the entry can be removed
 * (the run is deterministic: same seed, same cases).
 */
import type { Finding } from './fuzz.js';

export interface KnownFinding {
  /** Short name, for the report. */
  id: string;
  reason: Finding['reason'];
  /** The error class (or the hang/crash description) starts with this. */
  error: string;
  /** Part of the stack top (the file where it is thrown), or of the input for hangs. */
  where: string;
  /** The package whose code must change, and how. */
  fix: string;
}

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: 'absurd-weight-size',
    reason: 'untyped',
    error: 'RangeError',
    where: 'core/src/initializers/',
    fix:
      'core: addWeight (or the initializers) must reject a weight of more elements than a typed array holds (and well before: ' +
      'n_out 3e8 on dim 8 allocates 9.6 GB for 90 s) with a LayerArgumentError naming the layer and shape; the net dict wraps it as NetDictError. ' +
      'Cases: "n_out": 1e9 / 2**31, extern_data "dim": 1e12.',
  },
  {
    id: 'data-shape-not-array',
    reason: 'untyped',
    error: 'TypeError',
    where: 'core/src/data.ts',
    fix: 'core: Data.fromConfig must check that "shape" is an array (extern_data {"shape": "T"} gives "shape.map is not a function").',
  },
  {
    id: 'eval-batch-size-unchecked',
    reason: 'hang',
    error: 'killed after',
    where: 'options.evalBatchSize',
    fix: 'engine: the Engine constructor must check evalBatchSize (a positive integer); 0 or -1 makes epochBatches loop forever in predict.',
  },
  {
    id: 'eval-batch-size-message',
    reason: 'unhelpful',
    error: 'EngineConfigError',
    where: 'engine/src/bucketing.ts',
    fix: 'engine: same check as eval-batch-size-unchecked; today sequence data says "sequenceBatches: batchSize must be ..." without naming evalBatchSize.',
  },
  {
    id: 'optimizer-null',
    reason: 'untyped',
    error: 'TypeError',
    where: 'engine/src/optimizers/registry.ts',
    fix: 'engine: getOptimizer(null | "adam") must throw OptimizerArgumentError ("optimizer must be an object like {class: \'adam\'}") instead of destructuring null.',
  },
  {
    id: 'example-value-null',
    reason: 'untyped',
    error: 'TypeError',
    where: 'engine/src/b',
    fix: "engine: collate / collateSequences / sequenceLengths must reject an example value that is not a number or typed array (null, a string) with a DataError naming the dataset, example and key.",
  },
  {
    id: 'loss-options-without-layer',
    reason: 'unhelpful',
    error: 'LossArgumentError',
    where: 'losses/src/',
    fix: "network: wrap errors of getLoss(entry.loss, loss_opts) as NetDictError naming the entry and the snake_case key (today: \"labelSmoothing must be in [0, 1). Received: labelSmoothing=2\", no layer).",
  },
  {
    id: 'target-without-classes',
    reason: 'unhelpful',
    error: 'NetDictError',
    where: 'standard-classes.ts',
    fix: "network: when a loss's target has no class count (dim_tags without sparse_dim), say so naming the target key, instead of \"needs n_out\".",
  },
];

/** The known finding `f` is an instance of, or undefined. */
export function knownFindingOf(f: Finding): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((k) => k.reason === f.reason && f.error.startsWith(k.error) && (f.stackTop.includes(k.where) || f.input.includes(k.where)));
}
