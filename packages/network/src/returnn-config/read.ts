import { readFileSync } from 'node:fs';
import { ReturnnConfigError } from './errors.js';
import type { Binding, ConfigNote, EvalEnv } from './eval-env.js';
import { evaluate } from './expressions.js';
import { runStatements } from './statements.js';
import { children, firstError, SourceTree } from './tree.js';
import { ModuleValue, type PyValue } from './values.js';

/** One module-level name of a config: its final value and where it was last assigned (1-based). */
export interface ReturnnConfigEntry {
  value: PyValue;
  line: number;
  column: number;
}

/** A RETURNN config as read: its names (options and helper variables alike, as RETURNN's `typed_dict` holds them) and notes. */
export interface ReturnnConfig {
  file: string;
  /** `python` (a file starting with `#!`) or `json` (a file starting with `{`), as RETURNN's `Config.load_file` tells them apart. */
  format: 'python' | 'json';
  /** Module-level names in order of first assignment. Names bound to modules (`import os`) are left out. */
  entries: Map<string, ReturnnConfigEntry>;
  /** What was read but not run: imports, `print(...)`, `def`s. */
  notes: ConfigNote[];
}

/**
 * Reads a RETURNN config from its text, never running it. RETURNN `exec`s
 * a config starting with `#!` as Python and reads one starting with `{` as
 * JSON (`returnn/config.py`, `Config.load_file`); Strata does the same
 * split, and for Python evaluates the subset configs are written in: module-level
 * assignments (`a = b = 1`, `x, y = ...`, `d["k"] = v`, `x += 1`) of literals,
 * earlier names, arithmetic, comparisons, `%`-formatting, subscripts, pure
 * builtins (`dict(...)`, `len`, `min`, ...), `os.path` string functions and
 * RETURNN's `config.int("name", default)` getters; `if` with a condition it can
 * decide; `d.update(...)`/`l.append(...)`; imports, `print(...)`, docstrings
 * and `def`s are noted and not run. A value that needs Python (a lambda, a call
 * of an own function, a name under an undecidable `if`) is an
 * {@link OpaqueValue}: an error only when an option Strata reads holds it.
 *
 * The predefined names are RETURNN's: `config` (its getters see the names
 * assigned so far, no command-line values), `__file__` (`file` as given) and `__name__`.
 *
 * @param source the file's text.
 * @param file the file name, for messages and `__file__`.
 * @throws ReturnnConfigError for a syntax error, a statement that runs code
 *   (loops, `with`, `try`, module-level calls other than `print` and in-place
 *   dict/list methods), what Python itself would reject (an undefined name, a
 *   division by zero), or a file that is neither Python (`#!`) nor JSON.
 */
export function parseReturnnConfig(source: string, file: string): ReturnnConfig {
  const trimmed = source.trim();
  if (trimmed.startsWith('{')) return jsonConfig(source, file);
  if (!trimmed.startsWith('#!')) {
    throw new ReturnnConfigError({
      file,
      line: 1,
      column: 1,
      construct: 'file format',
      problem: "RETURNN reads a config as Python only when it starts with '#!' and as JSON when it starts with '{'; this file starts with neither (RETURNN would read it in its old line-based format).",
      fix: "add '#!rnn.py' as the first line of a Python config.",
    });
  }
  const tree = new SourceTree(source, file);
  const err = firstError(tree.tree.topNode);
  if (err) {
    const near = source.slice(err.from, err.from + 20).split('\n')[0];
    throw new ReturnnConfigError({
      ...tree.location(err.from),
      construct: 'syntax error',
      problem: `Python cannot parse the file here${near ? ` (near \`${near}\`)` : ''}.`,
      fix: 'check brackets, quotes, commas and indentation on this line and the lines before it.',
    });
  }
  const env: EvalEnv = {
    tree,
    scope: new Map<string, Binding>([
      ['config', new ModuleValue('returnn.config.Config')],
      ['__file__', file],
      ['__name__', '__returnn_config__'],
    ]),
    notes: [],
    evaluate,
  };
  const predefined = new Map(env.scope);
  const entries = new Map<string, ReturnnConfigEntry>();
  for (const stmt of children(tree.tree.topNode)) {
    const before = new Map(env.scope);
    runStatements(env, [stmt]);
    for (const [name, b] of env.scope) {
      if (b === before.get(name)) continue;
      if (b instanceof ModuleValue) {
        entries.delete(name);
        continue;
      }
      if (predefined.get(name) === b) continue;
      entries.set(name, { value: b, ...lineColumn(tree.location(stmt.from)) });
    }
  }
  return { file, format: 'python', entries, notes: env.notes };
}

const lineColumn = (l: { line: number; column: number }) => ({ line: l.line, column: l.column });

function jsonConfig(source: string, file: string): ReturnnConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (e) {
    throw new ReturnnConfigError({ file, line: 1, column: 1, construct: 'JSON config', problem: `the file starts with '{' but is not valid JSON: ${(e as Error).message}.`, fix: 'fix the JSON.' });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ReturnnConfigError({ file, line: 1, column: 1, construct: 'JSON config', problem: 'the JSON value is not an object.', fix: 'make the file one JSON object of options.' });
  }
  const lines = source.split('\n');
  const entries = new Map<string, ReturnnConfigEntry>();
  for (const [k, v] of Object.entries(raw)) {
    const i = lines.findIndex((l) => l.includes(JSON.stringify(k)));
    entries.set(k, { value: v as PyValue, line: i + 1 || 1, column: Math.max(1, (lines[i]?.indexOf(JSON.stringify(k)) ?? 0) + 1) });
  }
  return { file, format: 'json', entries, notes: [] };
}

/**
 * Reads and parses a RETURNN config file ({@link parseReturnnConfig}); only
 * the file itself is read.
 * @throws ReturnnConfigError as parseReturnnConfig, or when the file cannot be read.
 */
export function readReturnnConfig(path: string): ReturnnConfig {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ReturnnConfigError({ file: path, line: 1, column: 1, construct: 'config file', problem: `cannot be read: ${(e as Error).message}.`, fix: 'check the path.' });
  }
  return parseReturnnConfig(source, path);
}
