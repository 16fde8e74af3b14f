// Helpers of the `.config` reader's tests: parse a config body, read one entry as plain JSON, catch its error.
import { ReturnnConfigError } from '../returnn-config/errors.js';
import { parseReturnnConfig, type ReturnnConfig } from '../returnn-config/read.js';
import { toPlain } from '../returnn-config/values.js';

/** `body` parsed as the config file `x.config` (with RETURNN's `#!rnn.py` first line). */
export const parse = (body: string): ReturnnConfig => parseReturnnConfig(`#!rnn.py\n${body}`, 'x.config');

/** The plain value of entry `name` (default `x`) of `body`. */
export const value = (body: string, name = 'x'): unknown => toPlain(parse(body).entries.get(name)!.value);

/** The error a config raises. @throws Error if it parses, or rethrows an error of another class. */
export const errorOf = (body: string): ReturnnConfigError => {
  try {
    parse(body);
  } catch (e) {
    if (e instanceof ReturnnConfigError) return e;
    throw e;
  }
  throw new Error('expected a ReturnnConfigError');
};
