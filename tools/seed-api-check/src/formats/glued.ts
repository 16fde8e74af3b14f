import { ERROR_NAME, NameSink } from '../names.js';

/**
 * The glued rendering (seed 004): DOM text nodes joined without separators.
 * A method heading is its name twice followed by `(`
 * (`add_lossadd_loss(\n  losses, ...)`), a documented argument or error is
 * `name: ` at a line start or right after a `.`. Properties are runs of
 * snake_case names glued together (`dtypegraphinputRetrieves ...`), which
 * `vocabulary` (property names known from the other renderings and the
 * seed's own "Read-only properties:" / "Mutable properties:" lists) splits;
 * a run it cannot split is reported whole, so it shows up as missing.
 */
export function extractGlued(
  sink: NameSink,
  owner: string,
  text: string,
  vocabulary: ReadonlySet<string>,
): void {
  sink.add('class', owner);
  const listed = [...text.matchAll(/^(?:Read-only|Mutable) properties:(.*)$/gm)];
  const vocab = new Set(vocabulary);
  for (const l of listed) {
    for (const m of l[1].matchAll(/(?:^|\.)\s*([a-z_]\w*): /g)) {
      vocab.add(m[1]);
      sink.add('member', `${owner}.${m[1]}`);
    }
  }

  const heading = /(?<!\w)(\w+)\1\(/g;
  const firstMethod = heading.exec(text);
  const propEnd = firstMethod ? firstMethod.index : text.length;
  const props = text.slice(0, propEnd).split('\n');
  let subject = owner;
  for (const line of props) {
    if (/^(?:Read-only|Mutable) properties:/.test(line)) continue;
    const events: { at: number; kind: 'run' | 'error'; value: string }[] = [];
    for (const m of line.matchAll(/(?:^|\.)([a-z_][a-z0-9_]*)(?=[A-Z]|$)/g)) {
      events.push({ at: m.index, kind: 'run', value: m[1] });
    }
    for (const m of line.matchAll(/(?:^|\.)([A-Z]\w*): /g)) {
      if (ERROR_NAME.test(m[1])) events.push({ at: m.index, kind: 'error', value: m[1] });
    }
    events.sort((a, b) => a.at - b.at);
    for (const e of events) {
      if (e.kind === 'error') {
        sink.add('error', subject, e.value);
        continue;
      }
      for (const name of segment(e.value, vocab) ?? [e.value]) {
        subject = `${owner}.${name}`;
        sink.add('member', subject);
      }
    }
  }

  const starts = [...text.slice(propEnd).matchAll(/(?<!\w)(\w+)\1\(/g)].map((m) => ({
    at: propEnd + m.index,
    name: m[1],
  }));
  starts.forEach((start, k) => {
    const end = k + 1 < starts.length ? starts[k + 1].at : text.length;
    const body = text.slice(start.at + start.name.length * 2, end);
    const close = body.indexOf(')');
    subject = sink.addMethod(owner, start.name, body.slice(1, close));
    for (const m of body.slice(close + 1).matchAll(/(?:^|\.)(\*{0,2}[A-Za-z_]\w*): /gm)) {
      if (ERROR_NAME.test(m[1])) sink.add('error', subject, m[1]);
      else if (/^\*{0,2}[a-z_]/.test(m[1])) sink.add('arg', subject, m[1]);
    }
  });
}

/** Splits `run` into words of `vocab` (longest first); `null` when impossible. */
export function segment(run: string, vocab: ReadonlySet<string>): string[] | null {
  const memo = new Map<number, string[] | null>();
  const go = (at: number): string[] | null => {
    if (at === run.length) return [];
    const hit = memo.get(at);
    if (hit !== undefined) return hit;
    let result: string[] | null = null;
    for (let end = run.length; end > at && !result; end--) {
      const word = run.slice(at, end);
      if (!vocab.has(word)) continue;
      const rest = go(end);
      if (rest) result = [word, ...rest];
    }
    memo.set(at, result);
    return result;
  };
  return go(0);
}
