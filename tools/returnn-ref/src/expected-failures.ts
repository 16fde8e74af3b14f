/**
 * RETURNN fixtures Strata cannot yet build or match, each with the stage it
 * fails at ({@link FailureKind}) and why. The test asserts each of these
 * indeed fails that way, so when support lands the entry must go: this list
 * is the work list. Every fixture not listed must match.
 */
import type { FailureKind } from './run-fixture.js';

/** An expected failure: how it fails and why. */
export interface ExpectedFailure {
  readonly kind: FailureKind;
  readonly reason: string;
}

const unknown = (cls: string, more = ''): ExpectedFailure => ({ kind: 'unknown-class', reason: `no net-dict class '${cls}'${more}` });
const rejected = (reason: string): ExpectedFailure => ({ kind: 'rejected-key', reason });
const mapping = (reason: string): ExpectedFailure => ({ kind: 'name-mapping', reason });
const numbers = (reason: string): ExpectedFailure => ({ kind: 'wrong-numbers', reason });

/** Fixture name → expected failure. */
export const EXPECTED_FAILURES: Readonly<Record<string, ExpectedFailure>> = {
  // Classes Strata does not have.

  // Keys or values RETURNN accepts and Strata refuses.

  // RETURNN's params do not map onto Strata's variables.

  // Built and run, other numbers.
};
