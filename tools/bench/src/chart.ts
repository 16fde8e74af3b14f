/**
 * An SVG bar chart of the ratios: for every row compared with a peer, its
 * median time divided by the peer's, on a log axis (bars to the left of 1:
 * faster than the peer). A dashed line marks the 1.05 overhead budget and a
 * black tick on a bar the bound of a target on that pair.
 */
import { ratio } from './markdown.js';
import type { GroupResult } from './results.js';

interface Bar {
  label: string;
  ratio: number;
  bound?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function bars(groups: GroupResult[]): Bar[] {
  const out: Bar[] = [];
  for (const g of groups) {
    for (const r of g.rows) {
      if (r.ratio === undefined || r.peer === undefined) continue;
      const t = g.targets.find((x) => x.subject === r.contender && x.peer === r.peer);
      out.push({ label: `${g.id}: ${r.contender} / ${r.peer}`, ratio: r.ratio, ...(t ? { bound: t.maxRatio } : {}) });
    }
  }
  return out;
}

/** The chart as an SVG document (empty chart text when nothing was compared). */
export function ratioChartSvg(groups: GroupResult[], title: string, budget = 1.05): string {
  const data = bars(groups);
  const labelW = 470;
  const plotW = 420;
  const rowH = 22;
  const top = 48;
  const height = top + Math.max(data.length, 1) * rowH + 40;
  const width = labelW + plotW + 90;
  const values = data.flatMap((b) => [b.ratio, b.bound ?? 1]).concat([1, budget]);
  const lo = Math.log10(Math.min(...values)) - 0.1;
  const hi = Math.log10(Math.max(...values)) + 0.1;
  const x = (v: number): number => Math.round(10 * (labelW + ((Math.log10(v) - lo) / (hi - lo)) * plotW)) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="38" fill="#555">median time / peer's median time (log scale; &lt; 1: faster than the peer)</text>`,
  ];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
      parts.push(`<line x1="${x(v)}" y1="${top - 4}" x2="${x(v)}" y2="${height - 30}" stroke="#eee"/>`);
      parts.push(`<text x="${x(v)}" y="${height - 16}" text-anchor="middle" fill="#555">${v >= 1 ? v : v.toFixed(-e)}</text>`);
    }
  }
  data.forEach((b, i) => {
    const y = top + i * rowH;
    const x0 = x(1);
    const x1 = x(b.ratio);
    const color = b.ratio <= 1 ? '#3a7d44' : b.ratio <= budget ? '#c9a227' : '#c0392b';
    parts.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${Math.min(x0, x1)}" y="${y + 4}" width="${Math.max(Math.abs(x1 - x0), 1)}" height="${rowH - 8}" fill="${color}"/>`);
    parts.push(`<text x="${Math.max(x0, x1) + 4}" y="${y + 15}">${ratio(b.ratio)}</text>`);
    if (b.bound !== undefined) parts.push(`<line x1="${x(b.bound)}" y1="${y + 1}" x2="${x(b.bound)}" y2="${y + rowH - 1}" stroke="black" stroke-width="2"/>`);
  });
  parts.push(`<line x1="${x(1)}" y1="${top - 4}" x2="${x(1)}" y2="${height - 30}" stroke="#333"/>`);
  parts.push(`<line x1="${x(budget)}" y1="${top - 4}" x2="${x(budget)}" y2="${height - 30}" stroke="#c0392b" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${x(budget) + 3}" y="${top - 6}" fill="#c0392b">${budget}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
