import type { SweepCell, SweepReport } from './sweep.js';
import { escapeXml } from './xml-escape.js';
import { PALETTE, svgStart } from './report-svg.js';

/** Per grid point: the mean and the lowest dynamic ÷ fair over the seeds. */
export function sweepSummary(report: SweepReport): Array<{ spread: number; oversubscription: number; mean: number; min: number }> {
  const out: Array<{ spread: number; oversubscription: number; mean: number; min: number }> = [];
  for (const spread of report.grid.spreads) {
    for (const oversubscription of report.grid.oversubscriptions) {
      const ratios = report.cells.filter((c: SweepCell) => c.spread === spread && c.oversubscription === oversubscription).map((c) => c.ratio);
      if (ratios.length === 0) continue;
      out.push({ spread, oversubscription, mean: ratios.reduce((s, r) => s + r, 0) / ratios.length, min: Math.min(...ratios) });
    }
  }
  return out;
}

/** The sweep as text: one row per productivity spread, one column per oversubscription, mean (lowest) dynamic ÷ fair. */
export function renderSweep(report: SweepReport): string {
  const summary = sweepSummary(report);
  const { grid } = report;
  const header = ['spread \\ demand/pool', ...grid.oversubscriptions.map((o) => `${o}×`)];
  const rows = grid.spreads.map((s) => [
    `${s}×`,
    ...grid.oversubscriptions.map((o) => {
      const c = summary.find((x) => x.spread === s && x.oversubscription === o);
      return c === undefined ? '' : `${c.mean.toFixed(2)} (${c.min.toFixed(2)})`;
    }),
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const worst = Math.min(...report.cells.map((c) => c.ratio));
  return [
    `Token Ninja sweep: scenario "${report.scenario}", seeds ${grid.seeds.join(', ')}, ${grid.days} days per run`,
    'Dynamic ÷ fair share, quality-weighted tasks: mean over seeds (lowest seed)',
    '',
    ...all.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ')),
    '',
    `Lowest cell: ${worst.toFixed(3)} (target at least 0.98: ${worst >= 0.98 ? 'met' : 'NOT met'}).`,
    '',
  ].join('\n');
}

const W = 640;
const H = 360;
const L = 60;
const R = 120;
const T = 40;
const B = 50;

/** The sweep as a chart: mean dynamic ÷ fair against productivity spread (log scale), one line per oversubscription. */
export function renderSweepSvg(report: SweepReport): string {
  const summary = sweepSummary(report);
  const { spreads, oversubscriptions } = report.grid;
  const lx = (s: number) => Math.log(s);
  const x0 = lx(Math.min(...spreads));
  const x1 = lx(Math.max(...spreads));
  const x = (s: number) => L + (x1 > x0 ? ((lx(s) - x0) / (x1 - x0)) * (W - L - R) : 0);
  const values = summary.map((c) => c.mean);
  const yMin = Math.min(0.9, ...values);
  const yMax = Math.max(1.1, ...values);
  const y = (v: number) => T + (1 - (v - yMin) / (yMax - yMin)) * (H - T - B);
  const out = [
    ...svgStart(W, H),
    `<text x="${L}" y="20" font-size="13">${escapeXml(`Dynamic ÷ fair share (quality-weighted tasks), scenario "${report.scenario}", mean of seeds ${report.grid.seeds.join(', ')}`)}</text>`,
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#ccc"/>`,
  ];
  // The two reference lines lie close together: 1 labelled on the left, the 0.98 target on the right.
  for (const v of [1, 0.98]) {
    const label = v === 1 ? `<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">1</text>` : `<text x="${W - R + 4}" y="${(y(v) + 8).toFixed(1)}">0.98 target</text>`;
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#000" stroke-dasharray="${v === 1 ? '4 3' : '1 3'}"/>${label}`);
  }
  out.push(`<text x="${L - 6}" y="${(y(yMax) + 4).toFixed(1)}" text-anchor="end">${yMax.toFixed(2)}</text>`);
  for (const s of spreads) out.push(`<text x="${x(s).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${s}×</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">productivity spread (most ÷ least productive agent)</text>`);
  oversubscriptions.forEach((o, i) => {
    const colour = PALETTE[i % PALETTE.length] as string;
    const pts = spreads.map((s) => summary.find((c) => c.spread === s && c.oversubscription === o)).filter((c) => c !== undefined);
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map((c) => `${x(c.spread).toFixed(1)},${y(c.mean).toFixed(1)}`).join(' ')}"/>`);
    out.push(`<text x="${W - R + 10}" y="${T + 14 + i * 16}" fill="${colour}">${escapeXml(`demand ${o}× pool`)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
