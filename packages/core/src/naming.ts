/**
 * `MyDenseLayer` → `my_dense_layer`, `Conv2D` → `conv2d`, `BatchNorm` → `batch_norm`
 * (the default layer names of the seeds).
 */
export function toSnakeCase(name: string): string {
  // Keras' `to_snake_case`: split before a capitalised word, then between a
  // lower-case letter and a capital, so digits stay attached (`Conv2D` → `conv2d`).
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toLowerCase();
}

/**
 * Hands out unique names within one parent: `dense`, `dense_1`, `dense_2`.
 * One per parent (never process-global), as ARCHITECTURE.md requires.
 */
export class NameScope {
  private readonly counts = new Map<string, number>();
  private readonly taken = new Set<string>();

  /** Whether `name` is already used in this scope. */
  has(name: string): boolean {
    return this.taken.has(name);
  }
  /** Reserves an explicit name (the caller checks `has` first to raise its own error). */
  reserve(name: string): void {
    this.taken.add(name);
  }
  /** The next free name for `base`: `base`, then `base_1`, `base_2`, ... */
  unique(base: string): string {
    let n = this.counts.get(base) ?? 0;
    let candidate = n === 0 ? base : `${base}_${n}`;
    while (this.taken.has(candidate)) {
      n++;
      candidate = `${base}_${n}`;
    }
    this.counts.set(base, n + 1);
    this.taken.add(candidate);
    return candidate;
  }
}

/** The registry name of a layer's class: its static `className`, else the constructor's name. */
export function classNameOf(layer: object): string {
  const ctor = layer.constructor as { className?: string; name: string };
  return ctor.className ?? ctor.name;
}

/** A value for messages: `Linear 'dense'` for a layer, else its type or class (`number`, `Object`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as object).constructor?.name ?? 'object';
  if (typeof (value as { scopeName?: unknown }).scopeName !== 'string') return ctor;
  try {
    return `${ctor} '${(value as { name: string }).name}'`;
  } catch {
    return ctor;
  }
}
