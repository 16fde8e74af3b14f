import { NetDictError } from '../errors.js';
import type { NetDict } from './schema.js';

/**
 * `"target"` given as a list (RETURNN `LayerBase(target=[...])`): RETURNN
 * keeps the list as `layer.targets` and uses its first entry as
 * `layer.target` (the loss target, the output's dim, the time axis a `rec`
 * layer steps over, whose other targets must have the same lengths). Each
 * entry of `netDict` with a list target gets its first entry as its target
 * (entries are copied, not changed in place); other entries are kept as they are.
 *
 * A `choice` with several targets is RETURNN's multi-target choice (one
 * source per target, the combinations of their labels searched together,
 * its outputs the sub-layers `out_0`, `out_1`, ...), which Strata does not
 * run.
 *
 * @throws NetDictError for an empty list, a list with a non-string, or a `choice` with several targets.
 */
export function withFirstTargets(netDict: NetDict): NetDict {
  let out: NetDict | undefined;
  for (const [name, entry] of Object.entries(netDict)) {
    const target = (entry as { target?: unknown } | undefined)?.target;
    if (!Array.isArray(target)) continue;
    if (target.length === 0 || !target.every((t) => typeof t === 'string')) {
      throw new NetDictError(`Net dict entry '${name}': "target" must be a data key or a non-empty list of data keys. Received: target=${JSON.stringify(target)}.`);
    }
    if (entry.class === 'choice' && target.length > 1) {
      throw new NetDictError(
        `Net dict entry '${name}' (class 'choice'): "target": ${JSON.stringify(target)} is RETURNN's multi-target choice (one source per target, ` +
          `their label combinations searched together, outputs '${name}/out_0', ...), which Strata does not support; use one choice layer per target.`,
      );
    }
    out ??= { ...netDict };
    out[name] = { ...entry, target: target[0] as string };
  }
  return out ?? netDict;
}
