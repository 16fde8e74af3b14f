/**
 * The stack of networks under construction (seed 003
 * `TFNetwork.get_network_stack` / `get_current_network`): constructing a
 * net dict pushes its network, constructing a rec unit inside it pushes the
 * unit, so a layer class's `create` can ask which network it is built in.
 * Module state, typed loosely to keep this file free of import cycles.
 */
const stack: unknown[] = [];

/** Runs `fn` with `net` on top of the construction stack (popped even if `fn` throws; not pushed twice in a row). */
export function withCurrentNetwork<T>(net: unknown, fn: () => T): T {
  if (stack[stack.length - 1] === net) return fn();
  stack.push(net);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/** A copy of the stack, outermost first. */
export function networkStack(): unknown[] {
  return [...stack];
}

/** The innermost network under construction, if any. */
export function currentNetwork(): unknown {
  return stack[stack.length - 1];
}
