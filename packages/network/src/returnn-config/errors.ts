/** Where a construct sits in a config file: 1-based line and column (UTF-16 code units). */
export interface ConfigLocation {
  file: string;
  line: number;
  column: number;
}

/** Options of {@link ReturnnConfigError}. */
export interface ReturnnConfigErrorOptions extends ConfigLocation {
  /** The Python construct or option, e.g. `for loop`, `call of get_login_username()`, `chunking = "200:200"`. */
  construct: string;
  /** What is wrong, in the form "what happened, what was expected". */
  problem: string;
  /** How to fix it. */
  fix: string;
  /** The option's key path when a value inside an option is at fault, e.g. `network.output.eval`. */
  keyPath?: string;
}

/**
 * A RETURNN `.config` file Strata cannot read: a syntax error, a Python
 * construct that needs real Python (a loop, a call of an own function, a
 * lambda inside an option Strata reads), or an option Strata cannot honour.
 * The message names the file, line and column, the construct, and the fix.
 * (RETURNN itself `exec`s a config as Python, `returnn/config.py`
 * `Config.load_file`; Strata never runs code from a config.)
 */
export class ReturnnConfigError extends Error {
  override name = 'ReturnnConfigError';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly construct: string;
  readonly keyPath: string | undefined;
  constructor(options: ReturnnConfigErrorOptions) {
    const where = `${options.file}:${options.line}:${options.column}`;
    const key = options.keyPath ? ` (in ${options.keyPath})` : '';
    super(`${where}: ${options.construct}${key}: ${options.problem} Fix: ${options.fix}`);
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.construct = options.construct;
    this.keyPath = options.keyPath;
  }
}

/** The usual fix for a construct that needs real Python. */
export const NEEDS_PYTHON_FIX =
  'write the value as a literal (numbers, strings, lists, tuples, dicts, True/False/None, names assigned earlier), ' +
  'or let Python resolve it: load the config with RETURNN (`c = returnn.config.Config(); c.load_file(path)`), ' +
  'write the options you need with `json.dumps({k: c.typed_dict[k] for k in [...]})` and train that JSON config.';
