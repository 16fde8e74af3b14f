import { ERROR_NAME, NameSink } from '../names.js';

/**
 * The tensorflow.org Markdown rendering (seed 001): `<h3 id="member">` per
 * property or method, a ```` ``` python ```` signature block, `#### Args:` /
 * `#### Arguments:` and `#### Raises:` lists of `* <b>`name`</b>:` items.
 * `__init__` is the class itself.
 */
export function extractHtml(sink: NameSink, owner: string, text: string): void {
  sink.add('class', owner);
  const lines = text.split('\n');
  let subject = owner;
  let list: 'args' | 'raises' | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const h3 = /^<h3 id="([^"]+)">/.exec(line);
    if (h3) {
      subject = sink.addMethod(owner, h3[1]);
      list = null;
      continue;
    }
    if (/^```\s*python/.test(line)) {
      let sig = '';
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) sig += lines[i];
      const m = /^\s*\w+\(([\s\S]*)\)\s*$/.exec(sig);
      if (m) sink.addSignature(subject, subject === owner ? 'class' : 'member', m[1]);
      continue;
    }
    const heading = /^####\s+(\w+):/.exec(line);
    if (heading) {
      list = /^Arg/.test(heading[1]) ? 'args' : heading[1] === 'Raises' ? 'raises' : null;
      continue;
    }
    if (/^#{1,3}\s/.test(line)) {
      list = null;
      continue;
    }
    const item = /^\* <b>`([^`]+)`<\/b>:/.exec(line);
    if (item && list === 'args') sink.add('arg', subject, item[1]);
    if (item && list === 'raises' && ERROR_NAME.test(item[1])) sink.add('error', subject, item[1]);
  }
}
