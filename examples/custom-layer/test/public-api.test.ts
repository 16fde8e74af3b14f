// The package is written as a user's would be: it reaches Strata only through
// the packages' public entry points (`@strata/core`, ...), never their sources.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(__dirname, '..');
const sources = ['src', 'test'].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.ts')).map((f) => join(d, f)));

it('imports @strata packages by name only (no deep imports, no relative paths out of the package)', () => {
  expect(sources).toContain('src/glu.ts');
  const bad = sources.flatMap((file) =>
    [...readFileSync(join(root, file), 'utf8').matchAll(/\bfrom\s+'([^']+)'|\bimport\s+'([^']+)'/g)]
      .map((m) => m[1] ?? m[2]!)
      .filter((spec) => /^@strata\/[^/]+\/|^\.\.\/\.\.\/|packages\//.test(spec))
      .map((spec) => `${file}: ${spec}`),
  );
  expect(bad).toEqual([]);
});
