// Runs the strata command from its TypeScript sources (no build needed), for the example tests.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** `strata ...args` run from the repository root: exit status and stdout+stderr. */
export function strata(...args: string[]): { status: number | null; out: string } {
  const main = join(__dirname, '../apps/cli/src/main.ts');
  const tsx = pathToFileURL(join(__dirname, 'node_modules/tsx/dist/loader.mjs')).href;
  const r = spawnSync(process.execPath, ['--conditions=strata-source', '--import', tsx, main, ...args], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
