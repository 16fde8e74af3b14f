import type { OnnxValue, OpAttrs } from '@strata/onnx';

/** One recorded contract-op call: its name, resolved inputs, output and plain arguments. */
export interface TapeEntry {
  readonly op: string;
  readonly inputs: readonly OnnxValue[];
  readonly output: OnnxValue;
  readonly attrs: OpAttrs;
}

/**
 * The contract ops called while a `valueAndGrads` function runs inside a
 * trace, in call order (a topological order of the recorded graph).
 * Reverse-mode differentiation walks it backwards (`backward.ts`).
 */
export class Tape {
  readonly entries: TapeEntry[] = [];

  record(op: string, inputs: readonly OnnxValue[], output: OnnxValue, attrs: OpAttrs = {}): void {
    this.entries.push({ op, inputs, output, attrs });
  }
}
