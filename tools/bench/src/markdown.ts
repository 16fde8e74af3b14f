/** The run as Markdown: the machine summary, one table per group, and the targets table. */
import type { GroupResult, RowResult, TargetResult } from './results.js';

const f1 = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (x: number | undefined | null): string => (x === undefined || x === null ? '–' : `${x.toFixed(2)}×`);
const cell = (s: string): string => s.replace(/\|/g, '\\|');

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function groupRow(g: GroupResult, r: RowResult): string {
  const name = r.contender + (r.informational ? ' *' : '');
  if (r.unavailable !== undefined) return row([name, `unavailable: ${r.unavailable}`, '', '', '', '', '', '', '']);
  const scaled = g.scale ? `${((r.medianMs! * g.scale.factor) / 1000).toFixed(1)}` : '';
  return row([
    name,
    f1(r.medianMs!),
    `${f1(r.minMs!)}–${f1(r.maxMs!)}`,
    `${(100 * r.spread!).toFixed(0)}%`,
    r.peer === undefined ? '' : `${ratio(r.ratio)} ${r.peer} (min ${ratio(r.ratioMin)})`,
    g.scale ? scaled : '',
    r.gflops === undefined ? '' : r.gflops.toFixed(2),
    f1(r.warmupMs!),
    r.check ?? '',
  ]);
}

/** The table of one group. */
export function groupMarkdown(g: GroupResult): string[] {
  const head = ['contender', 'median ms', 'min–max ms', 'spread', 'ratio vs peer (median)', g.scale?.label ?? '', 'GFLOP/s', 'warm-up ms', 'check'];
  const lines = [`### ${g.id}`, '', `${g.title}. ${g.rounds} rounds.`, '', row(head), row(head.map(() => '---'))];
  for (const r of g.rows) lines.push(groupRow(g, r));
  for (const n of g.notes) lines.push('', `- ${n}`);
  if (g.rows.some((r) => r.informational)) lines.push('', '- `*`: information, not in the targets');
  return lines;
}

function targetRow(g: GroupResult, t: TargetResult): string {
  const verdict = t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL';
  const speedup = t.maxRatio < 1 && t.ratio !== null ? ` (${(1 / t.ratio).toFixed(2)}× faster)` : '';
  return row([verdict, g.id, t.source, t.text, `${ratio(t.ratio)}${speedup}`, ratio(t.ratioMin), `≤ ${t.maxRatio.toFixed(3)}×`]);
}

/** Every target of the run: time ratio subject / peer on medians (and on mins), against its bound. */
export function targetsMarkdown(groups: GroupResult[]): string[] {
  const head = ['', 'group', 'issue', 'target', 'time ratio (median)', 'time ratio (min)', 'bound'];
  const lines = [row(head), row(head.map(() => '---'))];
  for (const g of groups) for (const t of g.targets) lines.push(targetRow(g, t));
  return lines;
}

/** The whole report. */
export function reportMarkdown(title: string, machine: string[], groups: GroupResult[]): string {
  const lines = [`# ${title}`, '', ...machine.map((m) => `- ${m}`), ''];
  for (const g of groups) lines.push(...groupMarkdown(g), '');
  lines.push('## Targets', '', 'Decided on medians (the ratio of the mins is shown next to it); information, not assertions.', '', ...targetsMarkdown(groups), '');
  return lines.join('\n');
}
