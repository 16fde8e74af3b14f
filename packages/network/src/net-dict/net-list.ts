import { NetDictError } from '../errors.js';
import type { LayerDescription, NetDict } from './schema.js';

/**
 * Seed `construct_from_list`: the dict of a list of entries, each entry's `name` its key.
 * @throws NetDictError for an entry without a string `name` or a name used twice.
 */
export function dictFromList(netList: readonly (LayerDescription & { name: string })[]): NetDict {
  const dict: NetDict = {};
  netList.forEach((entry, i) => {
    const { name, ...desc } = entry ?? ({} as never);
    if (typeof name !== 'string' || name === '') throw new NetDictError(`Net list entry ${i} needs a "name" (string). Received: ${JSON.stringify(entry)}.`);
    if (name in dict) throw new NetDictError(`Net list entries ${Object.keys(dict).indexOf(name)} and ${i} are both named '${name}'. Give each layer its own name.`);
    dict[name] = desc as LayerDescription;
  });
  return dict;
}
