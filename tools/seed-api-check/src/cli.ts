import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractSeedNames, readSeeds } from './seed-names.js';
import { readTables } from './table.js';

/**
 * `pnpm --filter @strata/seed-api-check check [--unknown]`
 *
 * Prints the seed names that no docs/seed-api table row claims, grouped by
 * seed file (a `# <file>` line, then one key per line), and nothing when every
 * name is covered; exits 1 when something is missing. `--unknown` also lists
 * table keys that match no seed name (typos, renamed members), under
 * `# unknown keys`. Paths: `STRATA_SEEDS_DIR` (default `<repo>/docs/seeds`, the seeds as shipped with the repository),
 * `STRATA_DOCS_DIR` (default `<repo>/docs`).
 */
export function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { out: string; code: number } {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const seedsDir = env.STRATA_SEEDS_DIR ?? join(repo, 'docs', 'seeds');
  const docsDir = env.STRATA_DOCS_DIR ?? join(repo, 'docs');
  const seeds = readSeeds(seedsDir);
  const names = extractSeedNames(seeds);
  const table = readTables(docsDir);
  const covered = new Set(table.map((t) => t.key));
  const lines: string[] = [];
  let missing = 0;
  for (const seed of seeds) {
    const miss = names.filter((n) => n.seed === seed.id && !covered.has(n.key));
    if (miss.length === 0) continue;
    missing += miss.length;
    lines.push(`# ${seed.file}`, ...miss.map((n) => n.key));
  }
  if (argv.includes('--unknown')) {
    const known = new Set(names.map((n) => n.key));
    const unknown = table.filter((t) => !known.has(t.key));
    if (unknown.length > 0) {
      lines.push('# unknown keys', ...unknown.map((t) => `${t.key}  (${t.file.slice(repo.length + 1)}:${t.line})`));
    }
  }
  return { out: lines.length ? `${lines.join('\n')}\n` : '', code: missing > 0 ? 1 : 0 };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { out, code } = run(process.argv.slice(2));
  process.stdout.write(out);
  process.exitCode = code;
}
