import { ERROR_NAME, NameSink } from '../names.js';

/**
 * The short text rendering (seed 000): sections separated by `View source`
 * lines, without member names (the page's headings were lost). The first
 * section is the class; each later one is named by matching its first
 * sentence against `reference` (member → first sentence, from the long
 * rendering of the same class, seed 001); an unmatched section is keyed
 * `section<n>` so that it shows up as missing. Arguments are lines
 * `name Description...`, errors lines `ValueError If ...`.
 */
export function extractShort(
  sink: NameSink,
  owner: string,
  text: string,
  reference: ReadonlyMap<string, string>,
): void {
  sink.add('class', owner);
  const sections = text.split(/^View source.*$/m).slice(1);
  sections.forEach((section, n) => {
    let subject = owner;
    if (n > 0) {
      const first = section.split('\n').find((l) => l.trim() !== '') ?? '';
      subject = `${owner}.${bestMatch(first, reference) ?? `section${n}`}`;
      sink.add('member', subject);
    }
    for (const line of section.split('\n')) {
      const err = /^([A-Z]\w*) [A-Z]/.exec(line);
      if (err && ERROR_NAME.test(err[1])) sink.add('error', subject, err[1]);
      const arg = /^([a-z_]\w*) [A-Z]/.exec(line);
      if (arg && !PYTHON_KEYWORDS.has(arg[1])) sink.add('arg', subject, arg[1]);
    }
  });
}

const PYTHON_KEYWORDS = new Set(['class', 'def', 'return', 'import', 'from', 'print']);

/** The reference member whose first sentence shares most words (Jaccard ≥ 0.5). */
export function bestMatch(sentence: string, reference: ReadonlyMap<string, string>): string | null {
  const words = (s: string) =>
    new Set(
      s
        .toLowerCase()
        .replace(/tf\.(compat\.v1\.)?layers\./g, '')
        .split(/[^a-z0-9_]+/)
        .filter(Boolean),
    );
  const a = words(sentence);
  let best: string | null = null;
  let bestScore = 0.5;
  for (const [member, ref] of reference) {
    const b = words(ref);
    const shared = [...a].filter((w) => b.has(w)).length;
    const score = shared / (a.size + b.size - shared || 1);
    if (score >= bestScore) {
      best = member;
      bestScore = score;
    }
  }
  return best;
}

/** member → first prose sentence, from an `extractHtml`-style document (seed 001). */
export function firstSentences(html: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = html.split(/^<h3 id="([^"]+)">.*$/m);
  for (let k = 1; k + 1 < parts.length; k += 2) {
    const body = parts[k + 1].replace(/```[\s\S]*?```/g, '');
    const first = body.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
    if (first) out.set(parts[k], first.replace(/<[^>]+>|`/g, ''));
  }
  return out;
}
