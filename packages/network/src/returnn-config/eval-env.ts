import type { SyntaxNode } from '@lezer/common';
import { NEEDS_PYTHON_FIX, ReturnnConfigError } from './errors.js';
import type { SourceTree } from './tree.js';
import { type ModuleValue, OpaqueValue, type PyValue } from './values.js';

/** What a module-level name is bound to: a value, or a module (`import os`). */
export type Binding = PyValue | ModuleValue;

/** A note about something read but not used: an ignored import, a `print`, a `def`. */
export interface ConfigNote {
  line: number;
  column: number;
  message: string;
}

/** The state of one config evaluation: the source, the module-level names so far, the notes. */
export interface EvalEnv {
  tree: SourceTree;
  scope: Map<string, Binding>;
  notes: ConfigNote[];
  /** Evaluates an expression node (`expressions.ts`' `evaluate`, passed in so that calls and expressions do not import each other). */
  evaluate: (env: EvalEnv, node: SyntaxNode) => PyValue;
}

/** A {@link ReturnnConfigError} at `node`. */
export function errorAt(env: EvalEnv, node: SyntaxNode, construct: string, problem: string, fix: string = NEEDS_PYTHON_FIX): ReturnnConfigError {
  return new ReturnnConfigError({ ...env.tree.location(node.from), construct, problem, fix });
}

/** An {@link OpaqueValue} for the construct at `node`. */
export function opaqueAt(env: EvalEnv, node: SyntaxNode, construct: string): OpaqueValue {
  return new OpaqueValue(construct, env.tree.location(node.from));
}

/** A short quote of a node's source for messages (first line, at most 60 characters). */
export function quote(env: EvalEnv, node: SyntaxNode): string {
  const t = env.tree.text(node).split('\n')[0]!;
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}
