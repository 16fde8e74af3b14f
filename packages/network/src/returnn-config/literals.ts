/**
 * Python literal tokens to values: numbers (`1_000`, `0x1F`, `5.e-15`,
 * `10.`) and strings with every quote form and prefix (`'a'`, `"a"`,
 * `'''a'''`, `"""a"""`, `r"\d"`, `u"x"`), with Python's escapes
 * (https://docs.python.org/3/reference/lexical_analysis.html#literals).
 */

/** The value of a Python number token, or an error text for a literal Strata does not take (complex, too large an int). */
export function parseNumber(text: string): number | { error: string } {
  const t = text.replace(/_/g, '');
  if (/[jJ]$/.test(t)) return { error: `the complex literal ${text} has no Strata value` };
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = Number.parseInt(t.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(t)) v = Number.parseInt(t.slice(2), 8);
  else if (/^0[bB][01]+$/.test(t)) v = Number.parseInt(t.slice(2), 2);
  else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) v = Number(t);
  else return { error: `${text} is not a Python number literal` };
  const isInt = !/[.eE]/.test(t) || /^0[xXoObB]/.test(t);
  if (isInt && !Number.isSafeInteger(v)) return { error: `the integer ${text} is larger than 2**53 and would lose digits` };
  return v;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

/**
 * The value of one Python string token (prefix and quotes included), or an
 * error text for bytes (`b"..."`) and f-strings (handled by the caller as
 * needing Python) and for a bad escape.
 */
export function parseString(token: string): string | { error: string } {
  const m = /^([rRuUbBfF]{0,2})('''|"""|'|")/.exec(token);
  if (!m) return { error: `${token.slice(0, 20)} is not a string literal` };
  const prefix = m[1]!.toLowerCase();
  if (prefix.includes('b')) return { error: 'bytes literals (b"...") have no Strata value; use a str' };
  if (prefix.includes('f')) return { error: 'f-strings need Python' };
  const quote = m[2]!;
  const body = token.slice(m[0].length, token.length - quote.length);
  if (prefix.includes('r')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[i + 1] ?? '';
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i++;
    } else if (e === '\r') {
      i += body[i + 2] === '\n' ? 2 : 1;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      out += String.fromCodePoint(Number.parseInt(oct, 8));
      i += oct.length;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return { error: `bad escape \\${e}${hex} in a string literal` };
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += 1 + n;
    } else if (e === 'N') {
      return { error: 'named unicode escapes (\\N{...}) are not supported; write the character itself' };
    } else {
      // Python keeps unknown escapes as they are (with a SyntaxWarning).
      out += c;
    }
  }
  return out;
}
