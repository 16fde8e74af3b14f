export { type ConfigLocation, NEEDS_PYTHON_FIX, ReturnnConfigError, type ReturnnConfigErrorOptions } from './errors.js';
export type { ConfigNote } from './eval-env.js';
export { parseReturnnConfig, readReturnnConfig, type ReturnnConfig, type ReturnnConfigEntry } from './read.js';
export { findOpaque, isPyDict, OpaqueValue, type PyDict, type PyValue, pyRepr, toPlain } from './values.js';
