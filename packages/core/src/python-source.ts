import { parser } from '@lezer/python';

/**
 * Python source with float literals that end in a dot rewritten to forms of
 * the same length: `10.` → `10 `, `5.e-15` → `5e-15 `, `1.j` → `1j `
 * (outside strings and comments; found by a first parse). @lezer/python reads
 * such a literal as an attribute access; keeping the length keeps every
 * offset, so positions in errors stay those of the original text. Used by
 * RETURNN `eval` strings (core) and RETURNN config files (network).
 */
export function fixTrailingDotFloats(source: string): string {
  const spots: number[] = [];
  parser.parse(source).iterate({
    enter: (n) => {
      if (n.name !== 'MemberExpression') return undefined;
      const first = n.node.firstChild;
      const dot = first?.nextSibling;
      if (first?.name === 'Number' && dot?.name === '.' && dot.from === first.to && /^\d[\d_]*$/.test(source.slice(first.from, first.to))) spots.push(first.from);
      return undefined;
    },
  });
  if (spots.length === 0) return source;
  let out = source;
  for (const at of spots) {
    const m = /^(\d[\d_]*)\.((?:[eE][+-]?\d[\d_]*)?[jJ]?)/.exec(out.slice(at))!;
    const fixed = `${m[1]}${m[2]}`.padEnd(m[0].length, ' ');
    out = out.slice(0, at) + fixed + out.slice(at + m[0].length);
  }
  return out;
}
