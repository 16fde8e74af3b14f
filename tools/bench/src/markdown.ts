/** The run as Markdown: the machine summary, one table per group, and the targets table. */
import type { GroupResult, RowResult, TargetResult } from './results.js';

const f1 = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
/** `0.89×`; small ratios keep two significant digits (`0.0031×`). */
export const ratio = (x: number | undefined | null): string => (x === undefined || x === null ? '–' : `${x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`);
const cell = (s: string): string => s.replace(/\|/g, '\\|');

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

interface Column {
  head: string;
  value: (r: RowResult) => string;
}

/** The columns of a group's table; the extrapolation, GFLOP/s and check columns only where they have values. */
function columns(g: GroupResult): Column[] {
  const unit = g.rows.some((r) => r.units !== undefined) ? ' per batch' : '';
  const cols: Column[] = [
    { head: `median ms${unit}`, value: (r) => f1(r.medianMs!) },
    { head: 'min–max ms', value: (r) => `${f1(r.minMs!)}–${f1(r.maxMs!)}` },
    { head: 'spread', value: (r) => `${(100 * r.spread!).toFixed(0)}%` },
    {
      head: 'ratio vs peer (median)',
      value: (r) => (r.peer === undefined ? '' : r.ratio === undefined ? `– (${r.peer} unavailable)` : `${ratio(r.ratio)} ${r.peer} (min ${ratio(r.ratioMin)})`),
    },
  ];
  const scale = g.scale;
  if (scale) cols.push({ head: scale.label, value: (r) => ((r.medianMs! * scale.factor) / 1000).toFixed(1) });
  if (g.rows.some((r) => r.gflops !== undefined)) cols.push({ head: 'GFLOP/s', value: (r) => (r.gflops === undefined ? '' : r.gflops.toFixed(2)) });
  cols.push({ head: `warm-up ms${unit}`, value: (r) => (r.warmupMs === undefined ? 'none' : f1(r.warmupMs)) });
  return cols;
}

/** The table of one group. */
export function groupMarkdown(g: GroupResult): string[] {
  const cols = columns(g);
  const withCheck = g.rows.some((r) => r.check !== undefined);
  const head = ['contender', ...cols.map((c) => c.head), ...(withCheck ? ['check'] : [])];
  const lines = [`### ${g.id}`, '', `${g.title}. ${g.rounds} round${g.rounds === 1 ? '' : 's'}.`, '', row(head), row(head.map(() => '---'))];
  for (const r of g.rows) {
    const name = r.contender + (r.informational ? ' *' : '');
    const check = withCheck ? [r.check ?? ''] : [];
    if (r.unavailable !== undefined) lines.push(row([name, `unavailable: ${r.unavailable}`, ...cols.slice(1).map(() => ''), ...check]));
    else lines.push(row([name, ...cols.map((c) => c.value(r)), ...check]));
  }
  const notes = [...g.notes, ...(g.rows.some((r) => r.informational) ? ['`*`: information, not in the targets'] : [])];
  if (notes.length > 0) lines.push('', ...notes.map((n) => `- ${n}`));
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
