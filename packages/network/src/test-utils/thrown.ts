/** The error `fn` throws, for tests that inspect its fields. @throws Error if `fn` returns normally. */
export function thrownBy<E = unknown>(fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    return e as E;
  }
  throw new Error(`expected ${fn.toString()} to throw`);
}
