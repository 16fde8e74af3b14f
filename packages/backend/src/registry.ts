import type { Backend } from './backend.js';
import { BackendUnavailableError } from './errors.js';

/** Makes a backend; may throw (e.g. when its library is not installed). */
export type BackendFactory = () => Backend | Promise<Backend>;

interface Entry {
  factory: BackendFactory;
  priority: number;
  /** Memoized initialisation, so concurrent `setBackend` calls share one `init`. */
  ready?: Promise<Backend>;
  error?: string;
}

const entries = new Map<string, Entry>();
let active: Backend | undefined;

/**
 * Registers a backend under `name`. A higher `priority` wins in
 * {@link setBackend} when several names are given with `'auto'`. Registering a
 * name again replaces the factory only if the new priority is not lower.
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  const old = entries.get(name);
  if (old && old.priority > priority) return;
  entries.set(name, { factory, priority });
}

/** Names of all registered backends, highest priority first. */
export function listBackends(): string[] {
  return [...entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

async function initEntry(name: string, entry: Entry): Promise<Backend> {
  entry.ready ??= (async () => {
    const backend = await entry.factory();
    await backend.init();
    return backend;
  })();
  try {
    return await entry.ready;
  } catch (e) {
    entry.ready = undefined;
    entry.error = e instanceof Error ? e.message : String(e);
    throw e;
  }
}

/**
 * Initialises and activates the first backend of `names` that works
 * (`'auto'`: all registered ones by priority).
 *
 * @throws BackendUnavailableError listing each backend tried and why it failed.
 */
export async function setBackend(names: string | string[] = 'auto'): Promise<Backend> {
  const wanted = names === 'auto' ? listBackends() : Array.isArray(names) ? names : [names];
  const attempts: [string, string][] = [];
  for (const name of wanted) {
    const entry = entries.get(name);
    if (!entry) {
      attempts.push([name, `not registered (registered: ${listBackends().join(', ') || 'none'})`]);
      continue;
    }
    try {
      const backend = await initEntry(name, entry);
      backend.activate?.();
      active = backend;
      return backend;
    } catch (e) {
      attempts.push([name, e instanceof Error ? e.message : String(e)]);
    }
  }
  const lines = attempts.map(([n, why]) => `  - ${n}: ${why}`).join('\n');
  const unregistered = wanted.some((n) => !entries.has(n));
  throw new BackendUnavailableError({
    message:
      `No backend could be initialised from [${wanted.join(', ')}]:\n${lines}` +
      (unregistered ? `\nRegister backends first, e.g. call registerTfjsBackends() from @strata/backend-tfjs.` : ''),
    attempts,
  });
}

/**
 * The active backend.
 *
 * @throws BackendUnavailableError if {@link setBackend} has not completed yet.
 */
export function getBackend(): Backend {
  if (!active) {
    throw new BackendUnavailableError({
      message: 'No active backend. Call `await setBackend(name)` first, e.g. `await setBackend("tfjs-wasm")` after `registerTfjsBackends()` from @strata/backend-tfjs.',
    });
  }
  return active;
}

/** The active backend, or undefined if none is set. */
export function peekBackend(): Backend | undefined {
  return active;
}

/**
 * Runs `fn` with `backend` as the active backend, then restores the previous
 * one (also when `fn` throws). Used to trace a function into a graph (ONNX
 * export) while the model's variables live on another backend.
 */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const previous = active;
  active = backend;
  try {
    return fn();
  } finally {
    active = previous;
  }
}
