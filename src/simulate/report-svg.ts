import type { SimulationReport } from './report-types.js';
import { escapeXml } from './xml-escape.js';

/** Series colours shared by the simulator's charts. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#8c564b'];
const WIDTH = 960;
const PANEL = 190;
const LEFT = 70;
const RIGHT = 170;
const TOP = 40;

/** The opening of a self-contained SVG chart on a white background. */
export function svgStart(width: number, height: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
  ];
}

/** A self-contained SVG: one stacked-area panel per policy, allocations (per minute, in the budget's unit) over time per agent. */
export function renderSvg(report: SimulationReport): string {
  const ids = report.agents.map((a) => a.id);
  const plotW = WIDTH - LEFT - RIGHT;
  const height = TOP + report.policies.length * (PANEL + 30) + 20;
  const out: string[] = [
    ...svgStart(WIDTH, height),
    `<text x="${LEFT}" y="20" font-size="14">${escapeXml(`Allocations over time: scenario "${report.scenario}", seed ${report.seed}, pool ${report.unit === 'usd' ? `$${report.poolPerMinute.toFixed(2)}/min` : `${report.poolPerMinute.toLocaleString('en-US')} tokens/min`}`)}</text>`,
  ];
  const pool = report.poolPerMinute;
  report.policies.forEach((p, panel) => {
    const y0 = TOP + panel * (PANEL + 30) + 16;
    const points = Math.max(...ids.map((id) => p.series[id]?.length ?? 0), 1);
    const x = (i: number) => LEFT + (points <= 1 ? 0 : (i / (points - 1)) * plotW);
    const y = (v: number) => y0 + PANEL - (Math.min(v, pool * 1.2) / (pool * 1.2)) * PANEL;
    out.push(`<text x="${LEFT}" y="${y0 - 4}" font-size="12" font-weight="bold">${escapeXml(p.policy)}</text>`);
    out.push(`<rect x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL}" fill="none" stroke="#ccc"/>`);
    const base = new Float64Array(points);
    ids.forEach((id, a) => {
      const s = p.series[id] ?? [];
      const top: string[] = [];
      const bottom: string[] = [];
      for (let i = 0; i < points; i++) {
        const lo = base[i] as number;
        const hi = lo + (s[i] ?? 0);
        top.push(`${x(i).toFixed(1)},${y(hi).toFixed(1)}`);
        bottom.push(`${x(i).toFixed(1)},${y(lo).toFixed(1)}`);
        base[i] = hi;
      }
      out.push(`<polygon fill="${PALETTE[a % PALETTE.length]}" fill-opacity="0.85" points="${[...top, ...bottom.reverse()].join(' ')}"><title>${escapeXml(id)}</title></polygon>`);
    });
    out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(pool)}" y2="${y(pool)}" stroke="#000" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y(pool) + 4}" text-anchor="end">pool</text>`);
    for (let d = 0; d <= report.days; d++) {
      const xd = LEFT + (d / report.days) * plotW;
      out.push(`<line x1="${xd.toFixed(1)}" x2="${xd.toFixed(1)}" y1="${y0 + PANEL}" y2="${y0 + PANEL + 4}" stroke="#666"/>`);
      if (d < report.days) out.push(`<text x="${(xd + 2).toFixed(1)}" y="${y0 + PANEL + 14}">day ${d}</text>`);
    }
  });
  ids.forEach((id, a) => {
    const ly = TOP + 20 + a * 16;
    out.push(`<rect x="${WIDTH - RIGHT + 16}" y="${ly - 9}" width="10" height="10" fill="${PALETTE[a % PALETTE.length]}"/>`);
    out.push(`<text x="${WIDTH - RIGHT + 32}" y="${ly}">${escapeXml(id)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
