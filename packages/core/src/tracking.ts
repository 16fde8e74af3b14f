import { TrackingCycleError } from './errors.js';
import { describeValue } from './naming.js';
import { Variable } from './variable.js';

/**
 * The layers and variables a layer holds in its properties, the way Keras 3
 * tracks attribute assignment in every `Layer` and PyTorch in every `Module`:
 * the values of `holder`'s own enumerable properties from the `firstKey`-th
 * on (those a subclass added; earlier ones are the base class's bookkeeping),
 * and inside arrays and plain objects (nested ones too), in property order,
 * depth first. Maps, Sets and class instances other than layers and
 * variables are not searched, and neither are the values in `references`
 * (what `Layer.untracked` marked) nor the property `parent`.
 *
 * Nothing is intercepted: the layer calls this when it lists its sub-layers
 * or weights, at each `apply` and before each `trackLayer`, so members assigned at any time (class
 * fields, `this.x = ...` in the constructor or later, `push` into an array
 * property) are found; the properties keep the very values assigned. The
 * cost is one pass over the properties (and the arrays and plain objects in
 * them) per call: about 0.6 µs for a Linear.
 *
 * @param isLayer What counts as a layer (passed in, so that this module does not import layer.ts).
 */
export function heldMembers(
  holder: object,
  firstKey: number,
  references: ReadonlySet<unknown>,
  isLayer: (v: unknown) => boolean,
): HeldMembers {
  const found: HeldMembers = { layers: [], variables: [] };
  const keys = Object.keys(holder);
  const seen = new Set<object>();
  for (let i = firstKey; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== 'parent') collect((holder as Record<string, unknown>)[key], key, found, seen, references, isLayer);
  }
  return found;
}

/** What {@link heldMembers} finds, each with where: `blocks[2]`, `heads.b`. */
export interface HeldMembers {
  layers: { value: object; path: string }[];
  variables: { value: Variable; path: string }[];
}

function collect(
  value: unknown,
  path: string,
  found: HeldMembers,
  seen: Set<object>,
  references: ReadonlySet<unknown>,
  isLayer: (v: unknown) => boolean,
): void {
  if (typeof value !== 'object' || value === null || references.has(value)) return;
  if (isLayer(value)) found.layers.push({ value, path });
  else if (value instanceof Variable) found.variables.push({ value, path });
  else if (isContainer(value) && !seen.has(value)) {
    seen.add(value);
    if (Array.isArray(value)) value.forEach((item, i) => collect(item, `${path}[${i}]`, found, seen, references, isLayer));
    else for (const key of Object.keys(value)) collect((value as Record<string, unknown>)[key], `${path}.${key}`, found, seen, references, isLayer);
  }
}

/** An array or a plain object (`{...}`, `Object.create(null)`), not a class instance. */
function isContainer(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** What {@link checkNoCycle} needs of a layer. */
interface TreeNode {
  readonly scopeName: string;
}

/**
 * @param children The layers a layer tracks or holds (tracked or not yet).
 * @param heldAt Where `owner` holds `layer`, for the message (` (held in its property owner)`).
 * @throws TrackingCycleError if `layer` is `owner` or (transitively) tracks or holds it,
 *   so that tracking it would make `owner` contain itself (an endless weight list).
 */
export function checkNoCycle(owner: TreeNode, layer: TreeNode, children: (l: TreeNode) => readonly TreeNode[], heldAt = ''): void {
  const seen = new Set<TreeNode>();
  const stack: TreeNode[] = [layer];
  while (stack.length) {
    const l = stack.pop()!;
    if (l === owner) {
      throw new TrackingCycleError(
        `Cannot track ${describeValue(layer)} in '${owner.scopeName}'${heldAt}: ` +
          `${layer === owner ? 'it is the layer itself' : 'it contains this layer'}, so the layer would contain itself. ` +
          `Keep references to enclosing layers out of the layer's properties (pass them as call arguments), or mark them: this.x = this.untracked(layer).`,
      );
    }
    if (seen.has(l)) continue;
    seen.add(l);
    stack.push(...children(l));
  }
}
