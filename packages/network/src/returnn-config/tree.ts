import type { SyntaxNode, Tree } from '@lezer/common';
import { fixTrailingDotFloats } from '@strata/core';
import { parser } from '@lezer/python';
import type { ConfigLocation } from './errors.js';

/** A parsed config source: the lezer tree plus what it takes to name places in it. */
export class SourceTree {
  readonly tree: Tree;
  /** The text the tree was parsed from: the file's text with trailing-dot floats rewritten (same length). */
  readonly source: string;
  private readonly lineStarts: number[];
  /**
   * Parses `source` with @lezer/python (CodeMirror's Python grammar).
   * Float literals with a trailing dot (`10.`, `5.e-15`, `1.j`), which that
   * grammar reads as an attribute access, are first rewritten in place to
   * forms of the same length (`10 `, `5e-15 `), so every line and column
   * still points into the original text.
   */
  constructor(
    original: string,
    readonly file: string,
  ) {
    this.source = fixTrailingDotFloats(original);
    this.lineStarts = [0];
    for (let i = 0; i < original.length; i++) if (original[i] === '\n') this.lineStarts.push(i + 1);
    this.tree = parser.parse(this.source);
  }

  /** 1-based line and column of an offset. */
  location(pos: number): ConfigLocation {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: pos - this.lineStarts[lo]! + 1 };
  }

  /** The source text of a node. */
  text(node: SyntaxNode): string {
    return this.source.slice(node.from, node.to);
  }
}

/** The children of a node, without comments (they may sit inside multi-line dicts and lists). */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  return out;
}

/** The first syntax-error node under `node`, if any. */
export function firstError(node: SyntaxNode): SyntaxNode | undefined {
  if (node.type.isError) return node;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    const e = firstError(c);
    if (e) return e;
  }
  return undefined;
}

