/** A config path as JS would write it: `network.out.n_out`, `network["my layer"]`, `dims[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => {
      if (typeof k === 'number') return `[${k}]`;
      const key = String(k);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}
