/**
 * Groups failures of RETURNN net dicts in Strata by what went wrong, so that
 * many nets failing for one reason show as one line: the error class (inside
 * a layer's forward `LayerExecutionError<cause>`), then what its first message
 * line names (an unknown key and the class of the entries that have it, an
 * invalid key, an unknown class, an extern_data problem, or the layer class
 * and the message with its quoted values and numbers left out).
 * Used by `build-rate.ts` and `match-rate.ts`.
 */
import { LayerExecutionError } from '@strata/network';

type NetDict = Record<string, unknown>;

const isDict = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/** The sub-network dicts of an entry (`unit` of `rec`, `subnetwork`). */
const subNets = (e: Record<string, unknown>): NetDict[] => [e.unit, e.subnetwork].filter(isDict);

/** Layer entries of a net dict, counting those of sub-networks (`unit`, `subnetwork`) too. */
export function countEntries(net: NetDict): number {
  let n = 0;
  for (const entry of Object.values(net)) {
    if (!isDict(entry)) continue;
    n++;
    for (const sub of subNets(entry)) n += countEntries(sub);
  }
  return n;
}

/** The entry `name` anywhere in the dict (top level first, then sub-networks). */
export function findEntry(net: NetDict, name: string): Record<string, unknown> | undefined {
  const direct = net[name];
  if (isDict(direct)) return direct;
  for (const entry of Object.values(net)) {
    if (!isDict(entry)) continue;
    for (const sub of subNets(entry)) {
      const found = findEntry(sub, name);
      if (found) return found;
    }
  }
  return undefined;
}

/** Entries (anywhere in the dict) that have key `key`: their class names. */
function classesWithKey(net: NetDict, key: string, out: string[] = []): string[] {
  for (const entry of Object.values(net)) {
    if (!isDict(entry)) continue;
    if (key in entry && typeof entry.class === 'string') out.push(entry.class);
    for (const sub of subNets(entry)) classesWithKey(sub, key, out);
  }
  return out;
}

const QUOTED = /['"`]([A-Za-z_][\w:/.-]*)['"`]/g;

/** A message with quoted values and numbers replaced, so that messages of one kind group together. */
export const normalize = (msg: string) =>
  msg.replace(/Received:.*$/s, '').replace(/['"`][^'"`\n]*['"`]/g, '…').replace(/\[[^\]]*\]/g, '[…]').replace(/\d+/g, 'N').replace(/\s+/g, ' ').trim().slice(0, 90);

/** A failure's group and its first error line (`Class: message`). */
export interface FailureGroup {
  readonly group: string;
  readonly error: string;
}

/**
 * The failure group of error `e` thrown while building or running `network`
 * (see the module comment).
 */
export function groupOf(network: NetDict, e: unknown): FailureGroup {
  const err = e instanceof Error ? e : new Error(String(e));
  let name = err.name;
  let msg = err.message;
  let cls: string | undefined;
  let layer: string | undefined;
  if (err instanceof LayerExecutionError) {
    const cause = err.cause instanceof Error ? err.cause : undefined;
    name = `${err.name}<${cause?.name ?? 'unknown'}>`;
    msg = cause?.message ?? msg;
    cls = err.layerClass;
    layer = err.layerName;
  }
  const lines = msg.split('\n').map((l) => l.trim()).filter(Boolean);
  // "Net dict entry 'x' is invalid:" followed by "- key: problem" lines: the first problem is the message.
  const detail = lines.length > 1 && /is invalid:$/.test(lines[0]!) ? `${lines[0]!.replace(/ is invalid:$/, '')}: ${lines[1]!.replace(/^- /, '')}` : lines[0] ?? '';
  const error = `${err.name}: ${detail}`.slice(0, 260);
  const quoted = [...detail.matchAll(QUOTED)].map((m) => m[1]!);
  if (!cls) {
    for (const q of quoted) {
      const entry = findEntry(network, q);
      if (entry && typeof entry.class === 'string') {
        [cls, layer] = [entry.class, q];
        break;
      }
    }
  }
  const onClass = (key: string) => {
    const entry = layer ? findEntry(network, layer) : undefined;
    return entry && key in entry ? cls : (classesWithKey(network, key)[0] ?? cls);
  };
  const unknownKeys = /unknown key\(s\) ((?:'[^']+'(?:, )?)+)/.exec(detail);
  if (unknownKeys) {
    const keys = [...unknownKeys[1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    return { group: `${name} | unknown key ${keys.map((k) => `'${k}'`).join(', ')} on class ${onClass(keys[0]!)}`, error };
  }
  const invalid = /: (-\s*)?([a-z_]+): Invalid input: (.*)$/.exec(detail);
  if (invalid) return { group: `${name} | invalid '${invalid[2]}' on class ${onClass(invalid[2]!)}: ${normalize(invalid[3]!)}`, error };
  if (/^extern_data /.test(detail)) return { group: `${name} | extern_data: ${normalize(detail.replace(/^extern_data '[^']*': /, ''))}`, error };
  const unknownClass = /has class '([^']+)'/.exec(detail);
  if (err.name === 'UnknownLayerClassError' && unknownClass) return { group: `${name} | class '${unknownClass[1]}'`, error };
  const rest = normalize(detail.replace(/^(Net dict entry|Layer) '[^']*'( \(class '[^']*'\))?:? /, ''));
  return { group: [name, cls ? `class ${cls}` : undefined, rest].filter(Boolean).join(' | '), error };
}

/** Groups `items` by `key`, largest group first (then by name). */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const it of items) groups.set(key(it), [...(groups.get(key(it)) ?? []), it]);
  return [...groups].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
}

/** `a/b = p%`. */
export const pct = (a: number, b: number) => `${a}/${b} = ${b ? ((100 * a) / b).toFixed(1) : '0'}%`;
