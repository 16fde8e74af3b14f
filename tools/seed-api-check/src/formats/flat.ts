import { ERROR_NAME, NameSink } from '../names.js';

/**
 * The flattened HTML rendering (seed 002): one text line per DOM text node.
 * A method is a line ending in its name followed by a line `name(params)`;
 * a documented argument or error is a line ending in its name followed by a
 * line that starts with `:`. Properties (before the first method) are lines
 * holding one snake_case name, or a name glued after the `.` that ends the
 * previous property's error text (`: if called in Eager mode.input_shape`).
 */
export function extractFlat(sink: NameSink, owner: string, text: string): void {
  sink.add('class', owner);
  const lines = text.split('\n');
  let subject = owner;
  let inMethods = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const next = lines[i + 1] ?? '';
    const sig = /^(\w+)\((.*)\)\s*$/.exec(next);
    if (sig && line.endsWith(sig[1])) {
      inMethods = true;
      subject = sink.addMethod(owner, sig[1], sig[2]);
      i++;
      continue;
    }
    if (next.startsWith(':')) {
      const token = /(\*{0,2}[A-Za-z_]\w*)$/.exec(line)?.[1];
      if (token && ERROR_NAME.test(token)) sink.add('error', subject, token);
      else if (token && inMethods) sink.add('arg', subject, token);
    }
    if (inMethods) continue;
    const prop = /^([a-z_][a-z0-9_]*)$/.exec(line) ?? /^:.*\.([a-z_][a-z0-9_]*)$/.exec(line);
    if (prop) {
      subject = `${owner}.${prop[1]}`;
      sink.add('member', subject);
    }
  }
}
