import { NameSink } from '../names.js';

/**
 * The Sphinx text rendering of RETURNN's `TFNetwork` module (seed 003):
 * `class TFNetwork.X(params)[source]`, `exception TFNetwork.X[source]`,
 * nested `class X(params)[source]`, methods `name(self, ...)[source]`
 * (optionally `classmethod`/`static`), module functions
 * `TFNetwork.name(...)[source]`, parameters as `• name (type) –` bullets or
 * `Parameters:name (type) –`, and errors as `Raises X` sentences. Properties
 * lost their names in this rendering and cannot be extracted.
 *
 * The rendering also lost indentation, so the end of a nested class is not
 * visible: `dedent` names the methods that belong to the outer class again
 * (method → owner).
 */
export function extractRst(
  sink: NameSink,
  text: string,
  dedent: ReadonlyMap<string, string> = new Map(),
): void {
  let owner = 'TFNetwork';
  let outer = 'TFNetwork';
  let subject = 'TFNetwork';
  for (const line of text.split('\n')) {
    let m = /^class TFNetwork\.(\w+)\((.*)\)\[source\]\s*$/.exec(line);
    if (m) {
      owner = outer = subject = m[1];
      sink.addSignature(subject, 'class', m[2]);
      continue;
    }
    m = /^exception TFNetwork\.(\w+)(?:\((.*)\))?\[source\]\s*$/.exec(line);
    if (m) {
      owner = outer = subject = m[1];
      sink.addSignature(subject, 'class', m[2] ?? '');
      continue;
    }
    m = /^class (\w+)\((.*)\)\[source\]\s*$/.exec(line);
    if (m) {
      owner = subject = `${outer}.${m[1]}`;
      sink.addSignature(subject, 'class', m[2]);
      continue;
    }
    m = /^TFNetwork\.(\w+)\((.*)\)\[source\]\s*$/.exec(line);
    if (m) {
      owner = outer = 'TFNetwork';
      subject = `TFNetwork.${m[1]}`;
      sink.addSignature(subject, 'member', m[2]);
      continue;
    }
    m = /^(?:classmethod |static )?(\w+)\((.*)\)\[source\]\s*$/.exec(line);
    if (m) {
      const back = dedent.get(m[1]);
      if (back) owner = back;
      subject = `${owner}.${m[1]}`;
      sink.addSignature(subject, 'member', m[2]);
      continue;
    }
    m = /^\s*(?:•\s*|Parameters:)(\*{0,2}[A-Za-z_]\w*)(?: \([^–]*\))? –/.exec(line);
    if (m) sink.add('arg', subject, m[1]);
    for (const r of line.matchAll(/\bRaises (\w+)/g)) sink.add('error', subject, r[1]);
  }
}

