import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeArg } from './names.js';

/** One key a table row claims, and where. */
export interface TableKey {
  readonly key: string;
  readonly file: string;
  readonly line: number;
}

/**
 * The tables of docs/seed-api.md and docs/seed-api/*.md. A seed name is
 * covered when a backticked span in the first cell of a table row expands to
 * its key (scheme at the top of docs/seed-api.md):
 *
 * * `Owner.member(a, b): ErrA, ErrB` → `Owner.member`, `Owner.member(a)`,
 *   `Owner.member(b)`, `Owner.member: ErrA`, `Owner.member: ErrB`;
 * * `{Layer,Network}.count_params` → the same for each owner in the braces;
 * * argument names may keep `*`/`**` and defaults (`dtype=None`), which are dropped.
 *
 * Spans that are not keys (`net/dense/kernel:0`) are ignored.
 */
export function readTables(docsDir: string): TableKey[] {
  const files = [join(docsDir, 'seed-api.md')];
  const sub = join(docsDir, 'seed-api');
  if (existsSync(sub)) {
    for (const f of readdirSync(sub).sort()) if (f.endsWith('.md')) files.push(join(sub, f));
  }
  const out: TableKey[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    out.push(...tableKeys(readFileSync(file, 'utf8'), file));
  }
  return out;
}

/** Keys of every table row's first cell in one Markdown text. */
export function tableKeys(markdown: string, file = '<text>'): TableKey[] {
  const out: TableKey[] = [];
  markdown.split('\n').forEach((line, i) => {
    if (!line.trimStart().startsWith('|')) return;
    const first = splitRow(line)[0] ?? '';
    for (const span of first.matchAll(/`([^`]+)`/g)) {
      for (const key of expandKey(span[1])) out.push({ key, file, line: i + 1 });
    }
  });
  return out;
}

/** Cells of a Markdown table row; `|` inside backticks or escaped as `\|` does not split. */
export function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let code = false;
  const s = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (ch === '`') {
      code = !code;
      cur += ch;
    } else if (ch === '|' && !code) {
      cells.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  cells.push(cur.trim());
  return cells;
}

/** The canonical keys one backticked span stands for (none when it is not a key). */
export function expandKey(span: string): string[] {
  const text = span.trim();
  const brace = /^\{([^}]*)\}(.*)$/.exec(text);
  if (brace) return brace[1].split(',').flatMap((owner) => expandKey(owner.trim() + brace[2]));
  const m = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\(([^)]*)\))?(?:\s*:\s*([A-Za-z_][\w, ]*))?$/.exec(text);
  if (!m) return [];
  const subject = m[1];
  const keys = [subject];
  for (const a of (m[2] ?? '').split(',')) {
    const arg = normalizeArg(a);
    if (arg) keys.push(`${subject}(${arg})`);
  }
  for (const e of (m[3] ?? '').split(',')) {
    if (e.trim()) keys.push(`${subject}: ${e.trim()}`);
  }
  return keys;
}
