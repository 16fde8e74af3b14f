/**
 * One name of a seed document and its canonical key.
 *
 * Keys (the scheme docs/seed-api.md describes):
 * * `Owner` – a class (its constructor is the class key: `__init__` maps here),
 * * `Owner.member` – a property, method or module function,
 * * `Owner.member(arg)` / `Owner(arg)` – one documented or signature argument,
 * * `Owner.member: Error` / `Owner: Error` – one documented error.
 *
 * `Owner` is the class as the seed names it without its module
 * (`ExternData`, `Network`, `Layer`); nested classes keep their outer class
 * (`CustomCheckpointLoader.VariableValue`). Argument names lose leading `*`.
 */
export type SeedNameKind = 'class' | 'member' | 'arg' | 'error';

export interface SeedName {
  /** File prefix of the seed, e.g. `'003'`. */
  readonly seed: string;
  readonly kind: SeedNameKind;
  /** Canonical key, see above. */
  readonly key: string;
}

/** Collects names in order of first appearance, without duplicates. */
export class NameSink {
  private readonly seen = new Set<string>();
  readonly names: SeedName[] = [];

  constructor(readonly seed: string) {}

  /** `subject` is `Owner` or `Owner.member`. */
  add(kind: SeedNameKind, subject: string, detail?: string): void {
    let key = subject;
    if (kind === 'arg') {
      const arg = normalizeArg(detail ?? '');
      if (arg === '' || arg === 'self' || arg === 'cls' || arg === '_') return;
      key = `${subject}(${arg})`;
    } else if (kind === 'error') {
      key = `${subject}: ${detail}`;
    }
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.names.push({ seed: this.seed, kind, key });
  }

  /**
   * Adds method `name` of class `owner` (`__init__` is the class itself)
   * with the parameters of `params`, a Python parameter list; returns its
   * subject (`Owner` or `Owner.name`).
   */
  addMethod(owner: string, name: string, params = ''): string {
    const subject = name === '__init__' ? owner : `${owner}.${name}`;
    this.addSignature(subject, subject === owner ? 'class' : 'member', params);
    return subject;
  }

  /** Adds `subject` itself and every parameter of a Python signature's parameter list. */
  addSignature(subject: string, kind: 'class' | 'member', params: string): void {
    this.add(kind, subject);
    for (const p of splitParams(params)) this.add('arg', subject, p);
  }
}

/** `**kwargs` → `kwargs`, `dtype=None` → `dtype`. */
export function normalizeArg(arg: string): string {
  return arg.trim().replace(/^\*+/, '').replace(/\s*=.*$/s, '').trim();
}

/**
 * Splits a Python parameter list at top-level commas (defaults may hold
 * `()`, `[]`, `<...>` and quoted strings) and returns the parameter names.
 */
export function splitParams(params: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (const ch of params) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if ('([{<'.includes(ch)) {
      depth++;
    } else if (')]}>'.includes(ch)) {
      depth--;
    } else if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out
    .map((p) => normalizeArg(p))
    .filter((p) => /^[A-Za-z_]\w*$/.test(p));
}

/** Python exception class names as the TF docs write them. */
export const ERROR_NAME = /^[A-Z]\w*(?:Error|Exception|Warning)$/;
